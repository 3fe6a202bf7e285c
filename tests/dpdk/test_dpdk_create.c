/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpdk_create.c - the DPDK engine made the way sluiced makes it
 * (sl_dpdk_engine_create, which runs rte_eal_init): its start-up errors,
 * and a whole life on net_null (create, apply, count, list, destroy).
 * The EAL starts once per process, so each case is its own run:
 *   test_dpdk_create badopt|iface|noport|onecore|life
 * Needs root and hugepages: exits 77 (skip) without them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "engine_dpdk.h"
#include "ring_port.h"

static struct sl_stats st;

static int
expect_error(char **argv, int argc, const char *iface, const char *want)
{
	struct sl_engine_args a = {.argc = argc, .argv = argv, .iface = iface};
	char err[512] = "";
	struct sl_engine *e = sl_dpdk_engine_create(&a, err, sizeof(err));

	if (e) {
		fprintf(stderr, "FAIL: the engine started; expected an error with '%s'\n", want);
		e->ops->destroy(e);
		return 1;
	}
	if (!strstr(err, want)) {
		fprintf(stderr, "FAIL: error '%s' does not say '%s'\n", err, want);
		return 1;
	}
	printf("ok: %s\n", err);
	return 0;
}

static int
life(void)
{
	char *argv[] = {"--no-pci", "--in-memory", "-l", "0,1", "--vdev=net_null0",
			"--", "--gw-mac", "02:00:00:00:00:01", "--local-ip", "192.0.2.1"};
	struct sl_engine_args a = {.argc = 10, .argv = argv};
	const char *conf[] = {
		"set flows size 1024",
		"add service www 198.51.100.10:80 proto tcp sched rr mode nat",
		"add backend www 10.0.1.11:80",
		"add backend www 10.0.1.12:80",
	};
	static struct sl_ids ids;
	struct sl_config cfg;
	struct sl_snapshot *s;
	struct sl_flow_info fi[4];
	struct sl_engine *e;
	char err[512];
	size_t i;
	int rc = 1;

	e = sl_dpdk_engine_create(&a, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "FAIL: create: %s\n", err);
		return 1;
	}
	sl_config_init(&cfg);
	for (i = 0; i < sizeof(conf) / sizeof(conf[0]); i++)
		if (sl_config_exec(&cfg, conf[i], strlen(conf[i]), err, sizeof(err))) {
			fprintf(stderr, "FAIL: %s: %s\n", conf[i], err);
			goto out;
		}
	s = sl_snapshot_build(&cfg, NULL, &ids, 1, err, sizeof(err));
	if (!s || e->ops->apply(e, s, err, sizeof(err))) {
		fprintf(stderr, "FAIL: apply: %s\n", err);
		sl_snapshot_free(s);
		goto out;
	}
	/* a change of table size is refused, the rest stays */
	cfg.g.flows_per_core = 2048;
	s->g.flows_per_core = 2048;
	if (!e->ops->apply(e, s, err, sizeof(err)) || !strstr(err, "flows-per-core")) {
		fprintf(stderr, "FAIL: a new flows-per-core was not refused\n");
		sl_snapshot_free(s);
		goto out;
	}
	printf("ok: %s\n", err);
	sl_snapshot_free(s);
	/* net_null receives frames without end: the worker counts them */
	usleep(200000);
	if (e->ops->stats(e, &st) || st.n_cores != 1 || st.core[0].rx_pkts == 0) {
		fprintf(stderr, "FAIL: no packet counted on net_null\n");
		goto out;
	}
	printf("ok: %llu packets received, %llu to host, %llu dropped\n",
	       (unsigned long long)st.core[0].rx_pkts, (unsigned long long)st.core[0].to_host_pkts,
	       (unsigned long long)st.core[0].dropped_pkts);
	if (e->ops->flows(e, -1, fi, 4) != 0) {
		fprintf(stderr, "FAIL: flows from frames of zeros\n");
		goto out;
	}
	rc = 0;
out:
	sl_config_free(&cfg);
	e->ops->destroy(e);
	return rc;
}

int
main(int argc, char **argv)
{
	char *noport[] = {"--no-pci", "--in-memory", "-l", "0,1"};
	char *onecore[] = {"--no-pci", "--in-memory", "-l", "0", "--vdev=net_null0"};
	char *badopt[] = {"--no-pci", "--", "--bogus"};

	if (argc != 2) {
		fprintf(stderr, "usage: test_dpdk_create badopt|iface|noport|onecore|life\n");
		return 2;
	}
	/* these two fail before the EAL starts */
	if (!strcmp(argv[1], "badopt"))
		return expect_error(badopt, 3, NULL, "unknown option '--bogus'");
	if (!strcmp(argv[1], "iface"))
		return expect_error(noport, 4, "eth0", "--iface is for the xdp engine");
	if (!dpdk_test_can_run("the DPDK engine test"))
		return 77;
	if (!strcmp(argv[1], "noport"))
		return expect_error(noport, 4, NULL, "no DPDK port");
	if (!strcmp(argv[1], "onecore"))
		return expect_error(onecore, 5, NULL, "worker lcore");
	if (!strcmp(argv[1], "life"))
		return life();
	fprintf(stderr, "unknown case %s\n", argv[1]);
	return 2;
}

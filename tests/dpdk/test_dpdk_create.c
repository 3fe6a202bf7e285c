/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpdk_create.c - the DPDK engine made the way sluiced makes it
 * (sl_dpdk_engine_create, which runs rte_eal_init): its start-up errors,
 * and a whole life on net_null (create, apply, count, list, destroy);
 * and the polled engine the benchmark drives (sl_dpdk_engine_create_polled)
 * on one lcore, where a test knows which frames make one burst. The EAL starts once per process, so each case is its own
 * run:
 *   test_dpdk_create badopt|iface|noport|onecore|life|polled|polled-nat
 * Needs root and hugepages: exits 77 (skip) without them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sluice/parse.h>

#include "config.h"
#include "engine.h"
#include "engine_dpdk.h"
#include "pktbuild.h"
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

static int
apply_conf(struct sl_engine *e, struct sl_ids *ids, uint32_t gen, const char *const *conf, size_t n)
{
	struct sl_config cfg;
	struct sl_snapshot *s = NULL;
	char err[512];
	size_t i;
	int rc = -1;

	sl_config_init(&cfg);
	for (i = 0; i < n; i++)
		if (sl_config_exec(&cfg, conf[i], strlen(conf[i]), err, sizeof(err))) {
			fprintf(stderr, "FAIL: %s: %s\n", conf[i], err);
			goto out;
		}
	s = sl_snapshot_build(&cfg, NULL, ids, gen, err, sizeof(err));
	if (!s || e->ops->apply(e, s, err, sizeof(err))) {
		fprintf(stderr, "FAIL: apply: %s\n", s ? err : "snapshot");
		goto out;
	}
	rc = 0;
out:
	sl_snapshot_free(s);
	sl_config_free(&cfg);
	return rc;
}

/* The polled engine: on the only lcore, nothing moves until the caller
 * polls; a poll forwards what was queued (so a test knows its frames are
 * one burst); apply() returns while the worker, between polls, is
 * quiescent (a wait for it would hang here). */
static int
polled(void)
{
	char *opts[] = {"--gw-mac", "02:00:00:00:00:01", "--local-ip", "192.0.2.1"};
	struct sl_engine_args a = {.argc = 4, .argv = opts};
	const char *conf[] = {
		"set flows size 1024",
		"add service www 198.51.100.10:80 proto tcp sched rr mode dsr",
		"add backend www 10.0.1.11:80",
	};
	struct pkt_spec spec = {.family = 4, .src = "10.100.0.1", .dst = "198.51.100.10",
				.proto = 6, .sport = 40000, .dport = 80};
	static struct sl_ids ids;
	struct pkt_layout lay;
	struct ring_port rp;
	struct sl_engine *e;
	struct rte_mbuf *m;
	uint8_t f[PB_MAX_LEN];
	size_t len = pkt_build(&spec, f, sizeof(f), &lay);
	char err[512];
	int i, rc = 1;

	if (dpdk_test_eal_init("test_dpdk_create", "0") || ring_port_create(&rp, "polled", 1))
		return 1;
	e = sl_dpdk_engine_create_polled(&a, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "FAIL: create polled: %s\n", err);
		return 1;
	}
	if (apply_conf(e, &ids, 1, conf, 3))
		goto out;
	for (i = 0; i < 3; i++)
		if (ring_port_inject(&rp, 0, f, len)) {
			fprintf(stderr, "FAIL: inject\n");
			goto out;
		}
	usleep(100000);
	if (ring_port_pending(&rp, 0) != 0) {
		fprintf(stderr, "FAIL: frames went out before a poll\n");
		goto out;
	}
	sl_dpdk_engine_poll(e);
	if (ring_port_pending(&rp, 0) != 3 || e->ops->stats(e, &st) || st.n_cores != 1 ||
	    st.core[0].rx_pkts != 3 || st.core[0].flow_new != 1 || st.core[0].flow_hits != 2) {
		fprintf(stderr, "FAIL: one poll: %u sent, %llu received, %llu new, %llu hits\n",
			ring_port_pending(&rp, 0), (unsigned long long)st.core[0].rx_pkts,
			(unsigned long long)st.core[0].flow_new, (unsigned long long)st.core[0].flow_hits);
		goto out;
	}
	while ((m = ring_port_recv(&rp, 0, 0))) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		int same = m->data_len == len && !memcmp(d, "\x02\x00\x00\x00\x00\x01", 6) &&
			   !memcmp(d + 12, f + 12, len - 12);

		rte_pktmbuf_free(m);
		if (!same) {
			fprintf(stderr, "FAIL: not the frame, to the gateway's MAC\n");
			goto out;
		}
	}
	/* one burst, three new flows' packets interleaved: each flow's later
	 * packets find the entry its first made in the same burst */
	{
		static const uint16_t order[] = {1, 1, 2, 1, 2, 3, 3, 1};
		uint64_t new0 = st.core[0].flow_new, hits0 = st.core[0].flow_hits;

		for (i = 0; i < 8; i++) {
			spec.sport = (uint16_t)(40000 + order[i]);
			spec.tcp_flags = i == 0 || i == 2 || i == 5 ? 0x02 : 0x10;
			len = pkt_build(&spec, f, sizeof(f), &lay);
			if (ring_port_inject(&rp, 0, f, len)) {
				fprintf(stderr, "FAIL: inject\n");
				goto out;
			}
		}
		sl_dpdk_engine_poll(e);
		e->ops->stats(e, &st);
		if (ring_port_pending(&rp, 0) != 8 || st.core[0].flow_new - new0 != 3 ||
		    st.core[0].flow_hits - hits0 != 5 || st.core[0].flows_active != 4) {
			fprintf(stderr, "FAIL: one burst of 3 new flows: %u sent, %llu new, %llu hits, "
				"%llu flows\n", ring_port_pending(&rp, 0),
				(unsigned long long)(st.core[0].flow_new - new0),
				(unsigned long long)(st.core[0].flow_hits - hits0),
				(unsigned long long)st.core[0].flows_active);
			goto out;
		}
		while ((m = ring_port_recv(&rp, 0, 0)))
			rte_pktmbuf_free(m);
	}
	/* a second snapshot while the worker is between polls */
	conf[2] = "add backend www 10.0.1.12:80";
	if (apply_conf(e, &ids, 2, conf, 3))
		goto out;
	printf("ok: 3 frames forwarded by one poll, none before it; 3 new flows in one burst made 3 "
	       "entries; a second snapshot applied\n");
	rc = 0;
out:
	e->ops->destroy(e);
	ring_port_free(&rp);
	return rc;
}

/* Frame out of the polled engine's port, parsed; 0 or -1 (none, or not IP). */
static int
out_parsed(struct ring_port *rp, struct sl_pkt *p)
{
	struct rte_mbuf *m = ring_port_recv(rp, 0, 0);
	int rc;

	if (!m)
		return -1;
	rc = sl_parse(rte_pktmbuf_mtod(m, const uint8_t *),
		      rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len, m->pkt_len, p);
	rte_pktmbuf_free(m);
	return rc ? -1 : 0;
}

/* A nat flow rescheduled (its backend in maintenance) and, in the same
 * burst, its old backend's late reply, whose cell the reschedule freed:
 * the reply is a packet like any other, and the flow keeps the verdict
 * of its own rule. The reply used to take the flow's entry for its own
 * key's, and left the reply rule's counter in it. */
static int
polled_nat(void)
{
	char *opts[] = {"--gw-mac", "02:00:00:00:00:01", "--local-ip", "192.0.2.1"};
	struct sl_engine_args a = {.argc = 4, .argv = opts};
	const char *conf[] = {
		"set flows size 1024",
		"add service www 198.51.100.10:80 proto tcp sched rr mode nat",
		"add backend www 10.0.1.11:8080",
		"add backend www 10.0.1.12:8080",
		"add acl 10 allow proto tcp dst 198.51.100.10/32 dport 80",
		"add acl 20 allow proto tcp src 10.0.1.0/24",
		"set acl default deny",
		NULL,
	};
	struct pkt_spec c = {.family = 4, .src = "10.100.0.1", .dst = "198.51.100.10",
			     .proto = 6, .sport = 40000, .dport = 80, .tcp_flags = 0x02};
	struct pkt_spec r = {.family = 4, .dst = "192.0.2.1", .proto = 6, .sport = 8080,
			     .tcp_flags = 0x10};
	static struct sl_ids ids;
	char maint[96], old[INET_ADDRSTRLEN];
	struct ring_port rp;
	struct sl_engine *e;
	struct sl_pkt p;
	uint8_t f[PB_MAX_LEN];
	uint64_t own, other;
	size_t len;
	char err[512];
	int rc = 1;

	if (dpdk_test_eal_init("test_dpdk_create", "0") || ring_port_create(&rp, "polled_nat", 1))
		return 1;
	e = sl_dpdk_engine_create_polled(&a, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "FAIL: create polled: %s\n", err);
		return 1;
	}
	if (apply_conf(e, &ids, 1, conf, 7))
		goto out;
	/* the flow, on one backend, from local port nport */
	len = pkt_build(&c, f, sizeof(f), NULL);
	if (ring_port_inject(&rp, 0, f, len))
		goto out;
	sl_dpdk_engine_poll(e);
	if (out_parsed(&rp, &p)) {
		fprintf(stderr, "FAIL: the SYN did not go out\n");
		goto out;
	}
	inet_ntop(AF_INET, &p.key.dst.w[0], old, sizeof(old));
	r.src = old;
	r.dport = ntohs(p.key.sport_be);
	/* its backend into maintenance; then one burst: the flow's next
	 * packet (rescheduled), the old backend's late reply */
	snprintf(maint, sizeof(maint), "set backend www/%s:8080 state maint", old);
	conf[7] = maint;
	if (apply_conf(e, &ids, 2, conf, 8))
		goto out;
	c.tcp_flags = 0x10;
	len = pkt_build(&c, f, sizeof(f), NULL);
	if (ring_port_inject(&rp, 0, f, len))
		goto out;
	len = pkt_build(&r, f, sizeof(f), NULL);
	if (ring_port_inject(&rp, 0, f, len))
		goto out;
	sl_dpdk_engine_poll(e);
	if (out_parsed(&rp, &p) || p.key.dst.w[0] == inet_addr(old)) {
		fprintf(stderr, "FAIL: the flow's packet did not move to the other backend\n");
		goto out;
	}
	while (!out_parsed(&rp, &p))
		;
	/* the flow's next packet: counted by its own rule (10), from its entry */
	e->ops->stats(e, &st);
	own = st.acl[0].pkts;
	other = st.acl[1].pkts;
	len = pkt_build(&c, f, sizeof(f), NULL);
	if (ring_port_inject(&rp, 0, f, len))
		goto out;
	sl_dpdk_engine_poll(e);
	e->ops->stats(e, &st);
	if (st.acl[0].pkts != own + 1 || st.acl[1].pkts != other) {
		fprintf(stderr, "FAIL: the flow's packet counted by rule 10 +%llu, rule 20 +%llu "
			"(want +1, +0)\n", (unsigned long long)(st.acl[0].pkts - own),
			(unsigned long long)(st.acl[1].pkts - other));
		goto out;
	}
	printf("ok: a late reply in the rescheduling burst left the flow its own rule's verdict\n");
	rc = 0;
out:
	e->ops->destroy(e);
	ring_port_free(&rp);
	return rc;
}

int
main(int argc, char **argv)
{
	char *noport[] = {"--no-pci", "--in-memory", "-l", "0,1"};
	char *onecore[] = {"--no-pci", "--in-memory", "-l", "0", "--vdev=net_null0"};
	char *badopt[] = {"--no-pci", "--", "--bogus"};

	if (argc != 2) {
		fprintf(stderr, "usage: test_dpdk_create badopt|iface|noport|onecore|life|polled|"
			"polled-nat\n");
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
	if (!strcmp(argv[1], "polled"))
		return polled();
	if (!strcmp(argv[1], "polled-nat"))
		return polled_nat();
	fprintf(stderr, "unknown case %s\n", argv[1]);
	return 2;
}

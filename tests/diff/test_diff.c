/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_diff.c - the differential test of the two data planes: the same
 * packet corpus through the XDP engine and the DPDK engine, in one
 * process, with one config, gives the same verdict (forwarded, passed to
 * the host, dropped for the same reason) and, when forwarded, the same
 * output bytes. Any difference fails with a hex dump of both outputs;
 * the engines' counters (per core, service and backend) must agree too.
 * Differences that are understood (known_difference(): the engine at
 * fault and why) are dumped and counted apart, and fail the test only
 * with SLUICE_DIFF_STRICT=1.
 *
 * The two engines see the same world:
 *  - a network namespace of this process with a veth (dfx0) whose MAC,
 *    PORT_MAC, is the DPDK ring port's too (the ring PMD has no
 *    mac_addr_set: rte_eth_dev_mac_addr_add fills its one entry);
 *  - every backend's next hop is GW_MAC: a permanent neighbour for the
 *    XDP engine (found by bpf_fib_lookup), --gw-mac for the DPDK engine;
 *    clients are behind a default router with the same MAC;
 *  - the node's addresses, LOCAL4 and LOCAL6: the veth's first addresses
 *    for the XDP engine (NAT and tunnel source), --local-ip for DPDK.
 * The XDP program runs by BPF_PROG_TEST_RUN (ingress_ifindex = dfx0, as
 * tests/bpf/test_xdp_engine.c does); the DPDK engine runs in-process with
 * one worker lcore over a port made of two rte_rings (as
 * tests/dpdk/test_dpdk_engine.c does).
 *
 * Round robin keeps a cursor per service and per CPU (XDP) or per worker
 * (DPDK): packets go to both in the same order, the DPDK engine has one
 * worker, and this thread (where BPF_PROG_TEST_RUN runs) is pinned to one
 * CPU, so that both cursors walk the same way.
 *
 * The corpus (diff_corpus.c): every fixture of the shared corpus
 * (tests/lib/fixtures.c), as built and aimed at every mode's VIPs, every
 * truncation of each one
 * (raw cuts, and cuts the IP header agrees with), the malformed fixtures
 * as built and aimed, packets around the MTU to every mode, the
 * backends' replies to NAT flows, and a few thousand corrupted variants
 * from a fixed seed. Frames shorter than 14 bytes are left out:
 * BPF_PROG_TEST_RUN refuses them.
 *
 * Needs root, BPF and hugepages: exits 77 (skip) without them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <sluice/counters-t.h>
#include <sluice/parse.h>

#include "config.h"
#include "engine.h"
#include "engine_dpdk.h"
#include "fixtures.h"
#include "pktbuild.h"
#include "ring_port.h"
#include "xdp_engine.h"

#include "diff.h"

/* ---- the world both engines see (diff.h) ------------------------------------------ */

const char *const mode_name[N_MODES] = {"nat", "dsr", "ipip", "gue"};
const char *const mode_opts[N_MODES] = {
	"mode nat", "mode dsr", "mode tunnel tunnel ipip", "mode tunnel tunnel gue gue-port 6080",
};

/* ---- engines ----------------------------------------------------------------------- */

static struct sl_engine *xeng, *deng;
static int ifindex;
static struct ring_port rp;
static struct sl_snapshot *xsnap, *dsnap;
static struct sl_ids xids, dids;
static int core_ctr_fd = -1;
static int ncpus;
static struct sl_core_counters *xcore_buf;
static uint64_t xdrops_prev[SL_DROP_SLOTS];
static struct sl_stats dstats;
static struct sl_core_counters dprev;

const char *const verdict_name[V_N] = {"forwarded", "to host", "dropped", "other",
					       "skipped"};

static void
sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "setup failed: %s\n", cmd);
		exit(1);
	}
}

static const char *
drop_name(int r)
{
	static const char *const names[] = {
#define X(n, l) l,
		SL_DROP_REASONS(X)
#undef X
	};

	return r >= 0 && r < (int)(sizeof(names) / sizeof(names[0])) ? names[r] : "?";
}

/* The XDP program's drop counters, summed over CPUs, from its pinned map
 * (cheaper per packet than ops->stats, which walks every service and
 * backend). */
static void
xdp_drops(uint64_t *sum)
{
	uint32_t k = 0;
	int c, r;

	memset(sum, 0, sizeof(uint64_t) * SL_DROP_SLOTS);
	assert_int_equal(bpf_map_lookup_elem(core_ctr_fd, &k, xcore_buf), 0);
	for (c = 0; c < ncpus; c++)
		for (r = 0; r < SL_DROP_SLOTS; r++)
			sum[r] += xcore_buf[c].drops[r];
}

static void
run_xdp(const uint8_t *in, size_t len, struct result *r)
{
	struct xdp_md ctx = {.ingress_ifindex = (__u32)ifindex, .data_end = (__u32)len};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = (__u32)len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1);
	uint64_t now[SL_DROP_SLOTS];
	int rc, k;

	r->reason = 0;
	rc = bpf_prog_test_run_opts(sl_xdp_engine_prog_fd(xeng), &o);
	if (rc) {
		/* the kernel's test harness refuses some frames (shorter than
		 * an Ethernet header): not a verdict of the program */
		r->verdict = V_SKIP;
		r->reason = -errno;
		r->len = 0;
		return;
	}
	r->len = o.data_size_out;
	switch (o.retval) {
	case XDP_TX:
		r->verdict = V_FWD;
		break;
	case XDP_PASS:
		r->verdict = V_HOST;
		break;
	case XDP_DROP:
		r->verdict = V_DROP;
		break;
	default:
		r->verdict = V_OTHER;
		r->reason = (int)o.retval;
		break;
	}
	if (r->verdict == V_DROP) {
		xdp_drops(now);
		r->reason = -1;
		for (k = 0; k < SL_DROP_SLOTS; k++)
			if (now[k] != xdrops_prev[k])
				r->reason = r->reason < 0 ? k : -2; /* -2: more than one moved */
		memcpy(xdrops_prev, now, sizeof(now));
	}
}

static void
run_dpdk(const uint8_t *in, size_t len, struct result *r)
{
	const struct sl_core_counters *c = &dstats.core[0];
	double end;
	int k;

	assert_int_equal(ring_port_inject(&rp, 0, in, len), 0);
	/* wait until the worker has received it and is done with it: sent,
	 * dropped or handed to the host */
	end = ring_port_now_s() + 3;
	for (;;) {
		assert_int_equal(deng->ops->stats(deng, &dstats), 0);
		if (c->rx_pkts == dprev.rx_pkts + 1 &&
		    c->rx_pkts == c->tx_pkts + c->dropped_pkts + c->to_host_pkts)
			break;
		if (ring_port_now_s() > end)
			fail_msg("the DPDK engine did not finish a packet in 3 s (rx %llu -> %llu)",
				 (unsigned long long)dprev.rx_pkts, (unsigned long long)c->rx_pkts);
	}
	r->reason = 0;
	r->len = 0;
	if (c->tx_pkts != dprev.tx_pkts) {
		struct rte_mbuf *o = ring_port_recv(&rp, 0, 3);

		if (!o)
			fail_msg("the DPDK engine counted a packet sent, none came out");
		r->verdict = V_FWD;
		r->len = o->pkt_len;
		assert_true(o->nb_segs == 1 && r->len <= sizeof(r->out));
		memcpy(r->out, rte_pktmbuf_mtod(o, const uint8_t *), r->len);
		rte_pktmbuf_free(o);
	} else if (c->dropped_pkts != dprev.dropped_pkts) {
		r->verdict = V_DROP;
		r->reason = -1;
		for (k = 0; k < SL_DROP_SLOTS; k++)
			if (c->drops[k] != dprev.drops[k])
				r->reason = r->reason < 0 ? k : -2;
	} else {
		r->verdict = V_HOST;
	}
	assert_int_equal(ring_port_pending(&rp, 0), 0);
	dprev = *c;
}

/* ---- config ------------------------------------------------------------------------ */

static void
exec_line(struct sl_config *cfg, const char *line)
{
	char err[256];

	if (sl_config_exec(cfg, line, strlen(line), err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
}

static void
build_config(struct sl_config *cfg)
{
	char line[256];
	int m;

	sl_config_init(cfg);
	/* room for every flow of the corpus in both engines' tables (no
	 * eviction, whose order the two tables need not share), and no
	 * flow expiring while the test runs */
	exec_line(cfg, "set flows size 65536");
	exec_line(cfg, "set timeout tcp 1h");
	exec_line(cfg, "set timeout tcp-fin 1h");
	exec_line(cfg, "set timeout udp 1h");
	exec_line(cfg, "set timeout other 1h");
	for (m = 0; m < N_MODES; m++) {
		/* nat translates to other ports; dsr and tunnel keep the VIP's */
		int nat = m == 0;

		/* IPv4 TCP: two backends */
		snprintf(line, sizeof(line), "add service %s-t4 " VIP4_FMT ":%d proto tcp sched rr %s",
			 mode_name[m], 10 + m, PORT_TCP4, mode_opts[m]);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-t4 10.231.0.11:%d", mode_name[m],
			 nat ? 8080 : PORT_TCP4);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-t4 10.231.0.12:%d", mode_name[m],
			 nat ? 8080 : PORT_TCP4);
		exec_line(cfg, line);
		/* IPv4 UDP */
		snprintf(line, sizeof(line), "add service %s-u4 " VIP4_FMT ":%d proto udp sched rr %s",
			 mode_name[m], 10 + m, PORT_UDP, mode_opts[m]);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-u4 10.231.0.11:53", mode_name[m]);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-u4 10.231.0.13:%d", mode_name[m],
			 nat ? 5353 : PORT_UDP);
		exec_line(cfg, line);
		/* IPv6 TCP */
		snprintf(line, sizeof(line), "add service %s-t6 [" VIP6_FMT "]:%d proto tcp sched rr %s",
			 mode_name[m], 10 + m, PORT_TCP6, mode_opts[m]);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-t6 [fd00:231::11]:%d", mode_name[m],
			 nat ? 8443 : PORT_TCP6);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-t6 [fd00:231::12]:%d", mode_name[m],
			 nat ? 8443 : PORT_TCP6);
		exec_line(cfg, line);
		/* IPv6 UDP */
		snprintf(line, sizeof(line), "add service %s-u6 [" VIP6_FMT "]:%d proto udp sched rr %s",
			 mode_name[m], 10 + m, PORT_UDP, mode_opts[m]);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-u6 [fd00:231::11]:53", mode_name[m]);
		exec_line(cfg, line);
		snprintf(line, sizeof(line), "add backend %s-u6 [fd00:231::13]:%d", mode_name[m],
			 nat ? 5353 : PORT_UDP);
		exec_line(cfg, line);
	}
	/*
	 * ACL CASES GO HERE. No firewall rules yet (the default, allow, for
	 * every packet). When the DPDK engine matches rules, add some, e.g.
	 *   exec_line(cfg, "add acl 10 deny proto tcp src 203.0.113.0/24 dport 80");
	 *   exec_line(cfg, "add acl 20 allow proto udp dst 198.51.100.0/24");
	 *   exec_line(cfg, "set acl default deny");
	 * and the corpus below compares SL_DROP_ACL_DENY drops between the
	 * engines like any other verdict (the per-rule counters of ops->stats
	 * can be compared at the end of test_corpus too).
	 */
}

static void
apply_both(void)
{
	struct sl_config cfg;
	char err[256];
	uint32_t i;

	build_config(&cfg);
	/* each engine its own snapshot and ids: the same config gives the
	 * same ids, checked below */
	xsnap = sl_snapshot_build(&cfg, NULL, &xids, 1, err, sizeof(err));
	if (!xsnap)
		fail_msg("snapshot: %s", err);
	dsnap = sl_snapshot_build(&cfg, NULL, &dids, 1, err, sizeof(err));
	if (!dsnap)
		fail_msg("snapshot: %s", err);
	assert_int_equal(xsnap->n_svc, dsnap->n_svc);
	for (i = 0; i < xsnap->n_svc; i++)
		assert_int_equal(xsnap->svc[i].svc.id, dsnap->svc[i].svc.id);
	assert_int_equal(xsnap->max_backend_id, dsnap->max_backend_id);
	if (xeng->ops->apply(xeng, xsnap, err, sizeof(err)))
		fail_msg("xdp apply: %s", err);
	if (deng->ops->apply(deng, dsnap, err, sizeof(err)))
		fail_msg("dpdk apply: %s", err);
	sl_config_free(&cfg);
}

/* ---- comparison -------------------------------------------------------------------- */

static size_t n_cmp, n_agree[V_N], n_diff, n_known;
static size_t n_diff_printed, n_known_printed;
static const char *last_known = "";
static size_t n_known_kind[10];   /* by the number of KNOWN n */

static uint16_t link_mtu = 1500; /* the veth's and the ring port's */
int in_nat_reply;                 /* the packet is a backend's reply to a NAT flow */
int in_icmp;                      /* the packet is an ICMP error of icmp_errors() */
static size_t n_icmp, n_icmp_agree[V_N];
size_t n_icmp_wrong;

/*
 * Differences between the engines that are understood and tracked, each
 * with a one-line explanation: reported (the first ones with both
 * outputs), counted apart, and failing the test only under
 * SLUICE_DIFF_STRICT=1 (until the engine at fault is fixed; then delete
 * the case here, and the test holds the engines to it).
 */
static const char *
known_difference(const uint8_t *in, size_t len, const struct result *x, const struct result *d)
{
	(void)in, (void)len;
	return NULL;
}

/* What the known differences did to each engine's counters: taken off
 * before the counters are compared. */
static struct sl_core_counters known_x, known_d;

static void
known_effect(struct sl_core_counters *c, const struct result *r)
{
	if (r->verdict == V_FWD) {
		c->tx_pkts++;
		c->tx_bytes += r->len;
	} else if (r->verdict == V_DROP) {
		c->dropped_pkts++;
		if (r->reason >= 0 && r->reason < SL_DROP_SLOTS)
			c->drops[r->reason]++;
	} else if (r->verdict == V_HOST) {
		c->to_host_pkts++;
	}
}

void
describe(const char *who, const struct result *r)
{
	if (r->verdict == V_DROP)
		fprintf(stderr, "  %s: dropped, reason %d (%s)\n", who, r->reason, drop_name(r->reason));
	else if (r->verdict == V_OTHER)
		fprintf(stderr, "  %s: XDP action %d\n", who, r->reason);
	else
		fprintf(stderr, "  %s: %s, %zu bytes\n", who, verdict_name[r->verdict], r->len);
}

struct result xr, dr; /* the last packet's results, XDP's and DPDK's */

void
compare(const char *label, const uint8_t *in, size_t len)
{
	const char *why = NULL, *known;

	if (len < 14)
		return; /* BPF_PROG_TEST_RUN takes no frame shorter than Ethernet */
	run_xdp(in, len, &xr);
	if (xr.verdict == V_SKIP) {
		n_agree[V_SKIP]++;
		return;
	}
	run_dpdk(in, len, &dr);
	n_cmp++;
	n_icmp += (size_t)in_icmp;
	if (xr.verdict != dr.verdict)
		why = "verdicts differ";
	else if (xr.verdict == V_DROP && xr.reason != dr.reason)
		why = "drop reasons differ";
	else if (xr.verdict == V_FWD && (xr.len != dr.len || memcmp(xr.out, dr.out, xr.len)))
		why = "output bytes differ";
	else if (xr.verdict == V_HOST && (xr.len != len || memcmp(xr.out, in, len)))
		why = "the XDP engine changed a packet it passed to the host";
	if (!why) {
		n_agree[xr.verdict]++;
		if (in_icmp)
			n_icmp_agree[xr.verdict]++;
		return;
	}
	known = known_difference(in, len, &xr, &dr);
	if (known) {
		n_known++;
		n_known_kind[(known[6] - '0') % 10]++;
		known_effect(&known_x, &xr);
		known_effect(&known_d, &dr);
		/* the first two of each kind */
		if (strncmp(known, last_known, 7))
			n_known_printed = 0;
		last_known = known;
		if (n_known_printed++ >= 2)
			return;
	} else {
		n_diff++;
		if (n_diff_printed++ >= 30)
			return; /* enough to go on; the count says the rest */
	}
	fprintf(stderr, "%s: %s: %s%s%s\n", known ? "KNOWN DIFFERENCE" : "DIFFERENCE", label, why,
		known ? ": " : "", known ? known : "");
	describe("xdp ", &xr);
	describe("dpdk", &dr);
	if (xr.verdict == V_FWD && dr.verdict == V_FWD) {
		size_t k;

		for (k = 0; k < xr.len && k < dr.len && xr.out[k] == dr.out[k]; k++)
			;
		fprintf(stderr, "  first differing byte: offset %zu (0x%zx)\n", k, k);
	}
	pkt_hexdump("input", in, len);
	if (xr.verdict == V_FWD || xr.verdict == V_HOST)
		pkt_hexdump("xdp output", xr.out, xr.len);
	if (dr.verdict == V_FWD)
		pkt_hexdump("dpdk output", dr.out, dr.len);
}

/* The engines' own counters after the corpus, as ops->stats gives them:
 * the backend each packet went to (invisible in the bytes of dsr, every
 * backend having the same next hop) shows in the per-backend counts. */
static size_t n_ctr_diff;

static void
ctr_check(const char *what, uint32_t i, uint64_t x, uint64_t d)
{
	if (x == d)
		return;
	n_ctr_diff++;
	fprintf(stderr, "COUNTER DIFFERENCE: %s[%u]: xdp %llu, dpdk %llu\n", what, i,
		(unsigned long long)x, (unsigned long long)d);
}

static void
core_sum(const struct sl_stats *st, struct sl_core_counters *sum)
{
	uint32_t c;
	int r;

	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < st->n_cores && c < SL_MAX_CORES; c++) {
		const struct sl_core_counters *k = &st->core[c];

		sum->rx_pkts += k->rx_pkts;
		sum->rx_bytes += k->rx_bytes;
		sum->tx_pkts += k->tx_pkts;
		sum->tx_bytes += k->tx_bytes;
		sum->to_host_pkts += k->to_host_pkts;
		sum->dropped_pkts += k->dropped_pkts;
		sum->flow_hits += k->flow_hits;
		sum->flow_misses += k->flow_misses;
		sum->flow_new += k->flow_new;
		sum->flow_rescheduled += k->flow_rescheduled;
		sum->flow_expired += k->flow_expired;
		sum->flow_evicted += k->flow_evicted;
		for (r = 0; r < SL_DROP_SLOTS; r++)
			sum->drops[r] += k->drops[r];
	}
}

static void
compare_counters(void)
{
	struct sl_stats *x = calloc(1, sizeof(*x)), *d = calloc(1, sizeof(*d));
	struct sl_core_counters xs, ds;
	uint32_t i;
	int r;

	assert_true(x && d);
	assert_int_equal(xeng->ops->stats(xeng, x), 0);
	assert_int_equal(deng->ops->stats(deng, d), 0);
	core_sum(x, &xs);
	core_sum(d, &ds);
	/* less what the known differences did */
	xs.tx_pkts -= known_x.tx_pkts;
	xs.tx_bytes -= known_x.tx_bytes;
	xs.to_host_pkts -= known_x.to_host_pkts;
	xs.dropped_pkts -= known_x.dropped_pkts;
	ds.tx_pkts -= known_d.tx_pkts;
	ds.tx_bytes -= known_d.tx_bytes;
	ds.to_host_pkts -= known_d.to_host_pkts;
	ds.dropped_pkts -= known_d.dropped_pkts;
	for (r = 0; r < SL_DROP_SLOTS; r++) {
		xs.drops[r] -= known_x.drops[r];
		ds.drops[r] -= known_d.drops[r];
	}
#define CORE(f) ctr_check("core." #f, 0, xs.f, ds.f)
	CORE(rx_pkts); CORE(rx_bytes); CORE(tx_pkts); CORE(tx_bytes); CORE(to_host_pkts);
	CORE(dropped_pkts); CORE(flow_hits); CORE(flow_misses); CORE(flow_new);
	CORE(flow_rescheduled); CORE(flow_expired); CORE(flow_evicted);
#undef CORE
	for (r = 0; r < SL_DROP_SLOTS; r++)
		ctr_check("drops", (uint32_t)r, xs.drops[r], ds.drops[r]);
	for (i = 0; i < SL_MAX_SERVICES; i++) {
		ctr_check("svc.pkts", i, x->svc[i].pkts, d->svc[i].pkts);
		ctr_check("svc.bytes", i, x->svc[i].bytes, d->svc[i].bytes);
		ctr_check("svc.new_flows", i, x->svc[i].new_flows, d->svc[i].new_flows);
		ctr_check("svc.no_backend", i, x->svc[i].no_backend, d->svc[i].no_backend);
	}
	for (i = 0; i < SL_MAX_BACKENDS; i++) {
		ctr_check("backend.pkts", i, x->backend[i].pkts, d->backend[i].pkts);
		ctr_check("backend.bytes", i, x->backend[i].bytes, d->backend[i].bytes);
		ctr_check("backend.new_flows", i, x->backend[i].new_flows, d->backend[i].new_flows);
	}
	/* ACL: once rules are configured, compare x->acl[] and acl_default too */
	print_message("diff-engines: counters after the corpus: %llu packets in, %llu sent, "
		      "%llu to the host, %llu dropped, %llu new flows, %llu flow hits (XDP's, less the "
		      "known differences); "
		      "%zu counters differ\n",
		      (unsigned long long)xs.rx_pkts, (unsigned long long)xs.tx_pkts,
		      (unsigned long long)xs.to_host_pkts, (unsigned long long)xs.dropped_pkts,
		      (unsigned long long)xs.flow_new, (unsigned long long)xs.flow_hits, n_ctr_diff);
	free(x);
	free(d);
}

static void
test_corpus(void **state)
{
	(void)state;
	xdp_drops(xdrops_prev);
	assert_int_equal(deng->ops->stats(deng, &dstats), 0);
	dprev = dstats.core[0];

	corpus_valid();
	corpus_reopen();
	icmp_error_echo(4);
	icmp_error_echo(6);
	corpus_bad();
	corpus_big();
	corpus_corrupted();
	compare_counters();

	print_message("diff-engines: %zu packets through both engines: %zu forwarded byte for "
		      "byte alike, %zu to the host alike, %zu dropped alike (same reason), "
		      "%zu other; %zu differences, %zu known differences; %zu not runnable by "
		      "BPF_PROG_TEST_RUN\n",
		      n_cmp, n_agree[V_FWD], n_agree[V_HOST], n_agree[V_DROP], n_agree[V_OTHER],
		      n_diff, n_known, n_agree[V_SKIP]);
	if (n_known)
		print_message("diff-engines: %zu KNOWN DIFFERENCES (KNOWN 2, NAT replies: %zu; the "
			      "first dumped on stderr; see known_difference()): they fail the test "
			      "under SLUICE_DIFF_STRICT=1\n", n_known, n_known_kind[2]);
	print_message("diff-engines: a SYN reusing a closed flow's port was sent to another "
		      "backend (alike in both) %zu times of %d\n", n_reopen_moved, N_MODES * 2 * 4);
	print_message("diff-engines: %zu ICMP errors about the corpus's flows (and none): %zu "
		      "forwarded byte for byte alike, %zu to the host alike, %zu dropped alike; "
		      "%zu not as they should be\n", n_icmp, n_icmp_agree[V_FWD],
		      n_icmp_agree[V_HOST], n_icmp_agree[V_DROP], n_icmp_wrong);
	assert_true(n_cmp >= 1000);
	assert_true(n_icmp_agree[V_FWD] >= 100);
	if (n_icmp_wrong)
		fail_msg("%zu ICMP errors not as they should be (dumped above)", n_icmp_wrong);
	assert_true(n_agree[V_FWD] >= 100);
	assert_true(n_reopen_moved >= 8);
	print_message("diff-engines: after a reopened nat flow moved, the old backend's packet "
		      "went to the host %zu times, the new one's was translated %zu times\n",
		      n_stale_host, n_fresh_fwd);
	assert_true(n_stale_host >= 4 && n_stale_host == n_fresh_fwd);
	if (n_known && getenv("SLUICE_DIFF_STRICT") && strcmp(getenv("SLUICE_DIFF_STRICT"), "0"))
		fail_msg("%zu known differences, and SLUICE_DIFF_STRICT is set", n_known);
	if (n_diff || n_ctr_diff)
		fail_msg("%zu packets where the engines differ (the first ones dumped above), "
			 "%zu counters", n_diff, n_ctr_diff);
}

/* ---- set-up ------------------------------------------------------------------------ */

static int
setup(void **state)
{
	char *opts[] = {"--gw-mac", GW_MAC, "--local-ip", LOCAL4, "--local-ip", LOCAL6, NULL};
	struct sl_engine_args da = {.argc = 6, .argv = opts};
	struct sl_engine_args xa = {.iface = IFNAME, .xdp_mode = "native"};
	struct rte_ether_addr mac, got;
	cpu_set_t cpus;
	char err[512];
	int rc;

	(void)state;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare: %s\n", strerror(errno));
		return -1;
	}
	sh("ip link add " IFNAME " type veth peer name " PEERNAME
	   " && ip link set " IFNAME " address " PORT_MAC
	   " && ip link set " IFNAME " up && ip link set " PEERNAME " up && ip link set lo up"
	   " && ip addr add " LOCAL4 "/24 dev " IFNAME
	   " && ip addr add " LOCAL6 "/64 dev " IFNAME " nodad"
	   " && sysctl -qw net.ipv4.ip_forward=1 && sysctl -qw net.ipv6.conf.all.forwarding=1"
	   " && ip neigh add 10.231.0.11 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip neigh add 10.231.0.12 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip neigh add 10.231.0.13 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip neigh add fd00:231::11 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip neigh add fd00:231::12 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip neigh add fd00:231::13 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   /* clients (NAT replies) through a router, the same next hop */
	   " && ip neigh add 10.231.0.254 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip neigh add fd00:231::254 lladdr " GW_MAC " dev " IFNAME " nud permanent"
	   " && ip route add default via 10.231.0.254 dev " IFNAME
	   " && ip -6 route add default via fd00:231::254 dev " IFNAME);
	ifindex = (int)if_nametoindex(IFNAME);
	if (!ifindex)
		return -1;

	/* DPDK: one worker on lcore 1; this thread is lcore 0 */
	if (dpdk_test_eal_init("test_diff", "0,1") < 0 || ring_port_create(&rp, "sl_d_ring0", 1) < 0)
		return -1;
	/* one MAC on both sides, before either engine reads it: the ring
	 * PMD cannot change its own, so the veth takes the port's */
	if (rte_ether_unformat_addr(PORT_MAC, &mac) < 0)
		return -1;
	rc = rte_eth_dev_default_mac_addr_set(rp.port_id, &mac);
	/* the ring PMD has no mac_addr_set, but a mac_addr_add that fills
	 * its one (all-zero) entry */
	if (rc != 0 && rte_eth_dev_mac_addr_add(rp.port_id, &mac, 0) == 0 &&
	    rte_eth_macaddr_get(rp.port_id, &got) == 0 && rte_is_same_ether_addr(&mac, &got))
		rc = 0;
	if (rc != 0) {
		char cmd[128], txt[RTE_ETHER_ADDR_FMT_SIZE];

		rte_eth_macaddr_get(rp.port_id, &mac);
		rte_ether_format_addr(txt, sizeof(txt), &mac);
		if (!rte_is_unicast_ether_addr(&mac) || rte_is_zero_ether_addr(&mac)) {
			fprintf(stderr, "the ring port's MAC is %s and it cannot take another (%s)\n",
				txt, rte_strerror(-rc));
			return -1;
		}
		snprintf(cmd, sizeof(cmd), "ip link set " IFNAME " address %s", txt);
		sh(cmd);
	}
	deng = sl_dpdk_engine_create_on_eal(&da, err, sizeof(err));
	if (!deng) {
		fprintf(stderr, "dpdk engine: %s\n", err);
		return -1;
	}
	if (rte_eth_dev_get_mtu(rp.port_id, &link_mtu) != 0 || link_mtu != 1500) {
		fprintf(stderr, "the ring port's MTU is not the veth's (1500)\n");
		return -1;
	}
	rte_eth_macaddr_get(rp.port_id, &got);
	if (!rte_is_same_ether_addr(&mac, &got)) {
		fprintf(stderr, "the ring port's MAC changed when the engine started it\n");
		return -1;
	}

	/* XDP: the per-CPU round-robin cursor is the calling CPU's; stay on
	 * one (the EAL pinned this thread to lcore 0's already) */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0) {
		fprintf(stderr, "sched_setaffinity: %s\n", strerror(errno));
		return -1;
	}
	setenv("SLUICE_XDP_NO_ATTACH", "1", 1);
	xeng = sl_xdp_engine_create(&xa, err, sizeof(err));
	if (!xeng) {
		fprintf(stderr, "xdp engine: %s\n", err);
		return -1;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return -1;
	xcore_buf = calloc((size_t)ncpus, sizeof(*xcore_buf));
	return xcore_buf ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	if (core_ctr_fd >= 0)
		close(core_ctr_fd);
	if (xeng)
		xeng->ops->destroy(xeng);
	if (deng)
		deng->ops->destroy(deng);
	sl_snapshot_free(xsnap);
	sl_snapshot_free(dsnap);
	free(xcore_buf);
	ring_port_free(&rp);
	rte_eal_cleanup();
	return 0;
}

/* One config to both engines; the XDP program's pinned counter map
 * exists once the first snapshot loaded the program: open it then. */
static void
test_apply(void **state)
{
	(void)state;
	apply_both();
	core_ctr_fd = bpf_obj_get(PIN_CORE_CTR);
	if (core_ctr_fd < 0)
		fail_msg("%s: %s", PIN_CORE_CTR, strerror(errno));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_corpus),
	};

	if (!dpdk_test_can_run("the differential test"))
		return 77;
	return cmocka_run_group_tests_name("diff-engines", tests, setup, teardown);
}

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
 * The corpus: every fixture of the shared corpus (tests/lib/fixtures.c),
 * as built and aimed at every mode's VIPs, every truncation of each one
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

/* ---- the world both engines see -------------------------------------------------- */

#define IFNAME "dfx0"
#define PEERNAME "dfx1"
#define PORT_MAC "02:5c:d1:ff:00:01"   /* the veth's and the DPDK port's */
#define GW_MAC "02:5c:d1:be:00:01"     /* every backend's next hop */
#define LOCAL4 "10.231.0.1"
#define LOCAL6 "fd00:231::1"
#define PIN_CORE_CTR "/sys/fs/bpf/sluice/" IFNAME "/sl_core_ctr"

/* One service per (mode, family, protocol); a VIP per mode. */
#define N_MODES 4
static const char *const mode_name[N_MODES] = {"nat", "dsr", "ipip", "gue"};
static const char *const mode_opts[N_MODES] = {
	"mode nat", "mode dsr", "mode tunnel tunnel ipip", "mode tunnel tunnel gue gue-port 6080",
};
#define VIP4_FMT "198.51.100.%d"       /* 10 + mode */
#define VIP6_FMT "2001:db8:100::%d"    /* 10 + mode */
#define PORT_TCP4 80
#define PORT_TCP6 443
#define PORT_UDP 53

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

enum verdict { V_FWD, V_HOST, V_DROP, V_OTHER, V_SKIP, V_N };
static const char *const verdict_name[V_N] = {"forwarded", "to host", "dropped", "other",
					       "skipped"};

struct result {
	int verdict;
	int reason;                /* drop reason (V_DROP), raw retval (V_OTHER) */
	size_t len;
	uint8_t out[PB_MAX_LEN + 256];
};

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
static int in_nat_reply;          /* the packet is a backend's reply to a NAT flow */
static int in_icmp;               /* the packet is an ICMP error of icmp_errors() */
static size_t n_icmp, n_icmp_agree[V_N], n_icmp_wrong;

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

static void
describe(const char *who, const struct result *r)
{
	if (r->verdict == V_DROP)
		fprintf(stderr, "  %s: dropped, reason %d (%s)\n", who, r->reason, drop_name(r->reason));
	else if (r->verdict == V_OTHER)
		fprintf(stderr, "  %s: XDP action %d\n", who, r->reason);
	else
		fprintf(stderr, "  %s: %s, %zu bytes\n", who, verdict_name[r->verdict], r->len);
}

static struct result xr, dr; /* the last packet's results, XDP's and DPDK's */

static void
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

/* ---- the corpus -------------------------------------------------------------------- */

static uint16_t next_sport = 10000;

static uint16_t
fresh_sport(void)
{
	if (next_sport >= 60000)
		next_sport = 10000;
	return next_sport++;
}

/* A fixture aimed at mode m's service of its family and protocol (TCP or
 * UDP), or at the VIP alone (other protocols: the host's). 0 if it has no
 * IP header to aim. */
static int
aim(struct pkt_spec *s, int m, char *vip, size_t viplen)
{
	if (!s->family)
		return 0;
	if (s->family == 4)
		snprintf(vip, viplen, VIP4_FMT, 10 + m);
	else
		snprintf(vip, viplen, VIP6_FMT, 10 + m);
	s->dst = vip;
	if (s->proto == 6 || s->proto == 17) {
		s->dport = s->proto == 17 ? PORT_UDP : s->family == 4 ? PORT_TCP4 : PORT_TCP6;
		s->sport = fresh_sport();
	}
	return 1;
}

/* Every cut of a frame: raw (the IP header still claims the whole
 * packet), and at every header boundary with the IP length made to
 * agree. */
static void
truncations(const char *label, const uint8_t *f, size_t len, const struct pkt_layout *lay,
	    int family)
{
	uint8_t cut[PB_MAX_LEN];
	char l2[512];
	size_t n;
	int k;

	for (n = len - 1; n >= 14; n--) {
		snprintf(l2, sizeof(l2), "%s, cut to %zu", label, n);
		compare(l2, f, n);
	}
	if (!family)
		return;
	for (k = 0; k < lay->n_mark; k++) {
		n = lay->mark[k];
		if (n <= lay->l3 || n >= lay->ip_end)
			continue;
		memcpy(cut, f, n);
		pkt_set_ip_end(cut, lay, family, n);
		snprintf(l2, sizeof(l2), "%s, cut at %s (%zu) with the IP length agreeing", label,
			 lay->mark_name[k] ? lay->mark_name[k] : "?", n);
		compare(l2, cut, n);
	}
}

/* The backend's answer to a packet the nat service forwarded (`fwd`, as
 * the XDP engine sent it): from the backend's address and port to this
 * node's address and the NAT port. */
static void
nat_reply(const char *fwd_label, const struct result *fwd)
{
	struct sl_pkt p;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], label[400];
	uint8_t f[PB_MAX_LEN];
	size_t len;
	int af;

	if (sl_parse(fwd->out, fwd->out + fwd->len, (uint32_t)fwd->len, &p) ||
	    !(p.key.proto == 6 || p.key.proto == 17))
		return;
	af = p.key.family == SL_AF_INET ? AF_INET : AF_INET6;
	inet_ntop(af, p.key.dst.b, src, sizeof(src));
	inet_ntop(af, p.key.src.b, dst, sizeof(dst));
	{
		struct pkt_spec r = {
			.family = af == AF_INET ? 4 : 6, .src = src, .dst = dst, .proto = p.key.proto,
			.sport = ntohs(p.key.dport_be), .dport = ntohs(p.key.sport_be),
			.tcp_flags = SL_TCP_SYN | SL_TCP_ACK, .payload = 32,
		};

		len = pkt_build(&r, f, sizeof(f), NULL);
	}
	assert_true(len > 0);
	snprintf(label, sizeof(label), "the backend's reply to (%s)", fwd_label);
	in_nat_reply = 1;
	compare(label, f, len);
	in_nat_reply = 0;
}

/* ---- ICMP errors about the corpus's flows ------------------------------------------ */

static void
mac_of(const char *txt, uint8_t *mac)
{
	assert_int_equal(sscanf(txt, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
				&mac[3], &mac[4], &mac[5]), 6);
}

static void
addr_txt(int family, const char *txt, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, txt, a->b), 1);
}

/*
 * An ICMP error as it reaches sluice's port from its gateway: `src` to
 * `dst`, "fragmentation needed" / "packet too big" (mtu given) or any
 * other type and code, quoting the first `take` bytes of the IP packet at
 * `quote`. Checksums computed whole. Returns the frame's length.
 */
static size_t
icmp_error_frame(uint8_t *out, int family, const struct sl_addr *src, const struct sl_addr *dst,
		 uint8_t type, uint8_t code, uint32_t mtu, const uint8_t *quote, size_t take)
{
	size_t ihl = family == 4 ? 20 : 40, l4len = 8 + take, k;
	uint8_t *ip = out + 14, *ic = ip + ihl;
	uint32_t sum = 0;
	uint16_t c;

	mac_of(PORT_MAC, out);
	mac_of(GW_MAC, out + 6);
	out[12] = family == 4 ? 0x08 : 0x86;
	out[13] = family == 4 ? 0x00 : 0xdd;
	memset(ip, 0, ihl + 8);
	if (family == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((ihl + l4len) >> 8), ip[3] = (uint8_t)(ihl + l4len);
		ip[8] = 64;
		ip[9] = SL_IPPROTO_ICMP;
		memcpy(ip + 12, src->b, 4);
		memcpy(ip + 16, dst->b, 4);
		c = pkt_csum(ip, 20, 0);
		ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
		ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	} else {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8), ip[5] = (uint8_t)l4len;
		ip[6] = SL_IPPROTO_ICMPV6;
		ip[7] = 64;
		memcpy(ip + 8, src->b, 16);
		memcpy(ip + 24, dst->b, 16);
		for (k = 8; k < 40; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		sum += SL_IPPROTO_ICMPV6 + (uint32_t)l4len;
		ic[4] = (uint8_t)(mtu >> 24), ic[5] = (uint8_t)(mtu >> 16);
		ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	}
	ic[0] = type;
	ic[1] = code;
	memcpy(ic + 8, quote, take);
	c = pkt_csum(ic, l4len, sum);
	ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
	return 14 + ihl + l4len;
}

static int
addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/*
 * What sl_rw_icmp_nat promises, checked on an error both engines
 * translated (xr): the outer and quoted addresses and ports it was told,
 * the next hop's MACs, the length kept, and every checksum that can be
 * recomputed whole (outer IPv4 header, ICMP or ICMPv6 over the outer
 * addresses, quoted IPv4 header). 0 if all hold.
 */
static int
icmp_nat_check(const char *label, size_t in_len, const struct sl_addr *osrc,
	       const struct sl_addr *odst, const struct sl_addr *isrc, uint16_t isport_be,
	       const struct sl_addr *idst, uint16_t idport_be)
{
	struct pkt_layout lay;
	uint8_t gw[6], me[6];
	struct sl_pkt p;
	const char *bad = NULL;

	mac_of(GW_MAC, gw);
	mac_of(PORT_MAC, me);
	if (xr.len != in_len)
		bad = "length";
	else if (sl_parse(xr.out, xr.out + xr.len, (uint32_t)xr.len, &p) ||
		 !(p.flags & SL_PKT_F_ICMP_ERR))
		bad = "not an ICMP error any more";
	else if (memcmp(xr.out, gw, 6) || memcmp(xr.out + 6, me, 6))
		bad = "MACs";
	else if (!addr_eq(&p.key.src, osrc) || !addr_eq(&p.key.dst, odst))
		bad = "outer addresses";
	else if (!addr_eq(&p.inner.src, isrc) || !addr_eq(&p.inner.dst, idst) ||
		 p.inner.sport_be != isport_be || p.inner.dport_be != idport_be)
		bad = "quoted addresses or ports";
	if (!bad) {
		memset(&lay, 0, sizeof(lay));
		lay.l3 = 14;
		lay.l4 = p.l4_off;
		if (pkt_verify_csums(xr.out, xr.len, &lay, p.key.family == SL_AF_INET ? 4 : 6,
				     p.key.proto))
			bad = "outer or ICMP checksum";
		else if (p.key.family == SL_AF_INET &&
			 pkt_csum(xr.out + p.l4_off + 8, (size_t)(xr.out[p.l4_off + 8] & 0xf) * 4, 0))
			bad = "quoted IPv4 header checksum";
	}
	if (!bad)
		return 0;
	fprintf(stderr, "ICMP ERROR WRONG: %s: %s\n", label, bad);
	pkt_hexdump("both engines sent", xr.out, xr.len);
	return -1;
}

/* One error through both engines; `want`: the verdict it must get. */
static void
icmp_compare(const char *label, const uint8_t *f, size_t len, int want)
{
	in_icmp = 1;
	compare(label, f, len);
	in_icmp = 0;
	if (xr.verdict != want || dr.verdict != want) {
		n_icmp_wrong++;
		fprintf(stderr, "ICMP ERROR WRONG: %s: want %s\n", label, verdict_name[want]);
		describe("xdp ", &xr);
		describe("dpdk", &dr);
		pkt_hexdump("input", f, len);
	}
}

/*
 * ICMP errors about the flow of the client packet `in` (as the corpus sent
 * it to mode m's VIP; forwarded by both engines as `fwd`), and about the
 * answers the client got (`reply`: the IP packet from the VIP, as the
 * client received it):
 *   from the backend's side (nat): the backend's and a router's
 *     "fragmentation needed" / "packet too big" about what sluice sent the
 *     backend, quoting 8 bytes of its L4 header or more, to the client
 *     translated; the same with another NAT port: no flow, the host's;
 *   from the client's side (every mode): a router's about the answer to
 *     the client, and the client's own "port unreachable", to the
 *     backend (nat: translated; dsr: as is; tunnel: encapsulated);
 *   no flow: the answer with another client port; the packet sent to a
 *     dsr or tunnel backend (whose reverse is no flow); quotes without
 *     ports (an echo, a later fragment); quotes cut inside the IP or L4
 *     header (dropped as icmp_inner_truncated); every raw cut of one
 *     error.
 * Translated ones are checked against sl_rw_icmp_nat's contract too.
 */
static void
icmp_errors(const char *flabel, int m, const uint8_t *in, size_t in_len,
	    const struct result *fwd, const uint8_t *reply, size_t reply_len, int quote_has_ports)
{
	static const size_t extra[] = {0, 64};
	struct sl_pkt c, b;
	struct sl_addr router, vip, client;
	uint8_t e[PB_MAX_LEN + 256], q[PB_MAX_LEN];
	char label[384];
	size_t len, k, qlen;
	int fam, v4, nat = m == 0;
	uint8_t fn_type, fn_code, pu_type, pu_code;

	memset(&b, 0, sizeof(b));
	if (sl_parse(in, in + in_len, (uint32_t)in_len, &c) || !(c.flags & SL_PKT_F_L4) ||
	    (c.key.proto != 6 && c.key.proto != 17))
		return;
	fam = c.key.family == SL_AF_INET ? 4 : 6;
	v4 = fam == 4;
	fn_type = v4 ? 3 : 2, fn_code = v4 ? 4 : 0;   /* frag needed / packet too big */
	pu_type = v4 ? 3 : 1, pu_code = v4 ? 3 : 4;   /* port unreachable */
	client = c.key.src;
	vip = c.key.dst;

	/* from the backend's side, about what sluice sent the backend */
	if (sl_parse(fwd->out, fwd->out + fwd->len, (uint32_t)fwd->len, &b) == 0) {
		const uint8_t *ipq = fwd->out + b.l3_off;
		size_t iplen = fwd->len - b.l3_off, hl = b.l4_off - b.l3_off;

		addr_txt(fam, v4 ? "10.231.0.254" : "fd00:231::254", &router);
		for (k = 0; k < SL_ARRAY_SIZE(extra); k++) {
			qlen = hl + 8 + extra[k] < iplen ? hl + 8 + extra[k] : iplen;
			if (!(b.flags & SL_PKT_F_L4))
				qlen = iplen < 64 ? iplen : 64;
			/* the backend itself */
			len = icmp_error_frame(e, fam, &b.key.dst, &b.key.src, fn_type, fn_code, 1400,
					       ipq, qlen);
			snprintf(label, sizeof(label), "backend's %s quoting %zu bytes of (%s) as sent",
				 v4 ? "frag needed" : "packet too big", qlen, flabel);
			icmp_compare(label, e, len, nat && quote_has_ports ? V_FWD : V_HOST);
			if (nat && quote_has_ports && xr.verdict == V_FWD &&
			    icmp_nat_check(label, len, &vip, &client, &client, c.key.sport_be, &vip,
					   c.key.dport_be))
				n_icmp_wrong++;
			if (k == 0 && nat) {
				in_icmp = 1;
				truncations(label, e, len, NULL, 0);
				in_icmp = 0;
			}
			/* a router on the backend's side */
			len = icmp_error_frame(e, fam, &router, &b.key.src, fn_type, fn_code, 1280, ipq,
					       qlen);
			snprintf(label, sizeof(label), "router's %s quoting %zu bytes of (%s) as sent",
				 v4 ? "frag needed" : "packet too big", qlen, flabel);
			icmp_compare(label, e, len, nat && quote_has_ports ? V_FWD : V_HOST);
			if (nat && quote_has_ports && xr.verdict == V_FWD &&
			    icmp_nat_check(label, len, &router, &client, &client, c.key.sport_be, &vip,
					   c.key.dport_be))
				n_icmp_wrong++;
		}
		if (nat && quote_has_ports && (b.flags & SL_PKT_F_L4)) {
			/* another NAT port: no flow's */
			memcpy(q, ipq, iplen);
			q[hl] ^= 0x40;
			qlen = hl + 8 < iplen ? hl + 8 : iplen;
			len = icmp_error_frame(e, fam, &b.key.dst, &b.key.src, fn_type, fn_code, 1400, q,
					       qlen);
			snprintf(label, sizeof(label), "backend's error with another NAT port (%s)",
				 flabel);
			icmp_compare(label, e, len, V_HOST);
			/* quotes cut inside the quoted IP and L4 headers */
			for (qlen = hl - 4; qlen < hl + 8; qlen += 4) {
				len = icmp_error_frame(e, fam, &b.key.dst, &b.key.src, fn_type, fn_code,
						       1400, ipq, qlen);
				snprintf(label, sizeof(label), "backend's error quoting %zu bytes (%s)",
					 qlen, flabel);
				icmp_compare(label, e, len, V_DROP);
			}
		}
	}

	/* from the client's side, about the answer the client got */
	if (reply) {
		struct sl_pkt a;
		const uint8_t *ipq;
		size_t iplen, hl;

		assert_int_equal(sl_parse(reply, reply + reply_len, (uint32_t)reply_len, &a), 0);
		ipq = reply + a.l3_off;
		iplen = reply_len - a.l3_off;
		hl = a.l4_off - a.l3_off;
		addr_txt(fam, v4 ? "192.0.2.1" : "2001:db8:ffff::1", &router);
		for (k = 0; k < SL_ARRAY_SIZE(extra); k++) {
			qlen = hl + 8 + extra[k] < iplen ? hl + 8 + extra[k] : iplen;
			len = icmp_error_frame(e, fam, &router, &a.key.src, fn_type, fn_code, 1280, ipq,
					       qlen);
			snprintf(label, sizeof(label), "client side router's %s quoting %zu bytes of "
				 "the answer to (%s)", v4 ? "frag needed" : "packet too big", qlen,
				 flabel);
			icmp_compare(label, e, len, V_FWD);
			if (nat && xr.verdict == V_FWD &&
			    icmp_nat_check(label, len, &b.key.src, &b.key.dst, &b.key.dst,
					   b.key.dport_be, &b.key.src, b.key.sport_be))
				n_icmp_wrong++;
			if (!nat && xr.verdict == V_FWD &&
			    memcmp(xr.out + xr.len - (len - 14), e + 14, len - 14)) {
				n_icmp_wrong++;
				fprintf(stderr, "ICMP ERROR WRONG: %s: the error sent on is not the one "
					"received\n", label);
			}
		}
		if (nat) {
			in_icmp = 1;
			truncations(label, e, len, NULL, 0);
			in_icmp = 0;
		}
		/* the client's own port unreachable */
		qlen = hl + 8;
		len = icmp_error_frame(e, fam, &a.key.dst, &a.key.src, pu_type, pu_code, 0, ipq, qlen);
		snprintf(label, sizeof(label), "client's port unreachable about the answer to (%s)",
			 flabel);
		icmp_compare(label, e, len, V_FWD);
		if (nat && xr.verdict == V_FWD &&
		    icmp_nat_check(label, len, &b.key.src, &b.key.dst, &b.key.dst, b.key.dport_be,
				   &b.key.src, b.key.sport_be))
			n_icmp_wrong++;
		/* another client port: no flow's */
		memcpy(q, ipq, iplen);
		q[hl + 2] ^= 0x40;
		len = icmp_error_frame(e, fam, &router, &a.key.src, fn_type, fn_code, 1280, q, hl + 8);
		snprintf(label, sizeof(label), "client side error, another client port (%s)", flabel);
		icmp_compare(label, e, len, V_HOST);
		/* a quote with no ports: a later fragment of the answer (IPv4) */
		if (v4) {
			memcpy(q, ipq, iplen);
			q[6] = 0x00, q[7] = 0x10; /* offset 128 bytes */
			q[10] = q[11] = 0;
			len = icmp_error_frame(e, fam, &router, &a.key.src, fn_type, fn_code, 1280, q,
					       hl + 8);
			snprintf(label, sizeof(label), "client side error quoting a later fragment "
				 "(%s)", flabel);
			icmp_compare(label, e, len, V_HOST);
		}
	}
}

/* An echo request from the VIP to a client, quoted in an error: no ports,
 * no flow: the host's. */
static void
icmp_error_echo(int fam)
{
	struct pkt_spec q = {.family = fam, .proto = fam == 4 ? SL_IPPROTO_ICMP : SL_IPPROTO_ICMPV6,
			     .icmp_type = fam == 4 ? 8 : 128, .sport = 0x77,
			     .src = fam == 4 ? "198.51.100.10" : "2001:db8:100::10",
			     .dst = fam == 4 ? "203.0.113.9" : "2001:db8:9::9", .payload = 16};
	struct pkt_spec s = {.family = fam, .proto = q.proto, .icmp_type = fam == 4 ? 3 : 1,
			     .icmp_code = fam == 4 ? 1 : 3, .src = fam == 4 ? "192.0.2.1" :
			     "2001:db8:ffff::1", .dst = q.src, .quote = &q};
	uint8_t f[PB_MAX_LEN];
	size_t len = pkt_build(&s, f, sizeof(f), NULL);

	assert_true(len > 0);
	icmp_compare(fam == 4 ? "ICMP error quoting an echo (IPv4)" :
		     "ICMPv6 error quoting an echo", f, len, V_HOST);
}

static void
corpus_valid(void)
{
	size_t i;
	int m;

	for (m = 0; m < N_MODES; m++) {
		for (i = 0; i < n_parse_fixtures; i++) {
			const struct parse_fixture *fx = &parse_fixtures[i];
			struct pkt_spec s = fx->spec;
			struct pkt_layout lay;
			uint8_t f[PB_MAX_LEN];
			char label[256], vip[64];
			size_t len;

			if (m == 0) {
				/* as it is: nobody's service */
				len = pkt_build(&s, f, sizeof(f), &lay);
				assert_true(len > 0);
				snprintf(label, sizeof(label), "fixture '%s' as built", fx->name);
				compare(label, f, len);
			}
			if (!aim(&s, m, vip, sizeof(vip)))
				continue;
			len = pkt_build(&s, f, sizeof(f), &lay);
			assert_true(len > 0);
			snprintf(label, sizeof(label), "mode %s, fixture '%s' to %s:%u", mode_name[m],
				 fx->name, vip, s.dport);
			compare(label, f, len);
			if (xr.verdict == V_FWD && dr.verdict == V_FWD) {
				static struct result fwd;
				static uint8_t ans[PB_MAX_LEN + 256];
				size_t ans_len = 0;
				int ports = !(s.family == 6 && s.n_ext);

				fwd = xr;
				if (m == 0) {
					nat_reply(label, &fwd);
					/* the answer as the client got it */
					if (xr.verdict == V_FWD && dr.verdict == V_FWD) {
						ans_len = xr.len;
						memcpy(ans, xr.out, xr.len);
					}
				} else if (s.proto == 6 || s.proto == 17) {
					/* dsr and tunnel backends answer from the VIP */
					struct pkt_spec a = {
						.family = s.family, .src = s.dst, .dst = s.src,
						.proto = s.proto, .sport = s.dport, .dport = s.sport,
						.tcp_flags = SL_TCP_SYN | SL_TCP_ACK, .payload = 32,
					};

					ans_len = pkt_build(&a, ans, sizeof(ans), NULL);
				}
				icmp_errors(label, m, f, len, &fwd, ans_len ? ans : NULL, ans_len, ports);
			}
			/* the same flow again: a hit in both flow tables */
			compare(label, f, len);
			truncations(label, f, len, &lay, s.family);
			/* the VIP on a port no service has: the host's */
			if (s.proto == 6 || s.proto == 17) {
				s.dport = (uint16_t)(s.dport + 1);
				len = pkt_build(&s, f, sizeof(f), NULL);
				snprintf(label, sizeof(label), "mode %s, fixture '%s' to %s:%u (no service)",
					 mode_name[m], fx->name, vip, s.dport);
				compare(label, f, len);
			}
		}
	}
}

/* A client that reuses its port: a connection closed by FIN or RST, then
 * a SYN on the same 5-tuple (a new connection, scheduled afresh: the
 * backend may change), its retransmission (stays), in every mode and
 * family. */
static size_t n_reopen_moved, n_stale_host, n_fresh_fwd;
static struct result first_r;

static void
corpus_reopen(void)
{
	static const uint8_t seq[] = {SL_TCP_SYN, SL_TCP_ACK, SL_TCP_FIN | SL_TCP_ACK, SL_TCP_SYN,
				      SL_TCP_SYN, SL_TCP_ACK, SL_TCP_RST, SL_TCP_SYN, SL_TCP_ACK};
	int m, fam, round;
	size_t k;

	for (m = 0; m < N_MODES; m++)
		for (fam = 4; fam <= 6; fam += 2)
			for (round = 0; round < 4; round++) {
				struct pkt_spec s = {
					.family = fam, .proto = 6, .payload = 10,
					.src = fam == 4 ? "203.0.113.78" : "2001:db8:78::8",
				};
				uint8_t f[PB_MAX_LEN], first[PB_MAX_LEN + 256];
				size_t first_len = 0;
				char label[256], vip[64];
				size_t len;

				aim(&s, m, vip, sizeof(vip));
				for (k = 0; k < sizeof(seq); k++) {
					s.tcp_flags = seq[k];
					len = pkt_build(&s, f, sizeof(f), NULL);
					snprintf(label, sizeof(label), "mode %s, IPv%d, port reuse #%d, "
						 "packet %zu (flags 0x%02x)", mode_name[m], fam, round, k,
						 seq[k]);
					compare(label, f, len);
					/* the same SYN, sent on elsewhere (dsr: every
					 * backend's MAC is the gateway's, alike) */
					if (k == 0) {
						first_len = xr.len;
						memcpy(first, xr.out, xr.len);
						first_r = xr;
					}
					if (k == 3 && xr.verdict == V_FWD &&
					    (xr.len != first_len || memcmp(first, xr.out, xr.len))) {
						n_reopen_moved++;
						if (m == 0) {
							/* nat: the old backend's late packet is
							 * no reply of the new connection's; the
							 * new backend's is */
							struct result now_r = xr;

							nat_reply(label, &first_r);
							n_stale_host += xr.verdict == V_HOST;
							nat_reply(label, &now_r);
							n_fresh_fwd += xr.verdict == V_FWD;
						}
					}
				}
			}
}

static void
corpus_bad(void)
{
	size_t i;
	int m;

	for (i = 0; i < n_bad_fixtures; i++) {
		uint8_t f[PB_MAX_LEN];
		char label[256];
		size_t len = bad_fixture_build(&bad_fixtures[i], f, sizeof(f));

		assert_true(len > 0);
		snprintf(label, sizeof(label), "malformed '%s' as built", bad_fixtures[i].name);
		compare(label, f, len);
		for (m = 0; m < N_MODES; m++) {
			struct bad_fixture b = bad_fixtures[i];
			struct pkt_spec s = *b.spec;
			char vip[64];

			if (!aim(&s, m, vip, sizeof(vip)))
				continue;
			b.spec = &s;
			len = bad_fixture_build(&b, f, sizeof(f));
			assert_true(len > 0);
			snprintf(label, sizeof(label), "mode %s, malformed '%s' to %s", mode_name[m],
				 b.name, vip);
			compare(label, f, len);
		}
	}
}

/* Packets near the MTU (1500), where a tunnel's extra header makes
 * them too big: every IP length from 1400 to 1500, each protocol and
 * family, to every mode's service. */
static void
corpus_big(void)
{
	static const uint8_t protos[] = {6, 17};
	int m, fam, pi;
	size_t iplen;

	for (m = 0; m < N_MODES; m++)
		for (fam = 4; fam <= 6; fam += 2)
			for (pi = 0; pi < 2; pi++)
				for (iplen = 1400; iplen <= 1500; iplen++) {
					struct pkt_spec s = {
						.family = fam, .proto = protos[pi],
						.src = fam == 4 ? "203.0.113.77" : "2001:db8:77::7",
					};
					size_t hdr = (fam == 4 ? 20 : 40) + (protos[pi] == 6 ? 20 : 8);
					uint8_t f[PB_MAX_LEN];
					char label[256], vip[64];
					size_t len;

					s.payload = (int)(iplen - hdr);
					aim(&s, m, vip, sizeof(vip));
					len = pkt_build(&s, f, sizeof(f), NULL);
					assert_true(len > 0);
					snprintf(label, sizeof(label), "mode %s, %s over IPv%d, IP length %zu, "
						 "to %s:%u", mode_name[m], protos[pi] == 6 ? "TCP" : "UDP", fam,
						 iplen, vip, s.dport);
					compare(label, f, len);
				}
}

static uint64_t rng = 0x5eed5eed1234abcdull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

#define N_CORRUPT 4000

static void
corpus_corrupted(void)
{
	int n;

	for (n = 0; n < N_CORRUPT; n++) {
		const struct parse_fixture *fx = &parse_fixtures[rnd() % n_parse_fixtures];
		struct pkt_spec s = fx->spec;
		uint8_t f[PB_MAX_LEN];
		char label[320], vip[64], *p;
		int m = (int)(rnd() % N_MODES), k, nmut = 1 + (int)(rnd() % 4);
		size_t len, off;

		aim(&s, m, vip, sizeof(vip));
		len = pkt_build(&s, f, sizeof(f), NULL);
		assert_true(len > 0);
		p = label + snprintf(label, sizeof(label), "corrupted #%d of '%s' (mode %s):", n,
				     fx->name, mode_name[m]);
		for (k = 0; k < nmut; k++) {
			/* mostly in the headers, where the parser looks */
			off = rnd() % 4 ? rnd() % (len < 80 ? len : 80) : rnd() % len;
			f[off] = (uint8_t)rnd();
			if (p < label + sizeof(label) - 16)
				p += snprintf(p, (size_t)(label + sizeof(label) - p), " [%zu]=%02x", off,
					      f[off]);
		}
		if (rnd() % 4 == 0) {
			len = 14 + rnd() % (len - 13);
			if (p < label + sizeof(label) - 16)
				snprintf(p, (size_t)(label + sizeof(label) - p), " cut %zu", len);
		}
		compare(label, f, len);
	}
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpdk_handoff.c - NAT replies reach the worker that owns their flow
 * (dataplane/handoff.h) when the engine has two workers.
 *
 * The engine runs in this process with two worker lcores sharing CPU 1
 * (--lcores 0@0,1@1,2@1) over one port of two queues made of rte_rings
 * (tests/lib/ring_port.h): queue q is worker q's, and the ring PMD has
 * no RSS, so the test decides which worker receives a frame by the queue
 * it puts it on. A nat request goes into queue q; what worker q sends
 * comes out of TX queue q; the backend's reply, crafted from it, goes
 * into the OTHER queue, and must come out of TX queue q translated back
 * (client address and port, the VIP as source), byte for byte what
 * sl_rw_nat and sl_rw_dsr make of it and with checksums that a full
 * recomputation agrees with, counted as a hand-off, nothing to the host.
 *
 * The ring-full case runs dp_handoff_steer() itself on a second hand-off
 * state that no worker drains (the engine's workers drain theirs too fast
 * to fill one on purpose): a full ring drops the packet, counted.
 *
 * Needs root and hugepages: exits 77 (skip) without them.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/rewrite.h>

#include "config.h"
#include "dp.h"
#include "engine.h"
#include "engine_dpdk.h"
#include "handoff.h"
#include "pktbuild.h"
#include "ring_port.h"

#define LOCAL4 "192.0.2.1"
#define LOCAL6 "2001:db8:ff::1"
#define SNAT4 "192.0.2.77"
#define GW_MAC "02:00:00:00:00:fe"

static const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
static struct sl_engine *eng;
static struct ring_port rp;
static struct rte_ether_addr port_mac;
static struct sl_config cfg;
static struct sl_ids ids;
static struct sl_snapshot *snap;
static struct sl_stats st;

/* One nat service's flow, as the test drives it. */
struct nat_case {
	int family;
	uint8_t proto;
	const char *client, *vip, *backend, *snat;
	uint16_t vport, bport;
};

static const struct nat_case tcp4 = {4, 6, "203.0.113.9", "198.51.100.60", "10.0.7.1", LOCAL4,
				     80, 8080};
static const struct nat_case udp4 = {4, 17, "203.0.113.10", "198.51.100.60", "10.0.7.2", SNAT4,
				     53, 5353};
static const struct nat_case tcp6 = {6, 6, "2001:db8:1::9", "2001:db8:100::60", "fd00:7::1",
				     LOCAL6, 443, 8443};

/* ---- helpers ------------------------------------------------------------------- */

static void
exec(const char *line)
{
	char err[256];

	if (sl_config_exec(&cfg, line, strlen(line), err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
}

static void
apply(void)
{
	char err[256];
	struct sl_snapshot *s = sl_snapshot_build(&cfg, snap, &ids, 1, err, sizeof(err));
	uint32_t i;

	if (!s)
		fail_msg("snapshot: %s", err);
	/* every backend's MAC: 02:00:00:00:00:ID+1 */
	for (i = 0; i < s->max_backend_id; i++)
		if (s->backends[i].family) {
			memcpy(s->backends[i].mac, "\x02\x00\x00\x00\x00", 5);
			s->backends[i].mac[5] = (uint8_t)(i + 1);
		}
	if (eng->ops->apply(eng, s, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	sl_snapshot_free(snap);
	snap = s;
}

static void
addr_of(int family, const char *text, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a->b), 1);
}

static void
read_stats(void)
{
	assert_int_equal(eng->ops->stats(eng, &st), 0);
	assert_int_equal(st.n_cores, 2);
}

/* The per-core counters summed over both workers. */
static struct sl_core_counters
sum(void)
{
	struct sl_core_counters s;
	int c, r;

	memset(&s, 0, sizeof(s));
	for (c = 0; c < 2; c++) {
		s.rx_pkts += st.core[c].rx_pkts;
		s.tx_pkts += st.core[c].tx_pkts;
		s.to_host_pkts += st.core[c].to_host_pkts;
		s.dropped_pkts += st.core[c].dropped_pkts;
		s.handoff_pkts += st.core[c].handoff_pkts;
		for (r = 0; r < SL_DROP_SLOTS; r++)
			s.drops[r] += st.core[c].drops[r];
	}
	return s;
}

/* Wait until the workers have received `rx` packets in all and are done
 * with every one: sent, dropped or to the host (a handed-off packet is
 * counted in rx where it came in and in tx where it went out). */
static void
wait_done(uint64_t rx)
{
	double end = ring_port_now_s() + 5;
	struct sl_core_counters s;

	do {
		read_stats();
		s = sum();
		if (s.rx_pkts >= rx && s.rx_pkts == s.tx_pkts + s.dropped_pkts + s.to_host_pkts)
			return;
		usleep(100);
	} while (ring_port_now_s() < end);
	fail_msg("the workers received %llu packets (wanted %llu) and finished %llu",
		 (unsigned long long)s.rx_pkts, (unsigned long long)rx,
		 (unsigned long long)(s.tx_pkts + s.dropped_pkts + s.to_host_pkts));
}

static struct rte_mbuf *
recv_on(uint16_t q, const char *what)
{
	struct rte_mbuf *m = ring_port_recv(&rp, q, 3);

	if (!m)
		fail_msg("%s: nothing came out of TX queue %u (%u frames on the other)", what, q,
			 ring_port_pending(&rp, (uint16_t)(1 - q)));
	return m;
}

static size_t
build(const struct nat_case *c, int reply, uint16_t cport, uint16_t nport, uint8_t *f,
      struct pkt_layout *lay)
{
	struct pkt_spec sp = {
		.family = c->family, .proto = c->proto, .payload = 40,
		.tcp_flags = c->proto == 6 ? (reply ? SL_TCP_ACK : SL_TCP_SYN) : 0,
	};
	size_t len;

	if (!reply) {
		sp.src = c->client;
		sp.dst = c->vip;
		sp.sport = cport;
		sp.dport = c->vport;
	} else {
		sp.src = c->backend;
		sp.dst = c->snat;
		sp.sport = c->bport;
		sp.dport = nport;
		sp.payload = 30;
	}
	len = pkt_build(&sp, f, PB_MAX_LEN, lay);
	assert_true(len > 0);
	return len;
}

/* A request of the flow (client, cport) into queue q: what came out, on
 * TX queue q, is DNAT-ed and SNAT-ed; its NAT port names worker q. */
static uint16_t
request(const struct nat_case *c, uint16_t cport, uint16_t q)
{
	uint8_t f[PB_MAX_LEN];
	struct sl_addr snat, be;
	struct rte_mbuf *m;
	struct sl_pkt p;
	size_t len = build(c, 0, cport, 0, f, NULL);
	uint16_t nport;

	assert_int_equal(ring_port_inject(&rp, q, f, len), 0);
	m = recv_on(q, "the request");
	assert_int_equal(sl_parse(rte_pktmbuf_mtod(m, const uint8_t *),
				  rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len, m->pkt_len, &p), 0);
	addr_of(c->family, c->snat, &snat);
	addr_of(c->family, c->backend, &be);
	assert_memory_equal(&p.key.src, &snat, sizeof(snat));
	assert_memory_equal(&p.key.dst, &be, sizeof(be));
	assert_int_equal(ntohs(p.key.dport_be), c->bport);
	nport = ntohs(p.key.sport_be);
	assert_true(nport >= 1024);
	if (nport % 2 != q)
		fail_msg("worker %u chose NAT port %u, which names worker %u", q, nport, nport % 2);
	rte_pktmbuf_free(m);
	return nport;
}

/* What the engine must make of a reply frame: sl_rw_nat back to the
 * client from the VIP, toward --gw-mac from the port's MAC. */
static void
expect_reply(const struct nat_case *c, uint16_t cport, const uint8_t *in, size_t len,
	     const struct pkt_layout *lay, const struct rte_mbuf *m)
{
	uint8_t exp[PB_MAX_LEN];
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sl_addr vip, cl;
	struct sl_pkt p;

	memcpy(exp, in, len);
	assert_int_equal(sl_parse(exp, exp + len, (uint32_t)len, &p), 0);
	addr_of(c->family, c->vip, &vip);
	addr_of(c->family, c->client, &cl);
	assert_int_equal(sl_rw_nat(exp, exp + len, &p, &vip, htons(c->vport), &cl, htons(cport)), 0);
	assert_int_equal(sl_rw_dsr(exp, exp + len, gw_mac, port_mac.addr_bytes), 0);
	if (m->pkt_len != len || memcmp(got, exp, len)) {
		pkt_hexdump("expected", exp, len);
		pkt_hexdump("got", got, m->data_len);
		fail_msg("the reply differs (%u bytes, expected %zu)", m->pkt_len, len);
	}
	/* and not only alike the incremental update: a full recomputation */
	if (pkt_verify_csums(got, len, lay, c->family, c->proto) != 0)
		fail_msg("the translated reply's checksums are wrong");
}

/* One flow both ways: request into q_req, reply into q_rep; the reply
 * must come out of q_req's TX queue. */
static void
round_trip(const struct nat_case *c, uint16_t cport, uint16_t q_req, uint16_t q_rep)
{
	uint8_t f[PB_MAX_LEN];
	struct pkt_layout lay;
	struct sl_core_counters before, after;
	struct rte_mbuf *m;
	size_t len;
	uint16_t nport;
	uint64_t ho_rep;

	read_stats();
	before = sum();
	nport = request(c, cport, q_req);
	wait_done(before.rx_pkts + 1);
	ho_rep = st.core[q_rep].handoff_pkts;
	len = build(c, 1, cport, nport, f, &lay);
	assert_int_equal(ring_port_inject(&rp, q_rep, f, len), 0);
	m = recv_on(q_req, "the reply");
	expect_reply(c, cport, f, len, &lay, m);
	rte_pktmbuf_free(m);
	wait_done(before.rx_pkts + 2);
	after = sum();
	assert_int_equal(after.tx_pkts - before.tx_pkts, 2);
	assert_int_equal(after.to_host_pkts, before.to_host_pkts);
	assert_int_equal(after.dropped_pkts, before.dropped_pkts);
	assert_int_equal(after.handoff_pkts - before.handoff_pkts, q_req != q_rep);
	assert_int_equal(st.core[q_rep].handoff_pkts - ho_rep, q_req != q_rep);
	assert_int_equal(ring_port_pending(&rp, 0) + ring_port_pending(&rp, 1), 0);
}

/* A backend's "fragmentation needed" (IPv4) or "packet too big" (IPv6)
 * about what sluice sent it for the flow (client, cport) with NAT port
 * nport (translated = 0), or the same error as the client must receive it
 * (translated = 1: from the VIP, about the client's own packet, toward
 * --gw-mac from the port's MAC). */
static size_t
icmp_err(const struct nat_case *c, uint16_t cport, uint16_t nport, int translated, uint8_t *f)
{
	struct pkt_spec q = {
		.family = c->family, .proto = c->proto, .payload = 40,
		.tcp_flags = c->proto == 6 ? SL_TCP_SYN : 0,
		.src = translated ? c->client : c->snat, .dst = translated ? c->vip : c->backend,
		.sport = translated ? cport : nport, .dport = translated ? c->vport : c->bport,
	};
	struct pkt_spec e = {
		.family = c->family, .proto = c->family == 4 ? SL_IPPROTO_ICMP : SL_IPPROTO_ICMPV6,
		.icmp_type = c->family == 4 ? 3 : 2, .icmp_code = c->family == 4 ? 4 : 0,
		.src = translated ? c->vip : c->backend, .dst = translated ? c->client : c->snat,
		.quote = &q, .quote_len = (c->family == 4 ? 20 : 40) + 8,
	};
	size_t len = pkt_build(&e, f, PB_MAX_LEN, NULL);

	assert_true(len > 0);
	if (translated) {
		memcpy(f, gw_mac, 6);
		memcpy(f + 6, port_mac.addr_bytes, 6);
	}
	return len;
}

/* ---- tests --------------------------------------------------------------------- */

static void
test_config(void **state)
{
	(void)state;
	sl_config_init(&cfg);
	exec("set flows size 4096");
	exec("add service t4 198.51.100.60:80 proto tcp sched rr mode nat");
	exec("add backend t4 10.0.7.1:8080");
	exec("add service u4 198.51.100.60:53 proto udp sched rr mode nat snat " SNAT4);
	exec("add backend u4 10.0.7.2:5353");
	exec("add service t6 [2001:db8:100::60]:443 proto tcp sched rr mode nat");
	exec("add backend t6 [fd00:7::1]:8443");
	/* a VIP on a SNAT address, on a port of the NAT range */
	exec("add service hi 192.0.2.77:8000 proto tcp sched rr mode dsr");
	exec("add backend hi 10.0.8.1:8000");
	apply();
}

/* The reply on the other worker's queue: handed to the owner, translated. */
static void
test_reply_other_queue(void **state)
{
	uint16_t q, i;

	(void)state;
	for (q = 0; q < 2; q++)
		for (i = 0; i < 8; i++) {
			round_trip(&tcp4, (uint16_t)(10000 + 100 * q + i), q, (uint16_t)(1 - q));
			round_trip(&udp4, (uint16_t)(11000 + 100 * q + i), q, (uint16_t)(1 - q));
			round_trip(&tcp6, (uint16_t)(12000 + 100 * q + i), q, (uint16_t)(1 - q));
		}
}

/* The reply on the owner's own queue: no hand-off. */
/* A backend's ICMP error about a nat flow quotes the NAT port: the worker
 * that receives it hands it to the flow's worker, which sends it on to the
 * client translated, out of its own queue. */
static void
test_icmp_error_other_queue(void **state)
{
	const struct nat_case *cases[] = {&tcp4, &udp4, &tcp6};
	uint8_t f[PB_MAX_LEN], want[PB_MAX_LEN];
	struct sl_core_counters before, after;
	struct rte_mbuf *m;
	uint16_t q, nport, cport;
	size_t i, len, wlen;

	(void)state;
	for (i = 0; i < 3; i++)
		for (q = 0; q < 2; q++) {
			cport = (uint16_t)(13000 + 100 * i + q);
			read_stats();
			before = sum();
			nport = request(cases[i], cport, q);
			wait_done(before.rx_pkts + 1);
			len = icmp_err(cases[i], cport, nport, 0, f);
			wlen = icmp_err(cases[i], cport, nport, 1, want);
			assert_int_equal(ring_port_inject(&rp, (uint16_t)(1 - q), f, len), 0);
			m = recv_on(q, "the ICMP error");
			if (m->pkt_len != wlen || memcmp(rte_pktmbuf_mtod(m, const uint8_t *), want, wlen)) {
				pkt_hexdump("expected", want, wlen);
				pkt_hexdump("got", rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
				fail_msg("case %zu, flow on worker %u: the translated error differs", i, q);
			}
			rte_pktmbuf_free(m);
			wait_done(before.rx_pkts + 2);
			after = sum();
			assert_int_equal(after.handoff_pkts - before.handoff_pkts, 1);
			assert_int_equal(after.to_host_pkts, before.to_host_pkts);
			assert_int_equal(after.dropped_pkts, before.dropped_pkts);
		}
}

static void
test_reply_own_queue(void **state)
{
	uint16_t q;

	(void)state;
	for (q = 0; q < 2; q++) {
		round_trip(&tcp4, (uint16_t)(13000 + q), q, q);
		round_trip(&udp4, (uint16_t)(13100 + q), q, q);
		round_trip(&tcp6, (uint16_t)(13200 + q), q, q);
	}
}

/* Many flows, their replies all at once on the wrong queues: every one
 * comes back, on its owner's queue (the owner drains bursts). */
static void
test_reply_burst(void **state)
{
	enum { N = 256 };
	static uint8_t f[N][PB_MAX_LEN];
	static size_t len[N];
	static struct pkt_layout lay[N];
	uint16_t nport[N], got[2] = {0, 0}, q = 0;
	uint8_t seen[N] = {0};
	struct sl_core_counters before, after;
	int i;

	(void)state;
	read_stats();
	before = sum();
	for (i = 0; i < N; i++)
		nport[i] = request(&tcp4, (uint16_t)(20000 + i), (uint16_t)(i & 1));
	for (i = 0; i < N; i++) {
		len[i] = build(&tcp4, 1, (uint16_t)(20000 + i), nport[i], f[i], &lay[i]);
		assert_int_equal(ring_port_inject(&rp, (uint16_t)(1 - (i & 1)), f[i], len[i]), 0);
	}
	for (i = 0; i < N; i++) {
		struct rte_mbuf *m = NULL;
		struct sl_pkt p;
		int k;

		/* whichever queue has one: each must be its owner's */
		for (double end = ring_port_now_s() + 5; ring_port_now_s() < end;) {
			for (q = 0; q < 2; q++)
				if ((m = ring_port_recv(&rp, q, 0)) != NULL)
					break;
			if (m)
				break;
		}
		if (!m)
			fail_msg("%d replies of %d came back", i, N);
		assert_int_equal(sl_parse(rte_pktmbuf_mtod(m, const uint8_t *),
					  rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len,
					  m->pkt_len, &p), 0);
		k = ntohs(p.key.dport_be) - 20000;
		assert_true(k >= 0 && k < N && !seen[k]);
		seen[k] = 1;
		if ((k & 1) != q)
			fail_msg("the reply of a flow of worker %d came out of queue %u", k & 1, q);
		expect_reply(&tcp4, (uint16_t)(20000 + k), f[k], len[k], &lay[k], m);
		got[q]++;
		rte_pktmbuf_free(m);
	}
	wait_done(before.rx_pkts + 2 * N);
	after = sum();
	assert_int_equal(got[0], N / 2);
	assert_int_equal(got[1], N / 2);
	assert_int_equal(after.handoff_pkts - before.handoff_pkts, N);
	assert_int_equal(after.to_host_pkts, before.to_host_pkts);
	assert_int_equal(after.dropped_pkts, before.dropped_pkts);
	print_message("handoff: %d replies on the wrong queue, all back on their owner's "
		      "(%u + %u), %llu hand-offs\n", N, got[0], got[1],
		      (unsigned long long)(after.handoff_pkts - before.handoff_pkts));
}

/* What is not another worker's reply stays where it came in: a reply to
 * a flow nobody has (to the host, from the owner it was handed to), a
 * packet to a VIP on a SNAT address (forwarded), a low port. */
static void
test_not_replies(void **state)
{
	uint8_t f[PB_MAX_LEN];
	struct pkt_spec sp = {.family = 4, .proto = 6, .src = "10.0.7.1", .dst = LOCAL4,
			      .sport = 8080, .dport = 40001, .tcp_flags = SL_TCP_ACK};
	struct sl_core_counters before, after;
	struct rte_mbuf *m;
	uint64_t host1;
	size_t len;

	(void)state;
	/* a reply to a port (odd: worker 1's) no flow holds, on queue 0:
	 * handed to worker 1, which finds no flow: the host's */
	read_stats();
	before = sum();
	host1 = st.core[1].to_host_pkts;
	len = pkt_build(&sp, f, sizeof(f), NULL);
	assert_int_equal(ring_port_inject(&rp, 0, f, len), 0);
	wait_done(before.rx_pkts + 1);
	after = sum();
	assert_int_equal(after.handoff_pkts - before.handoff_pkts, 1);
	assert_int_equal(after.to_host_pkts - before.to_host_pkts, 1);
	assert_int_equal(st.core[1].to_host_pkts - host1, 1);

	/* the dsr service on 192.0.2.77:8000, a SNAT address too (port 8000
	 * names worker 0): a client's packet on queue 1 is the service's, not
	 * a reply: worker 1 forwards it, no hand-off */
	sp.src = "203.0.113.50";
	sp.dst = SNAT4;
	sp.sport = 5555;
	sp.dport = 8000;
	sp.tcp_flags = SL_TCP_SYN;
	before = after;
	len = pkt_build(&sp, f, sizeof(f), NULL);
	assert_int_equal(ring_port_inject(&rp, 1, f, len), 0);
	m = recv_on(1, "the dsr packet to a SNAT address");
	assert_int_equal(rte_pktmbuf_mtod(m, const uint8_t *)[0], 0x02);
	rte_pktmbuf_free(m);
	wait_done(before.rx_pkts + 1);
	after = sum();
	assert_int_equal(after.handoff_pkts, before.handoff_pkts);
	assert_int_equal(after.tx_pkts - before.tx_pkts, 1);

	/* a port below the NAT range is nobody's reply: the host's, here */
	sp.src = "10.0.7.1";
	sp.dst = LOCAL4;
	sp.sport = 8080;
	sp.dport = 1023; /* odd */
	before = after;
	len = pkt_build(&sp, f, sizeof(f), NULL);
	assert_int_equal(ring_port_inject(&rp, 0, f, len), 0);
	wait_done(before.rx_pkts + 1);
	after = sum();
	assert_int_equal(after.handoff_pkts, before.handoff_pkts);
	assert_int_equal(after.to_host_pkts - before.to_host_pkts, 1);
}

/* The port choice: one worker, exactly sl_nat_port_be(); n workers, a
 * port in 1024..65535 that names the worker. */
static void
test_port_choice(void **state)
{
	static const uint16_t ns[] = {2, 3, 4, 7, 8, 64, 128};
	uint32_t h, t;
	size_t k;

	(void)state;
	for (h = 0; h < 2000000; h += 997)
		for (t = 0; t < SL_NAT_PORT_TRIES; t++) {
			uint32_t x = sl_hash_final(sl_hash_mix(0x1234, h), 4);

			assert_int_equal(dp_handoff_nat_port_be(x, t, 1, 0), sl_nat_port_be(x, t));
			for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
				uint16_t owner = (uint16_t)(x % ns[k]);
				uint16_t p = ntohs(dp_handoff_nat_port_be(x, t, ns[k], owner));

				assert_true(p >= 1024);
				assert_int_equal(p % ns[k], owner);
				assert_int_equal(dp_handoff_owner(htons(p), ns[k]), owner);
			}
		}
}

/* A full ring: dp_handoff_steer() on hand-off rings no worker drains. */
static void
test_ring_full(void **state)
{
	static struct dp_engine fe; /* a second engine's hand-off state, never launched */
	struct dp_opts o;
	struct dp_snap *d;
	uint16_t *ctr = calloc(SL_MAX_ACL_RULES, sizeof(*ctr));
	struct rte_mbuf *m, *out[DP_BURST];
	uint16_t pidx[DP_BURST];
	uint8_t f[PB_MAX_LEN];
	struct sl_pkt p;
	unsigned int in_use0;
	char err[256];
	size_t len;
	int i, over = 10;

	(void)state;
	assert_non_null(ctr);
	memset(&o, 0, sizeof(o));
	addr_of(4, LOCAL4, &o.local4);
	o.have_local4 = 1;
	d = dp_snap_build(snap, &o, NULL, ctr, err, sizeof(err));
	free(ctr);
	if (!d)
		fail_msg("dp_snap_build: %s", err);
	assert_true(d->has_nat);
	memset(&fe, 0, sizeof(fe));
	fe.n_workers = 2;
	fe.n_ports = 1;
	fe.port[0].port_id = rp.port_id;
	fe.port[0].nq = 2;
	for (i = 0; i < 2; i++) {
		fe.w[i] = rte_zmalloc("t_worker", sizeof(*fe.w[i]), RTE_CACHE_LINE_SIZE);
		assert_non_null(fe.w[i]);
		fe.w[i]->idx = (uint16_t)i;
		fe.w[i]->lcore_id = rte_lcore_id();
	}
	if (dp_handoff_setup(&fe, err, sizeof(err)) < 0)
		fail_msg("dp_handoff_setup: %s", err);
	assert_non_null(fe.ho);
	in_use0 = rte_mempool_in_use_count(rp.mp);

	/* replies to LOCAL4 on even ports (worker 0's), received by worker 1 */
	for (i = 0; i < DP_HANDOFF_RING + over; i++) {
		len = build(&tcp4, 1, 0, (uint16_t)(2000 + 2 * (i % 20000)), f, NULL);
		m = rte_pktmbuf_alloc(rp.mp);
		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
		assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
		assert_int_equal(dp_handoff_steer(fe.w[1], &fe, d, m, &p, 0, 0), 1);
	}
	assert_int_equal(fe.w[1]->core.handoff_pkts, DP_HANDOFF_RING);
	assert_int_equal(fe.w[1]->core.drops[SL_DROP_HANDOFF_FULL], over);
	assert_int_equal(fe.w[1]->core.dropped_pkts, over);
	assert_int_equal(rte_ring_count(fe.ho->ring[0]), DP_HANDOFF_RING);
	assert_int_equal(rte_ring_count(fe.ho->ring[1]), 0);
	/* the dropped ones went back to their pool */
	assert_int_equal(rte_mempool_in_use_count(rp.mp) - in_use0, DP_HANDOFF_RING);

	/* the owner takes them with the port they came in on */
	assert_int_equal(dp_handoff_dequeue(&fe, 0, out, pidx, DP_BURST), DP_BURST);
	for (i = 0; i < DP_BURST; i++) {
		assert_int_equal(pidx[i], 0);
		assert_int_equal(out[i]->port, rp.port_id);
		rte_pktmbuf_free(out[i]);
	}

	/* what is steered and what is not. Without to_snat: not to the owner
	 * itself, a port below 1024, another address, an owner with no queue
	 * on the port. With it (the caller found the packet a reply candidate:
	 * TCP/UDP to a snat address, a port of the NAT range), only the owner
	 * is asked: not to the owner itself or to one with no queue on the
	 * port; steered otherwise, the snat probe skipped. */
	{
		static const struct {
			const char *dst;
			uint16_t dport, nq;
			int from, to_snat, steered;
		} c[] = {{LOCAL4, 2000, 2, 0, 0, 0},        {LOCAL4, 1000, 2, 1, 0, 0},
			 {"192.0.2.200", 2000, 2, 1, 0, 0}, {LOCAL4, 2001, 1, 0, 0, 0},
			 {LOCAL4, 2000, 2, 0, 1, 0},        {LOCAL4, 2001, 1, 0, 1, 0},
			 {LOCAL4, 2000, 2, 1, 1, 1},        {"192.0.2.200", 2000, 2, 1, 1, 1}};
		uint64_t ho0 = fe.w[1]->core.handoff_pkts;
		unsigned int in_ring = rte_ring_count(fe.ho->ring[0]);
		size_t k;

		for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
			struct pkt_spec sp = {.family = 4, .proto = 6, .src = "10.0.7.1",
					      .dst = c[k].dst, .sport = 8080, .dport = c[k].dport,
					      .tcp_flags = SL_TCP_ACK};

			len = pkt_build(&sp, f, sizeof(f), NULL);
			assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
			fe.port[0].nq = c[k].nq;
			m = rte_pktmbuf_alloc(rp.mp);
			assert_non_null(m);
			if (dp_handoff_steer(fe.w[c[k].from], &fe, d, m, &p, 0, c[k].to_snat) !=
			    c[k].steered)
				fail_msg("case %zu: steered %d", k, !c[k].steered);
			if (!c[k].steered)
				rte_pktmbuf_free(m);
		}
		fe.port[0].nq = 2;
		assert_int_equal(fe.w[1]->core.handoff_pkts - ho0, 2);
		assert_int_equal(rte_ring_count(fe.ho->ring[0]), in_ring + 2);
	}
	/* freeing the state frees what is left in the rings */
	dp_handoff_free(&fe);
	assert_null(fe.ho);
	assert_int_equal(rte_mempool_in_use_count(rp.mp), in_use0);
	for (i = 0; i < 2; i++)
		rte_free(fe.w[i]);
	dp_snap_free(d);
}

/* ---- set-up -------------------------------------------------------------------- */

static int
setup(void **state)
{
	char *opts[] = {"--local-ip", LOCAL4, "--local-ip", LOCAL6, "--gw-mac", GW_MAC, NULL};
	struct sl_engine_args a = {.argc = 6, .argv = opts};
	char err[256];

	(void)state;
	/* the main lcore and two workers on two CPUs */
	if (dpdk_test_eal_init("test_dpdk_handoff", "0@0,1@1,2@1") < 0 ||
	    ring_port_create(&rp, "sl_h_ring0", 2) < 0)
		return -1;
	eng = sl_dpdk_engine_create_on_eal(&a, err, sizeof(err));
	if (!eng) {
		fprintf(stderr, "engine: %s\n", err);
		return -1;
	}
	rte_eth_macaddr_get(rp.port_id, &port_mac);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (eng)
		eng->ops->destroy(eng);
	sl_snapshot_free(snap);
	sl_config_free(&cfg);
	ring_port_free(&rp);
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_choice),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_reply_other_queue),
		cmocka_unit_test(test_icmp_error_other_queue),
		cmocka_unit_test(test_reply_own_queue),
		cmocka_unit_test(test_reply_burst),
		cmocka_unit_test(test_not_replies),
		cmocka_unit_test(test_ring_full),
	};

	if (!dpdk_test_can_run("the DPDK hand-off test"))
		return 77;
	return cmocka_run_group_tests_name("dpdk-handoff", tests, setup, teardown);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpdk_engine.c - the DPDK engine in this process, on one port made
 * of two rte_rings (tests/lib/ring_port.h): the test puts frames on the
 * ring the port receives from and takes what the engine sent off the ring
 * the port transmits to. One worker lcore: --lcores 0,1.
 *
 * Snapshots are the daemon's own: a config made with sl_config_exec and
 * compiled with sl_snapshot_build; each backend is given the MAC
 * 02:00:00:00:00:ID+1, so that a frame's destination MAC says which
 * backend the engine chose.
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
#include <rte_mbuf.h>

#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/rewrite.h>

#include "config.h"
#include "dp.h"
#include "engine.h"
#include "engine_dpdk.h"
#include "fixtures.h"
#include "pktbuild.h"
#include "ring_port.h"

#define LOCAL4 "192.0.2.1"

static struct sl_engine *eng;
static struct ring_port rp;
static struct rte_ether_addr port_mac;
static struct sl_config cfg;
static struct sl_ids ids;
static struct sl_snapshot *prev;
static uint32_t gen;
static struct sl_stats st;

/* ---- helpers ------------------------------------------------------------------- */

static void
exec(const char *line)
{
	char err[256];

	if (sl_config_exec(&cfg, line, strlen(line), err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
}

static void
cfg_reset(void)
{
	sl_config_free(&cfg);
	sl_config_init(&cfg);
	exec("set flows size 4096");
}

static void
be_mac(uint32_t id, uint8_t mac[6])
{
	static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0};

	memcpy(mac, base, 6);
	mac[4] = (uint8_t)((id + 1) >> 8);
	mac[5] = (uint8_t)(id + 1);
}

static void
apply(void)
{
	char err[256];
	struct sl_snapshot *s = sl_snapshot_build(&cfg, prev, &ids, ++gen, err, sizeof(err));
	uint32_t i;

	if (!s)
		fail_msg("snapshot: %s", err);
	for (i = 0; i < s->max_backend_id; i++)
		if (s->backends[i].family)
			be_mac(i, s->backends[i].mac);
	if (eng->ops->apply(eng, s, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	sl_snapshot_free(prev);
	prev = s;
}

/* The id of a backend (IPv4 address) in the snapshot in force. */
static int
be_id(const char *addr)
{
	uint32_t a = inet_addr(addr), i;

	for (i = 0; i < prev->max_backend_id; i++)
		if (prev->backends[i].family == SL_AF_INET && prev->backends[i].addr.w[0] == a)
			return (int)i;
	fail_msg("no backend %s", addr);
	return -1;
}

static const struct sl_backend *
be_of(int id)
{
	return &prev->backends[id];
}

static void
inject(const uint8_t *frame, size_t len)
{
	assert_int_equal(ring_port_inject(&rp, 0, frame, len), 0);
}

static struct rte_mbuf *
recv_one(void)
{
	struct rte_mbuf *m = ring_port_recv(&rp, 0, 3);

	if (!m)
		fail_msg("the engine sent nothing");
	return m;
}

static void
read_stats(void)
{
	assert_int_equal(eng->ops->stats(eng, &st), 0);
}

/* Wait until the worker has received `n` packets in all and is done with
 * them: each one sent, dropped or handed to the host. */
static void
wait_rx(uint64_t n)
{
	double end = ring_port_now_s() + 3;
	const struct sl_core_counters *c = &st.core[0];

	do {
		read_stats();
		if (c->rx_pkts >= n && c->rx_pkts == c->tx_pkts + c->dropped_pkts + c->to_host_pkts)
			return;
		usleep(100);
	} while (ring_port_now_s() < end);
	fail_msg("the engine received %llu packets, not %llu", (unsigned long long)st.core[0].rx_pkts,
		 (unsigned long long)n);
}

/* Which backend a frame went to, by its destination MAC. */
static int
backend_of(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	assert_int_equal(d[0], 0x02);
	assert_memory_equal(d + 6, port_mac.addr_bytes, 6);
	return ((int)d[4] << 8 | d[5]) - 1;
}

static size_t
tcp4(uint8_t *out, const char *src, const char *vip, uint16_t sport, uint16_t dport,
     uint8_t flags)
{
	struct pkt_spec sp = {
		.family = 4, .src = src, .dst = vip, .proto = 6, .sport = sport, .dport = dport,
		.tcp_flags = flags, .payload = 20,
	};
	size_t len = pkt_build(&sp, out, PB_MAX_LEN, NULL);

	assert_true(len > 0);
	return len;
}

/* One TCP packet of a flow through the engine: the backend it went to. */
static int
send_flow(const char *src, const char *vip, uint16_t sport, uint8_t flags)
{
	uint8_t f[PB_MAX_LEN];
	size_t len = tcp4(f, src, vip, sport, 80, flags);
	struct rte_mbuf *m;
	int id;

	inject(f, len);
	m = recv_one();
	id = backend_of(m);
	rte_pktmbuf_free(m);
	return id;
}

/* ---- tests --------------------------------------------------------------------- */

static void
test_rr_even(void **state)
{
	int counts[SL_MAX_BACKENDS] = {0}, b1, b2, i, sid;

	(void)state;
	cfg_reset();
	exec("add service rr 198.51.100.10:80 proto tcp sched rr mode dsr");
	exec("add backend rr 10.0.1.11:80");
	exec("add backend rr 10.0.1.12:80");
	apply();
	b1 = be_id("10.0.1.11");
	b2 = be_id("10.0.1.12");
	read_stats();
	uint64_t new0 = st.backend[b1].new_flows + st.backend[b2].new_flows;
	for (i = 0; i < 100; i++)
		counts[send_flow("203.0.113.1", "198.51.100.10", (uint16_t)(10000 + i), SL_TCP_SYN)]++;
	assert_int_equal(counts[b1], 50);
	assert_int_equal(counts[b2], 50);
	read_stats();
	sid = sl_ids_service(&ids, "rr");
	assert_true(st.svc[sid].new_flows >= 100);
	assert_int_equal(st.backend[b1].new_flows + st.backend[b2].new_flows - new0, 100);
	assert_true(st.core[0].flows_active >= 100);
}

static void
test_flow_stays_when_backend_added(void **state)
{
	int before[20], i, b3, hits3 = 0;
	uint64_t hits;

	(void)state;
	/* the service of test_rr_even, as it stands */
	for (i = 0; i < 20; i++)
		before[i] = send_flow("203.0.113.2", "198.51.100.10", (uint16_t)(20000 + i), SL_TCP_SYN);
	exec("add backend rr 10.0.1.13:80");
	apply();
	b3 = be_id("10.0.1.13");
	read_stats();
	hits = st.core[0].flow_hits;
	for (i = 0; i < 20; i++)
		assert_int_equal(send_flow("203.0.113.2", "198.51.100.10", (uint16_t)(20000 + i),
					   SL_TCP_ACK),
				 before[i]);
	read_stats();
	assert_int_equal(st.core[0].flow_hits - hits, 20);
	/* new flows now reach the new backend too: one in three */
	for (i = 0; i < 30; i++)
		hits3 += send_flow("203.0.113.3", "198.51.100.10", (uint16_t)(30000 + i), SL_TCP_SYN) == b3;
	assert_int_equal(hits3, 10);
}

static void
test_drain_keeps_flows(void **state)
{
	int b1 = be_id("10.0.1.11"), b2 = be_id("10.0.1.12"), i, mine = 0, got;
	uint64_t resched;

	(void)state;
	/* flows on every backend */
	int before[30];
	for (i = 0; i < 30; i++)
		before[i] = send_flow("203.0.113.4", "198.51.100.10", (uint16_t)(40000 + i), SL_TCP_SYN);
	exec("set backend rr/10.0.1.11:80 state drain");
	apply();
	for (i = 0; i < 30; i++) {
		got = send_flow("203.0.113.4", "198.51.100.10", (uint16_t)(40000 + i), SL_TCP_ACK);
		assert_int_equal(got, before[i]);
		mine += got == b1;
	}
	assert_int_equal(mine, 10);
	for (i = 0; i < 40; i++)
		assert_int_not_equal(send_flow("203.0.113.5", "198.51.100.10", (uint16_t)(40000 + i),
					       SL_TCP_SYN),
				     b1);
	/* maintenance: the flows of 10.0.1.12 move elsewhere, counted */
	read_stats();
	resched = st.core[0].flow_rescheduled;
	exec("set backend rr/10.0.1.12:80 state maint");
	apply();
	mine = 0;
	for (i = 0; i < 30; i++) {
		got = send_flow("203.0.113.4", "198.51.100.10", (uint16_t)(40000 + i), SL_TCP_ACK);
		assert_int_not_equal(got, b2);
		mine += before[i] == b2;
	}
	read_stats();
	assert_int_equal(st.core[0].flow_rescheduled - resched, (uint64_t)mine);
}

/* The firewall: first match by priority, the default policy, counters per
 * rule that stay with the rule across changes, IPv4 and IPv6. */
static void
test_acl(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t len;
	uint64_t rx, deny;
	int i;

	(void)state;
	cfg_reset();
	exec("add service fw 198.51.100.20:80 proto tcp sched rr mode dsr");
	exec("add backend fw 10.0.3.11:80");
	exec("add service fw6 [2001:db8:100::20]:80 proto tcp sched rr mode dsr");
	exec("add backend fw6 [fd00:3::11]:80");
	exec("add acl 10 deny proto tcp src 203.0.113.0/24 dport 80");
	exec("add acl 20 allow proto tcp dst 198.51.100.20/32 dport 80");
	exec("add acl 30 allow proto tcp dst 2001:db8:100::/48 dport 70-90");
	exec("set acl default deny");
	apply();

	/* allowed by rule 20 */
	assert_int_equal(send_flow("192.0.2.1", "198.51.100.20", 6000, SL_TCP_SYN), be_id("10.0.3.11"));
	/* denied by rule 10 (before rule 20), and by the default (port 81) */
	read_stats();
	rx = st.core[0].rx_pkts;
	deny = st.core[0].drops[SL_DROP_ACL_DENY];
	len = tcp4(f, "203.0.113.5", "198.51.100.20", 6001, 80, SL_TCP_SYN);
	inject(f, len);
	len = tcp4(f, "192.0.2.1", "198.51.100.20", 6002, 81, SL_TCP_SYN);
	inject(f, len);
	wait_rx(rx + 2);
	assert_int_equal(st.core[0].drops[SL_DROP_ACL_DENY], deny + 2);
	assert_int_equal(ring_port_pending(&rp, 0), 0);
	/* IPv6: rule 30's range and prefix */
	{
		struct pkt_spec sp = {.family = 6, .src = "2001:db8::5", .dst = "2001:db8:100::20",
				      .proto = 6, .sport = 6003, .dport = 80, .tcp_flags = SL_TCP_SYN};
		struct rte_mbuf *m;

		len = pkt_build(&sp, f, sizeof(f), NULL);
		inject(f, len);
		m = recv_one();
		rte_pktmbuf_free(m);
	}
	read_stats();
	assert_int_equal(st.acl[0].pkts, 1);   /* rule 10 */
	assert_int_equal(st.acl[1].pkts, 1);   /* rule 20 */
	assert_int_equal(st.acl[2].pkts, 1);   /* rule 30 */
	assert_true(st.acl_default.pkts >= 1);

	/* without rule 10 the prefix gets in; rule 20 keeps its count */
	exec("del acl 10");
	apply();
	for (i = 0; i < 3; i++)
		assert_int_equal(send_flow("203.0.113.5", "198.51.100.20", (uint16_t)(6100 + i),
					   SL_TCP_SYN), be_id("10.0.3.11"));
	read_stats();
	assert_int_equal(st.acl[0].pkts, 4);   /* rule 20, now first: 1 + 3 */
	assert_int_equal(st.acl[1].pkts, 1);   /* rule 30 */
	/* a new rule's counters start at zero */
	exec("add acl 5 allow proto udp");
	apply();
	read_stats();
	assert_int_equal(st.acl[0].pkts, 0);
	cfg_reset();
	exec("add service fw 198.51.100.20:80 proto tcp sched rr mode dsr");
	exec("add backend fw 10.0.3.11:80");
	apply();
}

/* A flow's packets after its first take the firewall's verdict from the
 * flow entry while the rules stand (no matching again), counted on the
 * same rule; a change of rules is matched afresh at the next packet: a
 * flow let in before is dropped by a new deny rule, and let in again (to
 * its backend still) once the rule is gone. */
static void
test_acl_kept_in_flow(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t len;
	uint64_t rx, deny, def;
	int i, be;

	(void)state;
	cfg_reset();
	exec("add service fw 198.51.100.20:80 proto tcp sched rr mode dsr");
	exec("add backend fw 10.0.3.11:80");
	exec("add backend fw 10.0.3.12:80");
	exec("add acl 10 allow proto tcp dst 198.51.100.20/32 dport 80");
	exec("set acl default deny");
	apply();

	read_stats();
	def = st.acl_default.pkts;
	be = send_flow("192.0.2.7", "198.51.100.20", 7000, SL_TCP_SYN);
	for (i = 0; i < 4; i++)
		assert_int_equal(send_flow("192.0.2.7", "198.51.100.20", 7000, SL_TCP_ACK), be);
	read_stats();
	assert_int_equal(st.acl[0].pkts, 5);
	assert_int_equal(st.acl_default.pkts, def);

	/* a deny rule before it: the established flow is dropped, counted there */
	exec("add acl 5 deny proto tcp src 192.0.2.0/24");
	apply();
	read_stats();
	rx = st.core[0].rx_pkts;
	deny = st.core[0].drops[SL_DROP_ACL_DENY];
	for (i = 0; i < 3; i++) {
		len = tcp4(f, "192.0.2.7", "198.51.100.20", 7000, 80, SL_TCP_ACK);
		inject(f, len);
	}
	wait_rx(rx + 3);
	assert_int_equal(st.core[0].drops[SL_DROP_ACL_DENY], deny + 3);
	assert_int_equal(st.acl[0].pkts, 3);   /* rule 5 */
	assert_int_equal(st.acl[1].pkts, 5);   /* rule 10 */
	assert_int_equal(ring_port_pending(&rp, 0), 0);

	/* gone again: the flow goes on, to its backend */
	exec("del acl 5");
	apply();
	for (i = 0; i < 2; i++)
		assert_int_equal(send_flow("192.0.2.7", "198.51.100.20", 7000, SL_TCP_ACK), be);
	read_stats();
	assert_int_equal(st.acl[0].pkts, 7);   /* rule 10 */

	/* no rule: the default's counter, kept the same way */
	exec("del acl 10");
	exec("set acl default allow");
	apply();
	read_stats();
	rx = st.acl_default.pkts;
	for (i = 0; i < 3; i++)
		assert_int_equal(send_flow("192.0.2.7", "198.51.100.20", 7000, SL_TCP_ACK), be);
	read_stats();
	assert_int_equal(st.acl_default.pkts, rx + 3);
	cfg_reset();
	exec("add service fw 198.51.100.20:80 proto tcp sched rr mode dsr");
	exec("add backend fw 10.0.3.11:80");
	apply();
}

static void
test_malformed_counted(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < n_bad_fixtures; i++) {
		const struct bad_fixture *b = &bad_fixtures[i];
		size_t len = bad_fixture_build(b, f, sizeof(f));
		uint64_t rx, drops, total, before[SL_DROP_SLOTS];

		read_stats();
		memcpy(before, st.core[0].drops, sizeof(before));
		rx = st.core[0].rx_pkts;
		drops = st.core[0].drops[b->expect];
		total = st.core[0].dropped_pkts;
		inject(f, len);
		wait_rx(rx + 1);
		if (st.core[0].drops[b->expect] != drops + 1) {
			int r;

			for (r = 0; r < SL_DROP_SLOTS; r++)
				if (st.core[0].drops[r] != before[r])
					fprintf(stderr, "drops[%d] moved instead\n", r);
			fail_msg("%s (%zu bytes): drops[%d] went %llu -> %llu", b->name, len,
				 b->expect, (unsigned long long)drops,
				 (unsigned long long)st.core[0].drops[b->expect]);
		}
		assert_int_equal(st.core[0].dropped_pkts, total + 1);
	}
	assert_int_equal(ring_port_pending(&rp, 0), 0);
}

static void
test_to_host(void **state)
{
	uint8_t f[PB_MAX_LEN];
	struct pkt_spec arp = {.ethertype = 0x0806, .payload = 28};
	size_t len;
	uint64_t rx, host;

	(void)state;
	read_stats();
	rx = st.core[0].rx_pkts;
	host = st.core[0].to_host_pkts;
	len = pkt_build(&arp, f, sizeof(f), NULL);
	assert_true(len > 0);
	inject(f, len);
	/* not a service: another port */
	len = tcp4(f, "203.0.113.9", "198.51.100.10", 1234, 81, SL_TCP_SYN);
	inject(f, len);
	wait_rx(rx + 2);
	assert_int_equal(st.core[0].to_host_pkts, host + 2);
	assert_int_equal(ring_port_pending(&rp, 0), 0);
}

/* A frame out of the engine against the expected bytes. */
static void
expect_frame(const struct rte_mbuf *m, const uint8_t *exp, size_t len)
{
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->pkt_len != len || memcmp(got, exp, len)) {
		pkt_hexdump("expected", exp, len);
		pkt_hexdump("got", got, m->data_len);
		fail_msg("output differs (%u bytes, expected %zu)", m->pkt_len, len);
	}
}

static void
test_dsr_bytes(void **state)
{
	uint8_t f[PB_MAX_LEN], exp[PB_MAX_LEN], mac[6];
	struct pkt_spec sp = {
		.n_vlan = 1, .vlan_tci = {100}, .family = 4, .src = "203.0.113.7",
		.dst = "198.51.100.40", .proto = 6, .sport = 5555, .dport = 443, .payload = 100,
	};
	struct rte_mbuf *m;
	size_t len;
	int id;

	(void)state;
	cfg_reset();
	exec("add service dsr 198.51.100.40:443 proto tcp sched rr mode dsr");
	exec("add backend dsr 10.0.4.1:443");
	apply();
	id = be_id("10.0.4.1");
	len = pkt_build(&sp, f, sizeof(f), NULL);
	inject(f, len);
	m = recv_one();
	memcpy(exp, f, len);
	be_mac((uint32_t)id, mac);
	assert_int_equal(sl_rw_dsr(exp, exp + len, mac, port_mac.addr_bytes), 0);
	expect_frame(m, exp, len);
	rte_pktmbuf_free(m);
}

static void
tunnel_case(const char *svc_cmd, const char *be_cmd, const char *be_addr, uint8_t proto,
	    uint16_t dport, uint8_t tunnel, uint16_t gue_port)
{
	uint8_t f[PB_MAX_LEN], buf[PB_MAX_LEN + 64];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.8", .dst = "198.51.100.50", .proto = proto,
		.sport = 6000, .dport = dport, .payload = 64,
	};
	struct sl_encap en;
	struct sl_pkt p;
	struct rte_mbuf *m;
	size_t len;
	uint32_t room = sl_encap_len(tunnel, SL_AF_INET);
	int id, start;

	cfg_reset();
	exec(svc_cmd);
	exec(be_cmd);
	apply();
	id = be_id(be_addr);
	len = pkt_build(&sp, f, sizeof(f), NULL);
	inject(f, len);
	m = recv_one();

	/* what sl_rw_encap makes of the same frame */
	assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
	memset(&en, 0, sizeof(en));
	en.family = SL_AF_INET;
	en.tunnel = tunnel;
	en.dst = be_of(id)->addr;
	en.src.w[0] = inet_addr(LOCAL4);
	en.gue_port_be = htons(gue_port);
	en.sport_be = htons((uint16_t)(0xc000 | (sl_flow_hash(&p.key, 0) & 0x3fff)));
	be_mac((uint32_t)id, en.dst_mac);
	memcpy(en.src_mac, port_mac.addr_bytes, 6);
	memcpy(buf + room, f, len);
	start = sl_rw_encap(buf, buf + room + len, room, &p, &en);
	assert_true(start >= 0);
	expect_frame(m, buf + start, room + len - (size_t)start);
	rte_pktmbuf_free(m);
}

static void
test_tunnel_ipip_bytes(void **state)
{
	(void)state;
	tunnel_case("add service tun 198.51.100.50:80 proto tcp sched rr mode tunnel tunnel ipip",
		    "add backend tun 10.0.5.1:80", "10.0.5.1", 6, 80, SL_TUN_IPIP, 0);
}

static void
test_tunnel_gue_bytes(void **state)
{
	(void)state;
	tunnel_case("add service gue 198.51.100.50:53 proto udp sched rr mode tunnel tunnel gue "
		    "gue-port 6080",
		    "add backend gue 10.0.6.1:53", "10.0.6.1", 17, 53, SL_TUN_GUE, 6080);
}

/* nat, forward direction: what sl_rw_nat makes, with valid checksums. */
static void
test_nat_forward_bytes(void **state)
{
	uint8_t f[PB_MAX_LEN], exp[PB_MAX_LEN], mac[6];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.9", .dst = "198.51.100.60", .proto = 6,
		.sport = 7000, .dport = 80, .payload = 50,
	};
	struct pkt_layout lay;
	struct sl_addr snat;
	struct sl_pkt p;
	struct rte_mbuf *m;
	size_t len;
	uint16_t nport;
	int id;

	(void)state;
	cfg_reset();
	exec("add service nat 198.51.100.60:80 proto tcp sched rr mode nat");
	exec("add backend nat 10.0.7.1:8080");
	apply();
	id = be_id("10.0.7.1");
	len = pkt_build(&sp, f, sizeof(f), &lay);
	inject(f, len);
	m = recv_one();
	memcpy(exp, f, len);
	assert_int_equal(sl_parse(exp, exp + len, (uint32_t)len, &p), 0);
	memset(&snat, 0, sizeof(snat));
	snat.w[0] = inet_addr(LOCAL4);
	nport = htons((uint16_t)(1024 + sl_flow_hash(&p.key, 0x6e6174u) % 64512));
	assert_int_equal(sl_rw_nat(exp, exp + len, &p, &snat, nport, &be_of(id)->addr,
				   be_of(id)->port_be), 0);
	be_mac((uint32_t)id, mac);
	assert_int_equal(sl_rw_dsr(exp, exp + len, mac, port_mac.addr_bytes), 0);
	expect_frame(m, exp, len);
	assert_int_equal(pkt_verify_csums(rte_pktmbuf_mtod(m, uint8_t *), len, &lay, 4, 6), 0);
	rte_pktmbuf_free(m);
}

/* Inject frame f and parse what the engine sends for it into *p (the
 * mbuf is freed: p holds the parsed key and offsets). */
static void
send_parsed(const uint8_t *f, size_t len, struct sl_pkt *p)
{
	struct rte_mbuf *m;

	inject(f, len);
	m = recv_one();
	assert_int_equal(sl_parse(rte_pktmbuf_mtod(m, uint8_t *),
				  rte_pktmbuf_mtod(m, uint8_t *) + m->data_len, m->pkt_len, p), 0);
	rte_pktmbuf_free(m);
}

/* A nat flow whose traffic goes one way for longer than its timeout (a
 * UDP stream, the backend silent): its reply key lives as long as the
 * flow the client's packets keep alive, so that the backend's late answer
 * still reaches the client. It used to expire on its own (the answer went
 * to the host). */
static void
test_nat_oneway_reply(void **state)
{
	uint8_t f[PB_MAX_LEN], r[PB_MAX_LEN];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.11", .dst = "198.51.100.62", .proto = 17,
		.sport = 7200, .dport = 53, .payload = 30,
	};
	struct pkt_spec rs = {
		.family = 4, .src = "10.0.7.3", .dst = LOCAL4, .proto = 17, .sport = 5353,
		.payload = 30,
	};
	struct sl_pkt p;
	uint64_t host;
	size_t len;
	double end;
	int i;

	(void)state;
	cfg_reset();
	exec("set timeout udp 2s");
	exec("add service oneway 198.51.100.62:53 proto udp sched rr mode nat");
	exec("add backend oneway 10.0.7.3:5353");
	apply();
	len = pkt_build(&sp, f, sizeof(f), NULL);
	send_parsed(f, len, &p);
	rs.dport = ntohs(p.key.sport_be);
	/* 5 s of client packets every 200 ms, no reply: the reply key is
	 * idle past its 2 s (the sweep passes every second) while the flow
	 * is not */
	end = ring_port_now_s() + 5;
	for (i = 0; ring_port_now_s() < end; i++) {
		send_parsed(f, len, &p);
		assert_int_equal(ntohs(p.key.sport_be), rs.dport); /* the same flow */
		usleep(200000);
	}
	read_stats();
	host = st.core[0].to_host_pkts;
	/* the backend answers at last: back to the client, from the VIP */
	len = pkt_build(&rs, r, sizeof(r), NULL);
	send_parsed(r, len, &p);
	assert_int_equal(p.key.dst.w[0], inet_addr("203.0.113.11"));
	assert_int_equal(p.key.src.w[0], inet_addr("198.51.100.62"));
	assert_int_equal(ntohs(p.key.dport_be), 7200);
	read_stats();
	assert_int_equal(st.core[0].to_host_pkts, host);
}

/* A nat flow whose service gets a source address of its own while the
 * flow lives: the flow's next packet leaves from the new address (same
 * port) and claims its reply key there at once (the first packet under
 * a snapshot looks at it), so the backend's reply to either address
 * reaches the client. */
static void
test_nat_snat_change(void **state)
{
	uint8_t f[PB_MAX_LEN], r[PB_MAX_LEN];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.12", .dst = "198.51.100.63", .proto = 6,
		.sport = 7300, .dport = 80, .tcp_flags = 0x10, .payload = 20,
	};
	struct pkt_spec rs = {
		.family = 4, .src = "10.0.7.4", .proto = 6, .sport = 8080, .tcp_flags = 0x10,
		.payload = 20,
	};
	static const char *const snats[] = {LOCAL4, "10.0.9.9"};
	struct sl_pkt p;
	uint64_t host;
	uint16_t nport = 0;
	size_t len;
	int i, k;

	(void)state;
	cfg_reset();
	exec("add service snatc 198.51.100.63:80 proto tcp sched rr mode nat");
	exec("add backend snatc 10.0.7.4:8080");
	apply();
	len = pkt_build(&sp, f, sizeof(f), NULL);
	for (i = 0; i < 2; i++) {
		if (i == 1) {
			exec("set service snatc snat 10.0.9.9");
			apply();
		}
		send_parsed(f, len, &p);
		assert_int_equal(p.key.src.w[0], inet_addr(snats[i]));
		if (i == 0)
			nport = ntohs(p.key.sport_be);
		assert_int_equal(ntohs(p.key.sport_be), nport);
	}
	read_stats();
	host = st.core[0].to_host_pkts;
	/* the backend's replies, to the new source and to the old */
	for (k = 1; k >= 0; k--) {
		rs.dst = snats[k];
		rs.dport = nport;
		len = pkt_build(&rs, r, sizeof(r), NULL);
		send_parsed(r, len, &p);
		assert_int_equal(p.key.src.w[0], inet_addr("198.51.100.63"));
		assert_int_equal(p.key.dst.w[0], inet_addr("203.0.113.12"));
		assert_int_equal(ntohs(p.key.dport_be), 7300);
	}
	read_stats();
	assert_int_equal(st.core[0].to_host_pkts, host);
}

/* Cells in use in the worker's nat reply table. */
static uint32_t
rt_cells(void)
{
	const struct dp_engine *e = eng->priv;

	return e->w[0]->rt->count;
}

/* Whether the worker's nat reply table has a cell in use for the reply
 * key backend:bport -> snat:nport (IPv4, UDP). */
static int
rt_holds(const char *backend, uint16_t bport, const char *snat, uint16_t nport)
{
	const struct dp_engine *e = eng->priv;
	struct sl_flow_key rk = {.proto = 17, .family = SL_AF_INET};
	uint32_t h;

	rk.src.w[0] = inet_addr(backend);
	rk.dst.w[0] = inet_addr(snat);
	rk.sport_be = htons(bport);
	rk.dport_be = htons(nport);
	h = sl_ft_hash(&rk);
	return sl_rt_match(sl_rt_bucket_of(e->w[0]->rt, h), h) != 0;
}

/* A nat flow that goes takes its reply key along: once the sweep has
 * expired the flow, the backend's late reply is the host's (not sent to
 * the client), and the reply table has no cell left for it. */
static void
test_nat_reply_gone(void **state)
{
	uint8_t f[PB_MAX_LEN], r[PB_MAX_LEN];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.13", .dst = "198.51.100.64", .proto = 17,
		.sport = 7400, .dport = 53, .payload = 30,
	};
	struct pkt_spec rs = {
		.family = 4, .src = "10.0.7.5", .dst = LOCAL4, .proto = 17, .sport = 5353,
		.payload = 30,
	};
	struct sl_pkt p;
	uint64_t host, cells;
	size_t len;

	(void)state;
	cfg_reset();
	exec("set timeout udp 1s");
	exec("add service gone 198.51.100.64:53 proto udp sched rr mode nat");
	exec("add backend gone 10.0.7.5:5353");
	apply();
	cells = rt_cells();
	len = pkt_build(&sp, f, sizeof(f), NULL);
	send_parsed(f, len, &p);
	rs.dport = ntohs(p.key.sport_be);
	assert_int_equal(rt_cells(), cells + 1);
	assert_true(rt_holds("10.0.7.5", 5353, LOCAL4, rs.dport));
	/* the flow idles out; the sweep passes (every half second) */
	usleep(2500000);
	assert_false(rt_holds("10.0.7.5", 5353, LOCAL4, rs.dport));
	read_stats();
	host = st.core[0].to_host_pkts;
	len = pkt_build(&rs, r, sizeof(r), NULL);
	inject(r, len);
	usleep(100000);
	read_stats();
	assert_int_equal(st.core[0].to_host_pkts, host + 1);
}

/* A nat flow whose service's source address changed twice under it
 * keeps the cells of its last two reply keys (the first goes with the
 * second change), and takes both along when it goes, even once its
 * service has left the config and no snapshot can say what the keys
 * were. */
static void
test_nat_reply_gone_unconfigured(void **state)
{
	uint8_t f[PB_MAX_LEN];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.14", .dst = "198.51.100.65", .proto = 17,
		.sport = 7500, .dport = 53, .payload = 30,
	};
	struct sl_pkt p;
	uint64_t cells;
	uint16_t nport;
	size_t len;

	(void)state;
	cfg_reset();
	exec("set timeout udp 1s");
	exec("add service gone2 198.51.100.65:53 proto udp sched rr mode nat");
	exec("add backend gone2 10.0.7.6:5353");
	apply();
	cells = rt_cells();
	len = pkt_build(&sp, f, sizeof(f), NULL);
	send_parsed(f, len, &p);
	nport = ntohs(p.key.sport_be);
	assert_int_equal(rt_cells(), cells + 1);
	exec("set service gone2 snat 10.0.9.8");
	apply();
	send_parsed(f, len, &p);
	assert_int_equal(p.key.src.w[0], inet_addr("10.0.9.8"));
	assert_int_equal(rt_cells(), cells + 2);
	assert_true(rt_holds("10.0.7.6", 5353, LOCAL4, nport));
	assert_true(rt_holds("10.0.7.6", 5353, "10.0.9.8", nport));
	exec("set service gone2 snat 10.0.9.7");
	apply();
	send_parsed(f, len, &p);
	assert_int_equal(p.key.src.w[0], inet_addr("10.0.9.7"));
	assert_int_equal(ntohs(p.key.sport_be), nport);
	assert_int_equal(rt_cells(), cells + 2);
	assert_false(rt_holds("10.0.7.6", 5353, LOCAL4, nport));
	assert_true(rt_holds("10.0.7.6", 5353, "10.0.9.8", nport));
	assert_true(rt_holds("10.0.7.6", 5353, "10.0.9.7", nport));
	/* the service goes; its flow idles out; the sweep passes (the other
	 * tests' flows left are TCP, on longer timeouts) */
	cfg_reset();
	exec("set timeout udp 1s");
	apply();
	usleep(2500000);
	assert_false(rt_holds("10.0.7.6", 5353, "10.0.9.8", nport));
	assert_false(rt_holds("10.0.7.6", 5353, "10.0.9.7", nport));
	assert_int_equal(rt_cells(), cells);
}

/* A nat flow whose backend goes into maintenance moves to the other one:
 * its old reply key's cell goes as it takes a new one (the table's count
 * stays one up), the old backend's late reply is the host's, and once the
 * flow idles out no cell is left. */
static void
test_nat_rescheduled_cells(void **state)
{
	uint8_t f[PB_MAX_LEN], r[PB_MAX_LEN];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.15", .dst = "198.51.100.66", .proto = 17,
		.sport = 7600, .dport = 53, .payload = 30,
	};
	struct pkt_spec rs = {
		.family = 4, .dst = LOCAL4, .proto = 17, .sport = 5353, .payload = 30,
	};
	const char *be[2] = {"10.0.7.7", "10.0.7.8"};
	char cmd[96];
	struct sl_pkt p;
	uint64_t cells, resched, host;
	uint16_t nport, nport2;
	size_t len;
	int first;

	(void)state;
	cfg_reset();
	exec("set timeout udp 1s");
	exec("add service move 198.51.100.66:53 proto udp sched rr mode nat");
	exec("add backend move 10.0.7.7:5353");
	exec("add backend move 10.0.7.8:5353");
	apply();
	cells = rt_cells();
	len = pkt_build(&sp, f, sizeof(f), NULL);
	send_parsed(f, len, &p);
	nport = ntohs(p.key.sport_be);
	first = p.key.dst.w[0] == inet_addr(be[0]) ? 0 : 1;
	assert_int_equal(p.key.dst.w[0], inet_addr(be[first]));
	assert_int_equal(rt_cells(), cells + 1);
	assert_true(rt_holds(be[first], 5353, LOCAL4, nport));

	read_stats();
	resched = st.core[0].flow_rescheduled;
	snprintf(cmd, sizeof(cmd), "set backend move/%s:5353 state maint", be[first]);
	exec(cmd);
	apply();
	send_parsed(f, len, &p);
	nport2 = ntohs(p.key.sport_be);
	assert_int_equal(p.key.dst.w[0], inet_addr(be[!first]));
	read_stats();
	assert_int_equal(st.core[0].flow_rescheduled, resched + 1);
	assert_int_equal(rt_cells(), cells + 1);
	assert_false(rt_holds(be[first], 5353, LOCAL4, nport));
	assert_true(rt_holds(be[!first], 5353, LOCAL4, nport2));
	/* the old backend's late answer: no flow of ours any more */
	host = st.core[0].to_host_pkts;
	rs.src = be[first];
	rs.dport = nport;
	len = pkt_build(&rs, r, sizeof(r), NULL);
	inject(r, len);
	usleep(100000);
	read_stats();
	assert_int_equal(st.core[0].to_host_pkts, host + 1);
	/* the flow idles out; the sweep passes */
	usleep(2500000);
	assert_false(rt_holds(be[!first], 5353, LOCAL4, nport2));
	assert_int_equal(rt_cells(), cells);
}

/* Set an ICMPv4 error's next-hop MTU (RFC 1191) and its checksum whole. */
static void
icmp4_set_mtu(uint8_t *f, size_t len, uint16_t mtu)
{
	uint8_t *ic = f + 14 + 20;
	uint16_t c;

	ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	ic[2] = ic[3] = 0;
	c = pkt_csum(ic, len - 14 - 20, 0);
	ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
}

/* A nat flow's packet, then the backend's "fragmentation needed" about
 * what sluice sent it: on to the client (toward --gw-mac), from the VIP,
 * about the client's own packet; byte for byte the error built from the
 * translated addresses. An error quoting another NAT port goes to the
 * host. Neither touches the flow or the service's counters. */
static void
test_icmp_frag_needed_nat(void **state)
{
	uint8_t f[PB_MAX_LEN], e[PB_MAX_LEN], exp[PB_MAX_LEN], gw[6];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.9", .dst = "198.51.100.61", .proto = 6,
		.sport = 7100, .dport = 80, .tcp_flags = 0x18, .payload = 1400,
	};
	struct pkt_spec q = sp, ne, nq = sp, es = {
		.family = 4, .proto = SL_IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4,
		.src = "10.0.7.2", .dst = LOCAL4, .quote = &q, .quote_len = 20 + 20 + 64,
	};
	struct sl_pkt p;
	struct rte_mbuf *m;
	size_t len, elen, xlen;
	uint64_t svc_pkts, be_pkts, rx, tx, host;
	uint16_t nport;
	int id;

	(void)state;
	cfg_reset();
	exec("add service icmpnat 198.51.100.61:80 proto tcp sched rr mode nat");
	exec("add backend icmpnat 10.0.7.2:8080");
	apply();
	id = be_id("10.0.7.2");
	len = pkt_build(&sp, f, sizeof(f), NULL);
	send_parsed(f, len, &p);
	nport = ntohs(p.key.sport_be);
	read_stats();
	svc_pkts = st.svc[prev->svc[0].svc.id].pkts;
	be_pkts = st.backend[id].pkts;
	rx = st.core[0].rx_pkts;
	tx = st.core[0].tx_pkts;
	host = st.core[0].to_host_pkts;

	/* the backend's error, quoting the packet as sluice sent it */
	q.src = LOCAL4;
	q.dst = "10.0.7.2";
	q.sport = nport;
	q.dport = 8080;
	elen = pkt_build(&es, e, sizeof(e), NULL);
	assert_true(elen > 0);
	icmp4_set_mtu(e, elen, 1400);
	/* what the client must get */
	ne = es;
	ne.src = "198.51.100.61";
	ne.dst = "203.0.113.9";
	ne.quote = &nq;
	xlen = pkt_build(&ne, exp, sizeof(exp), NULL);
	assert_int_equal(xlen, elen);
	icmp4_set_mtu(exp, xlen, 1400);
	assert_int_equal(rte_ether_unformat_addr("02:99:00:00:00:fe",
						 (struct rte_ether_addr *)gw), 0);
	memcpy(exp, gw, 6);
	memcpy(exp + 6, port_mac.addr_bytes, 6);
	inject(e, elen);
	m = recv_one();
	expect_frame(m, exp, xlen);
	rte_pktmbuf_free(m);
	wait_rx(rx + 1);
	/* counted sent, and by no service or backend */
	assert_int_equal(st.core[0].tx_pkts, tx + 1);
	assert_int_equal(st.svc[prev->svc[0].svc.id].pkts, svc_pkts);
	assert_int_equal(st.backend[id].pkts, be_pkts);

	/* another NAT port: nobody's flow, the host's */
	q.sport = (uint16_t)(nport ^ 0x4000);
	elen = pkt_build(&es, e, sizeof(e), NULL);
	inject(e, elen);
	wait_rx(rx + 2);
	assert_int_equal(st.core[0].to_host_pkts, host + 1);
	assert_int_equal(st.core[0].tx_pkts, tx + 1);
	assert_int_equal(ring_port_pending(&rp, 0), 0);
}

static void
test_flows_listing(void **state)
{
	struct sl_flow_info *fi = calloc(8192, sizeof(*fi));
	int n, i, sid, found = 0;

	(void)state;
	assert_non_null(fi);
	sid = sl_ids_service(&ids, "nat");
	n = eng->ops->flows(eng, sid, fi, 8192);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(fi[i].svc_id, sid);
		if (fi[i].key.sport_be == htons(7000) && fi[i].key.src.w[0] == inet_addr("203.0.113.9"))
			found = 1;
	}
	assert_true(found);
	n = eng->ops->flows(eng, -1, fi, 8192);
	assert_true(n > 100);
	free(fi);
}

/* An ARP request from 02:aa:00:00:00:01 (10.9.9.9) for `target`. */
static size_t
arp_request(uint8_t *f, const char *target)
{
	static const uint8_t head[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xaa, 0, 0, 0, 0x01, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,            /* ether, ipv4, request */
		0x02, 0xaa, 0, 0, 0, 0x01, 10, 9, 9, 9,              /* sender */
		0, 0, 0, 0, 0, 0};                                   /* target MAC */
	uint32_t t = inet_addr(target);

	memcpy(f, head, sizeof(head));
	memcpy(f + sizeof(head), &t, 4);
	memset(f + 42, 0, 18);  /* padded to the Ethernet minimum */
	return 60;
}

/* A neighbour solicitation from 2001:db8:9::9 (or :: for duplicate address
 * detection) for `target`, with a source link-layer option. */
static size_t
ns_request(uint8_t *f, const char *target, int dad)
{
	static const uint8_t eth[] = {0x33, 0x33, 0xff, 0, 0, 0, 0x02, 0xaa, 0, 0, 0, 0x01,
				      0x86, 0xdd};
	uint8_t src[16] = {0}, tgt[16], dst[16] = {0xff, 0x02, [11] = 1, [12] = 0xff};
	uint8_t *ip = f + 14, *nd = ip + 40;
	uint32_t sum = 0;
	int i;

	assert_int_equal(inet_pton(AF_INET6, target, tgt), 1);
	if (!dad)
		assert_int_equal(inet_pton(AF_INET6, "2001:db8:9::9", src), 1);
	memcpy(dst + 13, tgt + 13, 3);
	memcpy(f, eth, sizeof(eth));
	memcpy(f + 3, tgt + 13, 3);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[5] = 32;            /* payload: 24 NS + 8 option */
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memset(nd, 0, 32);
	nd[0] = 135;
	memcpy(nd + 8, tgt, 16);
	nd[24] = 1;            /* source link-layer address */
	nd[25] = 1;
	memcpy(nd + 26, f + 6, 6);
	/* the checksum over the pseudo-header and the message */
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
	sum += 32 + 58;
	sum = pkt_csum(nd, 32, sum);
	nd[2] = (uint8_t)(sum >> 8);
	nd[3] = (uint8_t)sum;
	return 14 + 40 + 32;
}

static void
test_arp_nd_answered(void **state)
{
	uint8_t f[PB_MAX_LEN], vip6[16], peer6[16];
	struct pkt_layout lay = {.l3 = 14, .l4 = 54};
	struct rte_mbuf *m;
	const uint8_t *o;
	uint64_t rx, host;
	uint32_t a;
	size_t len;

	(void)state;
	cfg_reset();
	exec("add service w4 198.51.100.77:80 proto tcp mode dsr");
	exec("add backend w4 10.0.0.1:80");
	exec("add service w6 [2001:db8:100::77]:80 proto tcp mode dsr");
	exec("add backend w6 [2001:db8::1]:80");
	/* neighbour discovery is plumbing: a default-deny firewall does not see it */
	exec("set acl default deny");
	apply();
	read_stats();
	rx = st.core[0].rx_pkts;
	host = st.core[0].to_host_pkts;

	/* ARP for the VIP and for --local-ip: answered from the port's MAC */
	const char *targets[] = {"198.51.100.77", LOCAL4};
	for (int i = 0; i < 2; i++) {
		len = arp_request(f, targets[i]);
		inject(f, len);
		m = recv_one();
		o = rte_pktmbuf_mtod(m, const uint8_t *);
		assert_int_equal(m->pkt_len, 60);
		assert_memory_equal(o, f + 6, 6);                 /* to the asker */
		assert_memory_equal(o + 6, port_mac.addr_bytes, 6);
		assert_int_equal(o[20] << 8 | o[21], 2);            /* reply */
		assert_memory_equal(o + 22, port_mac.addr_bytes, 6);  /* sender: us */
		a = inet_addr(targets[i]);
		assert_memory_equal(o + 28, &a, 4);                 /* for the target */
		assert_memory_equal(o + 32, f + 6, 6);              /* to the asker */
		assert_memory_equal(o + 38, f + 28, 4);
		rte_pktmbuf_free(m);
	}
	/* not ours (a backend's address, any other): the host's */
	len = arp_request(f, "10.0.0.1");
	inject(f, len);
	len = arp_request(f, "198.51.100.78");
	inject(f, len);
	/* a reply (opcode 2) for our VIP is not answered either */
	len = arp_request(f, "198.51.100.77");
	f[21] = 2;
	inject(f, len);
	wait_rx(rx + 5);
	assert_int_equal(st.core[0].to_host_pkts, host + 3);
	assert_int_equal(ring_port_pending(&rp, 0), 0);

	/* a neighbour solicitation for the IPv6 VIP: an advertisement, solicited,
	 * override, with our MAC, its checksum right by a full recompute */
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:100::77", vip6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:9::9", peer6), 1);
	len = ns_request(f, "2001:db8:100::77", 0);
	inject(f, len);
	m = recv_one();
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(m->pkt_len, 14 + 40 + 32);
	assert_memory_equal(o, f + 6, 6);
	assert_memory_equal(o + 6, port_mac.addr_bytes, 6);
	assert_int_equal(o[14 + 6], 58);
	assert_int_equal(o[14 + 7], 255);
	assert_memory_equal(o + 14 + 8, vip6, 16);     /* from the target */
	assert_memory_equal(o + 14 + 24, peer6, 16);   /* to the asker */
	assert_int_equal(o[54], 136);
	assert_int_equal(o[58], 0x60);                 /* solicited, override */
	assert_memory_equal(o + 62, vip6, 16);
	assert_int_equal(o[78], 2);                    /* target link-layer address */
	assert_int_equal(o[79], 1);
	assert_memory_equal(o + 80, port_mac.addr_bytes, 6);
	lay.len = lay.ip_end = m->pkt_len;
	assert_int_equal(pkt_verify_csums(o, m->pkt_len, &lay, 6, 58), 0);
	rte_pktmbuf_free(m);

	/* duplicate address detection (from ::): answered to all nodes, unsolicited */
	len = ns_request(f, "2001:db8:100::77", 1);
	inject(f, len);
	m = recv_one();
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(o[0], 0x33);
	assert_int_equal(o[5], 0x01);
	assert_int_equal(o[14 + 24], 0xff);
	assert_int_equal(o[58], 0x20);
	lay.len = lay.ip_end = m->pkt_len;
	assert_int_equal(pkt_verify_csums(o, m->pkt_len, &lay, 6, 58), 0);
	rte_pktmbuf_free(m);

	/* not ours, and a solicitation with a hop limit below 255 (not from
	 * the link): the host's, not dropped by the default-deny firewall */
	read_stats();
	rx = st.core[0].rx_pkts;
	host = st.core[0].to_host_pkts;
	len = ns_request(f, "2001:db8:100::78", 0);
	inject(f, len);
	len = ns_request(f, "2001:db8:100::77", 0);
	f[14 + 7] = 64;
	inject(f, len);
	wait_rx(rx + 2);
	assert_int_equal(st.core[0].to_host_pkts, host + 2);
	assert_int_equal(st.core[0].drops[SL_DROP_ACL_DENY], 0);
	assert_int_equal(ring_port_pending(&rp, 0), 0);
}

/* ---- set-up -------------------------------------------------------------------- */

static int
setup(void **state)
{
	/* clients behind a gateway: where NAT replies and errors go */
	char *opts[] = {"--local-ip", LOCAL4, "--gw-mac", "02:99:00:00:00:fe", NULL};
	struct sl_engine_args a = {.argc = 4, .argv = opts};
	char err[256];

	(void)state;
	if (dpdk_test_eal_init("test_dpdk_engine", "0,1") < 0 ||
	    ring_port_create(&rp, "sl_t_ring0", 1) < 0)
		return -1;
	eng = sl_dpdk_engine_create_on_eal(&a, err, sizeof(err));
	if (!eng) {
		fprintf(stderr, "engine: %s\n", err);
		return -1;
	}
	rte_eth_macaddr_get(rp.port_id, &port_mac);
	sl_config_init(&cfg);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (eng)
		eng->ops->destroy(eng);
	sl_snapshot_free(prev);
	sl_config_free(&cfg);
	ring_port_free(&rp);
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_even),
		cmocka_unit_test(test_flow_stays_when_backend_added),
		cmocka_unit_test(test_drain_keeps_flows),
		cmocka_unit_test(test_malformed_counted),
		cmocka_unit_test(test_to_host),
		cmocka_unit_test(test_dsr_bytes),
		cmocka_unit_test(test_tunnel_ipip_bytes),
		cmocka_unit_test(test_tunnel_gue_bytes),
		cmocka_unit_test(test_icmp_frag_needed_nat),
		cmocka_unit_test(test_nat_forward_bytes),
		cmocka_unit_test(test_flows_listing),
		cmocka_unit_test(test_arp_nd_answered),
		cmocka_unit_test(test_nat_oneway_reply),
		cmocka_unit_test(test_nat_snat_change),
		cmocka_unit_test(test_nat_reply_gone),
		cmocka_unit_test(test_nat_reply_gone_unconfigured),
		cmocka_unit_test(test_nat_rescheduled_cells),
		cmocka_unit_test(test_acl_kept_in_flow),
		cmocka_unit_test(test_acl), /* last: it replaces the others' config */
	};

	if (!dpdk_test_can_run("the DPDK engine test"))
		return 77;
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpdk_engine.c - the DPDK engine in this process, over a ring port
 * (engine_fixture.h): scheduling and flows, draining, the firewall,
 * malformed frames, the host's packets, dsr's and tunnel's bytes, the
 * flow listing, ARP and ND. nat mode: test_dpdk_nat.c.
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

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/rewrite.h>

#include "engine_fixture.h"
#include "fixtures.h"
#include "pktbuild.h"

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

/* nat, forward direction: what sl_rw_nat makes, with valid checksums. *//* The engine's flow listing: a service's flows, all of them, and every
 * flow once. */
static void
test_flows_listing(void **state)
{
	struct sl_flow_info *fi = calloc(8192, sizeof(*fi));
	int n, i, sid, oid, in_sid = 0, in_oid = 0, found = 0;

	(void)state;
	assert_non_null(fi);
	cfg_reset();
	exec("add service other 198.51.100.71:80 proto tcp sched rr mode dsr");
	exec("add backend other 10.0.8.2:80");
	exec("add service list 198.51.100.70:80 proto tcp sched rr mode nat");
	exec("add backend list 10.0.8.1:8080");
	apply();
	for (i = 0; i < 101; i++)
		send_flow("203.0.113.20", "198.51.100.70", (uint16_t)(7000 + i), SL_TCP_SYN);
	send_flow("203.0.113.21", "198.51.100.71", 7000, SL_TCP_SYN);
	sid = sl_ids_service(&ids, "list");
	oid = sl_ids_service(&ids, "other");
	/* (a service id can be an earlier test's removed service's, whose idle
	 * flows the table may still hold: the engine lists them under the id,
	 * and sluiced's `show flows` leaves them out: control/show.c) */
	n = eng->ops->flows(eng, sid, fi, 8192);
	for (i = 0; i < n; i++) {
		assert_int_equal(fi[i].svc_id, sid);
		in_sid += fi[i].key.src.w[0] == inet_addr("203.0.113.20");
		found |= fi[i].key.sport_be == htons(7100) &&
			 fi[i].key.src.w[0] == inet_addr("203.0.113.20");
	}
	assert_int_equal(in_sid, 101);
	assert_true(found);
	in_sid = 0;
	/* all the flows: both services' (and the earlier tests' that are left) */
	n = eng->ops->flows(eng, -1, fi, 8192);
	for (i = 0; i < n; i++) {
		in_sid += fi[i].svc_id == sid && fi[i].key.src.w[0] == inet_addr("203.0.113.20");
		in_oid += fi[i].svc_id == oid && fi[i].key.src.w[0] == inet_addr("203.0.113.21");
	}
	assert_int_equal(in_sid, 101);
	assert_int_equal(in_oid, 1);
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
		cmocka_unit_test(test_flows_listing),
		cmocka_unit_test(test_arp_nd_answered),
		cmocka_unit_test(test_acl_kept_in_flow),
		cmocka_unit_test(test_acl), /* last: it replaces the others' config */
	};

	if (!dpdk_test_can_run("the DPDK engine test"))
		return 77;
	return cmocka_run_group_tests(tests, engine_fixture_setup, engine_fixture_teardown);
}

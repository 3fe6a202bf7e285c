/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpdk_nat.c - the DPDK engine's nat mode in this process, over a
 * ring port (engine_fixture.h): the bytes it sends, the reply keys its
 * flows hold in the worker's reply table as sources, backends and
 * snapshots change, and ICMP errors about its flows. NAT replies between
 * two workers: test_dpdk_handoff.c.
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

#include "dp.h"
#include "engine_fixture.h"
#include "pktbuild.h"

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
	pkt_icmp4_set_mtu(e, elen, 1400);
	/* what the client must get */
	ne = es;
	ne.src = "198.51.100.61";
	ne.dst = "203.0.113.9";
	ne.quote = &nq;
	xlen = pkt_build(&ne, exp, sizeof(exp), NULL);
	assert_int_equal(xlen, elen);
	pkt_icmp4_set_mtu(exp, xlen, 1400);
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


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_frag_needed_nat),
		cmocka_unit_test(test_nat_forward_bytes),
		cmocka_unit_test(test_nat_oneway_reply),
		cmocka_unit_test(test_nat_snat_change),
		cmocka_unit_test(test_nat_reply_gone),
		cmocka_unit_test(test_nat_reply_gone_unconfigured),
		cmocka_unit_test(test_nat_rescheduled_cells),
	};

	if (!dpdk_test_can_run("the DPDK engine's nat test"))
		return 77;
	return cmocka_run_group_tests(tests, engine_fixture_setup, engine_fixture_teardown);
}

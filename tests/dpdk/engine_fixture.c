/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_fixture.c - the DPDK engine in the test's process over a ring
 * port, and what the engine tests do with it (engine_fixture.h).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <sluice/parse.h>

#include "engine_dpdk.h"
#include "engine_fixture.h"
#include "pktbuild.h"

struct sl_engine *eng;
struct ring_port rp;
struct rte_ether_addr port_mac;
struct sl_config cfg;
struct sl_ids ids;
struct sl_snapshot *prev;
uint32_t gen;
struct sl_stats st;

void
exec(const char *line)
{
	char err[256];

	if (sl_config_exec(&cfg, line, strlen(line), err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
}

void
cfg_reset(void)
{
	sl_config_free(&cfg);
	sl_config_init(&cfg);
	exec("set flows size 4096");
}

void
be_mac(uint32_t id, uint8_t mac[6])
{
	static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0};

	memcpy(mac, base, 6);
	mac[4] = (uint8_t)((id + 1) >> 8);
	mac[5] = (uint8_t)(id + 1);
}

void
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

int
be_id(const char *addr)
{
	uint32_t a = inet_addr(addr), i;

	for (i = 0; i < prev->max_backend_id; i++)
		if (prev->backends[i].family == SL_AF_INET && prev->backends[i].addr.w[0] == a)
			return (int)i;
	fail_msg("no backend %s", addr);
	return -1;
}

const struct sl_backend *
be_of(int id)
{
	return &prev->backends[id];
}

void
inject(const uint8_t *frame, size_t len)
{
	assert_int_equal(ring_port_inject(&rp, 0, frame, len), 0);
}

struct rte_mbuf *
recv_one(void)
{
	struct rte_mbuf *m = ring_port_recv(&rp, 0, 3);

	if (!m)
		fail_msg("the engine sent nothing");
	return m;
}

void
read_stats(void)
{
	assert_int_equal(eng->ops->stats(eng, &st), 0);
}

void
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

int
backend_of(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	assert_int_equal(d[0], 0x02);
	assert_memory_equal(d + 6, port_mac.addr_bytes, 6);
	return ((int)d[4] << 8 | d[5]) - 1;
}

size_t
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

int
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

void
expect_frame(const struct rte_mbuf *m, const uint8_t *exp, size_t len)
{
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->pkt_len != len || memcmp(got, exp, len)) {
		pkt_hexdump("expected", exp, len);
		pkt_hexdump("got", got, m->data_len);
		fail_msg("output differs (%u bytes, expected %zu)", m->pkt_len, len);
	}
}

void
send_parsed(const uint8_t *f, size_t len, struct sl_pkt *p)
{
	struct rte_mbuf *m;

	inject(f, len);
	m = recv_one();
	assert_int_equal(sl_parse(rte_pktmbuf_mtod(m, uint8_t *),
				  rte_pktmbuf_mtod(m, uint8_t *) + m->data_len, m->pkt_len, p), 0);
	rte_pktmbuf_free(m);
}

int
engine_fixture_setup(void **state)
{
	/* clients behind a gateway: where NAT replies and errors go */
	char *opts[] = {"--local-ip", LOCAL4, "--gw-mac", "02:99:00:00:00:fe", NULL};
	struct sl_engine_args a = {.argc = 4, .argv = opts};
	char err[256];

	(void)state;
	if (dpdk_test_eal_init("sluice_engine_test", "0,1") < 0 ||
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

int
engine_fixture_teardown(void **state)
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

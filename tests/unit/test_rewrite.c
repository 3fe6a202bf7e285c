/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_rewrite.c - the rewrites both engines apply: incremental checksums
 * against a full recomputation, NAT on every TCP/UDP fixture (IPv4 with
 * options, VLAN tags, IPv6 with extension headers), DSR, and tunnel
 * encapsulation checked byte for byte against headers built here by hand.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sluice/rewrite.h>

#include "fixtures.h"
#include "xorshift.h"

static uint64_t rng = 0x853c49e6748fea9bull;

static uint32_t
rnd(void)
{
	return (uint32_t)(xorshift64(&rng) >> 16);
}

static void
test_incremental_checksums(void **state)
{
	int i, k;

	for (i = 0; i < 100000; i++) {
		uint16_t w[10], before, after;
		uint32_t old32, new32;

		for (k = 0; k < 10; k++)
			w[k] = (uint16_t)rnd();
		w[5] = 0;
		w[5] = pkt_csum(w, 20, 0) == 0 ? 0 : (uint16_t)htons(pkt_csum(w, 20, 0));
		before = w[5];
		assert_int_equal(pkt_csum(w, 20, 0), 0);
		/* change a 32-bit word (as the addresses are) */
		k = 6 + (int)(rnd() % 2) * 2;
		memcpy(&old32, &w[k], 4);
		new32 = rnd() << 16 | rnd();
		if (i % 7 == 0)
			new32 = old32; /* no change is no change */
		memcpy(&w[k], &new32, 4);
		after = sl_csum_update32(before, old32, new32);
		w[5] = after;
		assert_int_equal(pkt_csum(w, 20, 0), 0);
		/* and a 16-bit one */
		{
			uint16_t o = w[1], n = (uint16_t)rnd();

			w[1] = n;
			w[5] = sl_csum_update16(w[5], o, n);
			assert_int_equal(pkt_csum(w, 20, 0), 0);
		}
		/* the full header checksum helper agrees */
		{
			uint16_t c = w[5];

			w[5] = 0;
			assert_int_equal(sl_ip4_csum((const struct sl_ip4hdr *)w), c == 0xffff ? 0 : c);
			w[5] = c;
		}
	}
}

/* A 32-bit word for the sums below: at random, or one of the values where
 * one's complement arithmetic has its corners (all ones, zero). */
static uint32_t
edgy32(void)
{
	static const uint32_t corner[] = { 0, 0xffffffffu, 0xffff, 0xffff0000u, 1, 0xfffe };
	uint32_t r = rnd();

	return r % 4 ? rnd() << 16 | rnd() : corner[r / 4 % (sizeof(corner) / sizeof(corner[0]))];
}

/* sl_rw_nat sums every changed word once (sl_csum_add32): the same 16 bits,
 * zero and 0xffff included, as one sl_csum_update32 per word. */
static void
test_one_sum_equals_steps(void **state)
{
	int i, k;

	for (i = 0; i < 1000000; i++) {
		uint32_t from[9], to[9], sum;
		uint16_t check = (uint16_t)edgy32(), steps = check;
		int n = 1 + (int)(rnd() % 9);

		sum = (uint16_t)~check;
		for (k = 0; k < n; k++) {
			from[k] = edgy32();
			to[k] = rnd() % 5 ? edgy32() : from[k];
			steps = sl_csum_update32(steps, from[k], to[k]);
			sum += sl_csum_add32(from[k], to[k]);
		}
		assert_int_equal((uint16_t)~sl_csum_fold(sum), steps);
	}
}

static void
addr_of(int family, const char *s, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, s, a->b), 1);
}

static void
test_nat_every_fixture(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i, done = 0;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		const struct pkt_spec *s = &fx->spec;
		struct pkt_layout lay;
		struct sl_pkt p, q;
		struct sl_addr sa, da;
		size_t len;
		int round;

		if ((s->proto != SL_IPPROTO_TCP && s->proto != SL_IPPROTO_UDP) || s->frag_off ||
		    s->more_frags || !s->family)
			continue;
		len = pkt_build(s, f, sizeof(f), &lay);
		assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
		assert_int_equal(pkt_verify_csums(f, len, &lay, s->family, s->proto), 0);
		/* the client's packet to a backend, and the reply back, twice over */
		for (round = 0; round < 4; round++) {
			uint16_t sp = htons((uint16_t)(1024 + rnd() % 60000));
			uint16_t dp = htons((uint16_t)(1 + rnd() % 65535));

			if (s->family == 4) {
				addr_of(4, round % 2 ? "198.51.100.10" : "10.0.0.1", &sa);
				addr_of(4, round % 2 ? "192.0.2.77" : "10.0.1.11", &da);
			} else {
				addr_of(6, round % 2 ? "2001:db8:100::10" : "fd00::1", &sa);
				addr_of(6, round % 2 ? "2001:db8::77" : "fd00:1::11", &da);
			}
			assert_int_equal(sl_rw_nat(f, f + len, &p, &sa, sp, &da, dp), 0);
			assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &q), 0);
			assert_memory_equal(&q.key.src, &sa, sizeof(sa));
			assert_memory_equal(&q.key.dst, &da, sizeof(da));
			assert_int_equal(q.key.sport_be, sp);
			assert_int_equal(q.key.dport_be, dp);
			if (pkt_verify_csums(f, len, &lay, s->family, s->proto)) {
				fprintf(stderr, "%s round %d: checksum wrong after nat\n", fx->name, round);
				pkt_hexdump("frame", f, len);
				fail();
			}
			p = q;
		}
		done++;
	}
	print_message("%zu fixtures through four NAT rewrites each, checksums recomputed\n", done);
	assert_true(done >= 10);
}

/*
 * An ICMP error about a nat flow, translated to the other side, must be
 * the very error that side would have received had there been no
 * translation: built here from the translated addresses and compared byte
 * for byte (so every checksum, the quoted ones included, is right). For
 * IPv4 and IPv6, TCP and UDP, quotes with and without the L4 checksum.
 */
static void
test_icmp_nat(void **state)
{
	static const struct {
		int family;
		uint8_t proto;
		int quote_l4;         /* bytes of the quoted L4 header and payload */
		const char *o_src, *o_dst, *i_src, *i_dst;     /* as received */
		const char *n_osrc, *n_odst, *n_isrc, *n_idst; /* as sent on */
		uint16_t i_sport, i_dport, n_sport, n_dport;
	} cases[] = {
		/* a backend's "fragmentation needed" to sluice's source address:
		 * on to the client, from the VIP, about the client's packet */
		{4, 6, 8, "10.0.1.11", "10.0.1.3", "10.0.1.3", "10.0.1.11",
		 "198.51.100.10", "203.0.113.2", "203.0.113.2", "198.51.100.10", 40001, 80, 5555, 80},
		{4, 6, 28, "10.0.1.11", "10.0.1.3", "10.0.1.3", "10.0.1.11",
		 "198.51.100.10", "203.0.113.2", "203.0.113.2", "198.51.100.10", 40001, 80, 5555, 80},
		{4, 17, 8, "10.0.1.254", "10.0.1.3", "10.0.1.3", "10.0.1.11",
		 "10.0.1.254", "203.0.113.2", "203.0.113.2", "198.51.100.10", 40001, 53, 5555, 53},
		/* a router on the client's side, about a reply sent from the VIP:
		 * on to the backend, about the backend's own packet */
		{4, 6, 20, "192.0.2.1", "198.51.100.10", "198.51.100.10", "203.0.113.2",
		 "10.0.1.3", "10.0.1.11", "10.0.1.11", "10.0.1.3", 80, 5555, 80, 40001},
		{6, 6, 8, "fd00:1::11", "fd00:1::3", "fd00:1::3", "fd00:1::11",
		 "2001:db8:10::10", "2001:db8:feed::2", "2001:db8:feed::2", "2001:db8:10::10",
		 40001, 80, 5555, 80},
		{6, 6, 40, "fd00:1::11", "fd00:1::3", "fd00:1::3", "fd00:1::11",
		 "2001:db8:10::10", "2001:db8:feed::2", "2001:db8:feed::2", "2001:db8:10::10",
		 40001, 80, 5555, 80},
		{6, 17, 12, "2001:db8::1", "2001:db8:10::10", "2001:db8:10::10", "2001:db8:feed::2",
		 "fd00:1::3", "fd00:1::12", "fd00:1::12", "fd00:1::3", 53, 5555, 53, 40001},
	};
	uint8_t f[PB_MAX_LEN], want[PB_MAX_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt_spec q = {.family = cases[i].family, .proto = cases[i].proto,
				     .src = cases[i].i_src, .dst = cases[i].i_dst,
				     .sport = cases[i].i_sport, .dport = cases[i].i_dport,
				     .tcp_flags = 0x18, .payload = 64};
		struct pkt_spec e = {.family = cases[i].family,
				     .proto = cases[i].family == 4 ? SL_IPPROTO_ICMP : SL_IPPROTO_ICMPV6,
				     .icmp_type = cases[i].family == 4 ? 3 : 2,
				     .icmp_code = cases[i].family == 4 ? 4 : 0,
				     .src = cases[i].o_src, .dst = cases[i].o_dst, .quote = &q,
				     .quote_len = (cases[i].family == 4 ? 20 : 40) + cases[i].quote_l4};
		struct pkt_spec nq = q, ne = e;
		struct sl_addr os, od, is, id;
		struct sl_pkt p;
		size_t len, wlen;
		int fam = cases[i].family;

		len = pkt_build(&e, f, sizeof(f), NULL);
		assert_true(len > 0);
		assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
		assert_true(p.flags & SL_PKT_F_ICMP_ERR);
		nq.src = cases[i].n_isrc;
		nq.dst = cases[i].n_idst;
		nq.sport = cases[i].n_sport;
		nq.dport = cases[i].n_dport;
		ne.src = cases[i].n_osrc;
		ne.dst = cases[i].n_odst;
		ne.quote = &nq;
		wlen = pkt_build(&ne, want, sizeof(want), NULL);
		assert_int_equal(wlen, len);
		addr_of(fam, cases[i].n_osrc, &os);
		addr_of(fam, cases[i].n_odst, &od);
		addr_of(fam, cases[i].n_isrc, &is);
		addr_of(fam, cases[i].n_idst, &id);
		assert_int_equal(sl_rw_icmp_nat(f, f + len, &p, &os, &od, &is, htons(cases[i].n_sport),
						&id, htons(cases[i].n_dport)), 0);
		if (memcmp(f, want, len)) {
			fprintf(stderr, "case %zu (IPv%d, proto %u, %d quoted L4 bytes)\n", i, fam,
				cases[i].proto, cases[i].quote_l4);
			pkt_hexdump("translated", f, len);
			pkt_hexdump("expected", want, len);
			fail();
		}
	}
	/* what it refuses: not an ICMP error, a quote without ports */
	{
		struct pkt_spec t = {.family = 4, .proto = 6, .src = "10.0.0.1", .dst = "10.0.0.2",
				     .sport = 1, .dport = 2};
		struct sl_addr a;
		struct sl_pkt p;
		size_t len = pkt_build(&t, f, sizeof(f), NULL);

		addr_of(4, "10.9.9.9", &a);
		assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
		assert_int_equal(sl_rw_icmp_nat(f, f + len, &p, &a, &a, &a, 1, &a, 2), -1);
	}
	print_message("%zu ICMP errors translated, equal byte for byte to ones built so\n",
		      sizeof(cases) / sizeof(cases[0]));
}

static void
test_nat_udp_without_checksum(void **state)
{
	struct pkt_spec s = {.family = 4, .src = "192.0.2.1", .dst = "198.51.100.10",
			     .proto = SL_IPPROTO_UDP, .sport = 5000, .dport = 53, .payload = 12};
	uint8_t f[PB_MAX_LEN];
	struct pkt_layout lay;
	struct sl_pkt p;
	struct sl_addr sa, da;
	size_t len = pkt_build(&s, f, sizeof(f), &lay);

	f[lay.l4 + 6] = f[lay.l4 + 7] = 0; /* sender sent none */
	assert_int_equal(sl_parse(f, f + len, (uint32_t)len, &p), 0);
	addr_of(4, "10.0.0.1", &sa);
	addr_of(4, "10.0.1.11", &da);
	assert_int_equal(sl_rw_nat(f, f + len, &p, &sa, htons(40000), &da, htons(53)), 0);
	assert_int_equal(f[lay.l4 + 6] | f[lay.l4 + 7], 0);
	assert_int_equal(pkt_verify_csums(f, len, &lay, 4, SL_IPPROTO_UDP), 0);
	/* and a packet that is not TCP or UDP is refused untouched */
	{
		struct pkt_spec e = {.family = 4, .src = "192.0.2.1", .dst = "198.51.100.10",
				     .proto = SL_IPPROTO_ICMP, .icmp_type = 8, .sport = 1};
		uint8_t g[PB_MAX_LEN], h[PB_MAX_LEN];
		size_t elen = pkt_build(&e, g, sizeof(g), NULL);

		memcpy(h, g, elen);
		assert_int_equal(sl_parse(g, g + elen, (uint32_t)elen, &p), 0);
		assert_int_equal(sl_rw_nat(g, g + elen, &p, &sa, 1, &da, 2), -1);
		assert_memory_equal(g, h, elen);
	}
}

static void
test_dsr(void **state)
{
	static const uint8_t be_mac[6] = {0x02, 0xbe, 0, 0, 0, 0x11};
	static const uint8_t my_mac[6] = {0x02, 0x51, 0, 0, 0, 0x01};
	uint8_t f[PB_MAX_LEN], g[PB_MAX_LEN];
	size_t len = pkt_build(&parse_fixtures[0].spec, f, sizeof(f), NULL);

	memcpy(g, f, len);
	assert_int_equal(sl_rw_dsr(f, f + len, be_mac, my_mac), 0);
	assert_memory_equal(f, be_mac, 6);
	assert_memory_equal(f + 6, my_mac, 6);
	assert_memory_equal(f + 12, g + 12, len - 12);
	assert_int_equal(sl_rw_dsr(f, f + 13, be_mac, my_mac), -1);
}

/* The expected tunnel frame, built here without rewrite.h. */
static size_t
expect_tunnel(uint8_t *out, const struct sl_encap *e, const uint8_t *inner, size_t inner_len)
{
	size_t o = 0, ipl = e->family == SL_AF_INET ? 20 : 40;
	size_t udp = e->tunnel == SL_TUN_GUE ? 12 : 0;
	uint8_t next = inner[0] >> 4 == 4 ? 4 : 41;

	memcpy(out, e->dst_mac, 6);
	memcpy(out + 6, e->src_mac, 6);
	out[12] = e->family == SL_AF_INET ? 0x08 : 0x86;
	out[13] = e->family == SL_AF_INET ? 0x00 : 0xdd;
	o = 14;
	if (e->family == SL_AF_INET) {
		size_t tot = 20 + udp + inner_len;
		uint16_t c;

		memset(out + o, 0, 20);
		out[o] = 0x45;
		out[o + 2] = (uint8_t)(tot >> 8), out[o + 3] = (uint8_t)tot;
		out[o + 6] = 0x40; /* DF */
		out[o + 8] = 64;
		out[o + 9] = udp ? 17 : next;
		memcpy(out + o + 12, e->src.b, 4);
		memcpy(out + o + 16, e->dst.b, 4);
		c = pkt_csum(out + o, 20, 0);
		out[o + 10] = (uint8_t)(c >> 8), out[o + 11] = (uint8_t)c;
	} else {
		size_t pl = udp + inner_len;

		memset(out + o, 0, 40);
		out[o] = 0x60;
		out[o + 4] = (uint8_t)(pl >> 8), out[o + 5] = (uint8_t)pl;
		out[o + 6] = udp ? 17 : next;
		out[o + 7] = 64;
		memcpy(out + o + 8, e->src.b, 16);
		memcpy(out + o + 24, e->dst.b, 16);
	}
	o += ipl;
	if (udp) {
		size_t ul = 12 + inner_len;

		memcpy(out + o, &e->sport_be, 2);
		memcpy(out + o + 2, &e->gue_port_be, 2);
		out[o + 4] = (uint8_t)(ul >> 8), out[o + 5] = (uint8_t)ul;
		out[o + 6] = out[o + 7] = 0;
		out[o + 8] = 0;        /* GUE version 0, C 0, hlen 0 */
		out[o + 9] = next;     /* inner protocol */
		out[o + 10] = out[o + 11] = 0;
		o += 12;
	}
	memcpy(out + o, inner, inner_len);
	return o + inner_len;
}

static void
test_encap_byte_for_byte(void **state)
{
	static const char *const names[] = {"tcp4 syn", "tcp4 802.1Q", "tcp4 ip and tcp options",
					    "udp4", "tcp6", "tcp6 hop-by-hop, dstopts, routing"};
	size_t n = 0, i;
	int t, fam;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		size_t k;
		int wanted = 0;

		for (k = 0; k < SL_ARRAY_SIZE(names); k++)
			wanted |= !strcmp(fx->name, names[k]);
		if (!wanted)
			continue;
		for (t = SL_TUN_IPIP; t <= SL_TUN_GUE; t++) {
			for (fam = 0; fam < 2; fam++) {
				uint8_t buf[PB_MAX_LEN + 128], want[PB_MAX_LEN + 128], orig[PB_MAX_LEN];
				struct pkt_layout lay;
				struct sl_encap e;
				struct sl_pkt p, q;
				size_t len = pkt_build(&fx->spec, orig, sizeof(orig), &lay), wlen;
				uint32_t room;
				int start;

				memset(&e, 0, sizeof(e));
				e.family = fam ? SL_AF_INET6 : SL_AF_INET;
				e.tunnel = (uint8_t)t;
				addr_of(fam ? 6 : 4, fam ? "fd00:5::1" : "10.5.0.1", &e.src);
				addr_of(fam ? 6 : 4, fam ? "fd00:5::21" : "10.5.0.21", &e.dst);
				e.gue_port_be = htons(6080);
				e.sport_be = htons(0xc123);
				memcpy(e.dst_mac, "\x02\xbe\x00\x00\x00\x21", 6);
				memcpy(e.src_mac, "\x02\x51\x00\x00\x00\x01", 6);
				room = sl_encap_len(e.tunnel, e.family);
				assert_int_equal(room, (fam ? 40u : 20u) + (t == SL_TUN_GUE ? 12u : 0u));
				assert_int_equal(sl_parse(orig, orig + len, (uint32_t)len, &p), 0);
				memset(buf, 0xee, sizeof(buf));
				memcpy(buf + room, orig, len);
				start = sl_rw_encap(buf, buf + room + len, room, &p, &e);
				assert_int_equal(start, (int)(lay.l3 - 14));
				wlen = expect_tunnel(want, &e, orig + lay.l3, lay.ip_end - lay.l3);
				if (room + len - (size_t)start != wlen ||
				    memcmp(buf + start, want, wlen)) {
					fprintf(stderr, "%s, %s over IPv%d\n", fx->name,
						t == SL_TUN_GUE ? "gue" : "ipip", fam ? 6 : 4);
					pkt_hexdump("got", buf + start, room + len - (size_t)start);
					pkt_hexdump("want", want, wlen);
					fail();
				}
				/* and the result parses as the outer flow */
				assert_int_equal(sl_parse(buf + start, buf + room + len,
							  (uint32_t)wlen, &q), 0);
				assert_memory_equal(&q.key.dst, &e.dst, sizeof(e.dst));
				assert_int_equal(q.key.proto, t == SL_TUN_GUE ? SL_IPPROTO_UDP
							: fx->spec.family == 4 ? 4 : 41);
				n++;
			}
		}
	}
	print_message("%zu encapsulations compared byte for byte\n", n);
	assert_int_equal(n, SL_ARRAY_SIZE(names) * 4);
}

static void
test_encap_refuses(void **state)
{
	uint8_t buf[256];
	struct sl_encap e;
	struct sl_pkt p;
	size_t len = pkt_build(&parse_fixtures[0].spec, buf + 20, sizeof(buf) - 20, NULL);

	memset(&e, 0, sizeof(e));
	e.family = SL_AF_INET;
	assert_int_equal(sl_parse(buf + 20, buf + 20 + len, (uint32_t)len, &p), 0);
	/* wrong room, or a frame cut short */
	assert_int_equal(sl_rw_encap(buf + 8, buf + 20 + len, 12, &p, &e), -1);
	assert_int_equal(sl_rw_encap(buf, buf + 30, 20, &p, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_checksums),
		cmocka_unit_test(test_one_sum_equals_steps),
		cmocka_unit_test(test_nat_every_fixture),
		cmocka_unit_test(test_nat_udp_without_checksum),
		cmocka_unit_test(test_icmp_nat),
		cmocka_unit_test(test_dsr),
		cmocka_unit_test(test_encap_byte_for_byte),
		cmocka_unit_test(test_encap_refuses),
	};

	return cmocka_run_group_tests_name("rewrite", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_parse.c - the packet parser on the shared corpus: valid packets
 * give the right 5-tuple, offsets and flags; malformed ones the right drop
 * reason; every truncation at every byte gives a drop and reads nothing
 * past the end (each packet is parsed from a heap buffer of its exact
 * size, so ASan sees any overread); random corruption never crashes.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sluice/parse.h>

#include "fixtures.h"
#include "xorshift.h"

static const char *const reason_names[] = {
#define X(n, l) l,
	SL_DROP_REASONS(X)
#undef X
};

/* Parse `len` bytes from an exact-size heap copy. */
static int
parse_exact(const uint8_t *frame, size_t len, uint32_t wire_len, struct sl_pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, frame, len);
	rc = sl_parse(copy, copy + len, wire_len, p);
	free(copy);
	return rc;
}

static void
expect_rc(const char *what, size_t at, int got, int want, const uint8_t *f, size_t len)
{
	if (got != want) {
		fprintf(stderr, "%s (length %zu): got %s, want %s\n", what, at,
			got >= 0 && got < SL_DROP_MAX ? reason_names[got] : "?",
			want >= 0 && want < SL_DROP_MAX ? reason_names[want] : "?");
		pkt_hexdump("frame", f, len);
		fail();
	}
}

static void
addr_of(int family, const char *s, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, s, a->b), 1);
}

/* The 5-tuple a spec describes, as the parser must report it. */
static void
key_of(const struct pkt_spec *s, struct sl_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)s->family;
	k->proto = s->proto;
	addr_of(s->family, s->src, &k->src);
	addr_of(s->family, s->dst, &k->dst);
	if (s->frag_off)
		return;
	if (s->proto == SL_IPPROTO_TCP || s->proto == SL_IPPROTO_UDP) {
		k->sport_be = htons(s->sport);
		k->dport_be = htons(s->dport);
	} else if ((s->proto == SL_IPPROTO_ICMP && s->family == 4 &&
		    (s->icmp_type == 8 || s->icmp_type == 0)) ||
		   (s->proto == SL_IPPROTO_ICMPV6 && s->family == 6 &&
		    (s->icmp_type == 128 || s->icmp_type == 129))) {
		k->sport_be = htons(s->sport);
	}
}

static void
test_valid_fixtures(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		const struct pkt_spec *s = &fx->spec;
		struct pkt_layout lay;
		struct sl_pkt p;
		struct sl_flow_key want;
		size_t len = pkt_build(s, f, sizeof(f), &lay);
		int rc;

		assert_true(len > 0);
		rc = parse_exact(f, len, (uint32_t)len, &p);
		expect_rc(fx->name, len, rc, SL_DROP_NONE, f, len);
		if (p.flags != fx->flags) {
			fprintf(stderr, "%s: flags 0x%x, want 0x%x\n", fx->name, p.flags, fx->flags);
			fail();
		}
		assert_int_equal(p.l3_off, lay.l3);
		assert_int_equal(p.n_vlan, s->n_vlan);
		if (s->n_vlan)
			assert_int_equal(p.vlan_tci, s->vlan_tci[0]);
		if (!s->family) {
			assert_int_equal(p.key.family, SL_AF_NONE);
			assert_int_equal(p.eth_proto, s->ethertype);
			continue;
		}
		assert_int_equal(p.eth_proto, s->family == 4 ? SL_ETH_P_IP : SL_ETH_P_IPV6);
		assert_int_equal(p.l3_len, lay.ip_end - lay.l3);
		assert_int_equal(p.ttl, 64);
		key_of(s, &want);
		if (memcmp(&p.key, &want, sizeof(want))) {
			pkt_hexdump(fx->name, f, len);
			pkt_hexdump("key got", (const uint8_t *)&p.key, sizeof(p.key));
			pkt_hexdump("key want", (const uint8_t *)&want, sizeof(want));
			fail();
		}
		if (p.flags & SL_PKT_F_L4)
			assert_int_equal(p.l4_off, lay.l4);
		if (s->proto == SL_IPPROTO_TCP && (p.flags & SL_PKT_F_L4))
			assert_int_equal(p.tcp_flags, s->tcp_flags ? s->tcp_flags : SL_TCP_SYN);
		if (s->proto == SL_IPPROTO_ICMP || s->proto == SL_IPPROTO_ICMPV6) {
			if (p.flags & SL_PKT_F_L4) {
				assert_int_equal(p.icmp_type, s->icmp_type);
				assert_int_equal(p.icmp_code, s->icmp_code);
			}
		}
		if (fx->quoted) {
			key_of(s->quote, &want);
			if (fx->quoted == 2) {
				want.proto = s->quote->ext[0];
				want.sport_be = want.dport_be = 0;
			}
			if (memcmp(&p.inner, &want, sizeof(want))) {
				pkt_hexdump(fx->name, f, len);
				pkt_hexdump("inner got", (const uint8_t *)&p.inner, sizeof(p.inner));
				pkt_hexdump("inner want", (const uint8_t *)&want, sizeof(want));
				fail();
			}
		} else {
			struct sl_flow_key zero = {0};

			assert_memory_equal(&p.inner, &zero, sizeof(zero));
		}
	}
}

static void
test_bad_fixtures(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i;

	for (i = 0; i < n_bad_fixtures; i++) {
		const struct bad_fixture *b = &bad_fixtures[i];
		struct sl_pkt p;
		size_t len = bad_fixture_build(b, f, sizeof(f));

		assert_true(len > 0);
		expect_rc(b->name, len, parse_exact(f, len, (uint32_t)len, &p), b->expect, f, len);
	}
}

/* The region (mark index) that byte offset `at` falls in. */
static int
region(const struct pkt_layout *lay, size_t at)
{
	int m, r = 0;

	for (m = 0; m < lay->n_mark; m++)
		if (lay->mark[m] <= at)
			r = m;
	return r;
}

/* Cut the frame at every length: a frame shorter than its headers or than
 * its IP length says is dropped, with the reason of where it was cut. */
static void
test_truncated_frames(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i, cut, n = 0;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		struct pkt_layout lay;
		size_t len = pkt_build(&fx->spec, f, sizeof(f), &lay);

		for (cut = 0; cut < len; cut++) {
			struct sl_pkt p;
			int want, rc = parse_exact(f, cut, (uint32_t)cut, &p);

			if (cut < 14)
				want = SL_DROP_ETH_TRUNC;
			else if (cut < lay.l3)
				want = SL_DROP_VLAN_TRUNC;
			else if (!fx->spec.family || cut >= lay.ip_end)
				want = SL_DROP_NONE; /* not IP, or only padding cut */
			else
				want = fx->spec.family == 4 ? SL_DROP_IP4_TRUNC : SL_DROP_IP6_TRUNC;
			expect_rc(fx->name, cut, rc, want, f, cut);
			n++;
		}
	}
	print_message("%zu truncated frames checked\n", n);
}

/* Cut inside every header with the IP length made to agree: the reason is
 * the header that was cut (an L4 payload may be cut: still valid). */
static void
test_truncated_headers(void **state)
{
	uint8_t f[PB_MAX_LEN], g[PB_MAX_LEN];
	size_t i, cut, n = 0;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		struct pkt_layout lay;
		size_t len = pkt_build(&fx->spec, f, sizeof(f), &lay);

		assert_true(len > 0);
		if (!fx->spec.family)
			continue;
		for (cut = lay.l3 + (fx->spec.family == 4 ? 4 : 6); cut < lay.ip_end; cut++) {
			struct sl_pkt p;
			int rc, want = lay.mark_cut[region(&lay, cut)];
			char what[128];

			memcpy(g, f, cut);
			pkt_set_ip_end(g, &lay, fx->spec.family, cut);
			rc = parse_exact(g, cut, (uint32_t)cut, &p);
			snprintf(what, sizeof(what), "%s cut in %s", fx->name,
				 lay.mark_name[region(&lay, cut)]);
			/* IPv6: the payload length also covers extension headers
			 * cut before any L4 header: the same reason */
			expect_rc(what, cut, rc, want, g, cut);
			n++;
		}
	}
	print_message("%zu header cuts checked\n", n);
}

/* The frame holds the headers, the wire length is shorter: still dropped
 * (an engine passes the length of the whole packet as wire_len). */
static void
test_wire_len_shorter(void **state)
{
	uint8_t f[PB_MAX_LEN];
	struct pkt_layout lay;
	struct sl_pkt p;
	size_t len = pkt_build(&parse_fixtures[0].spec, f, sizeof(f), &lay);

	assert_int_equal(parse_exact(f, len, (uint32_t)len - 1, &p), SL_DROP_IP4_TRUNC);
	assert_int_equal(parse_exact(f, len, 10, &p), SL_DROP_ETH_TRUNC);
	/* and longer (a multi-segment mbuf's pkt_len) is fine */
	assert_int_equal(parse_exact(f, len, (uint32_t)len + 100, &p), SL_DROP_NONE);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
xorshift(void)
{
	return xorshift64(&rng);
}

/* Random corruption of valid packets: never a crash or an overread, and
 * whatever is accepted is self-consistent. */
static void
test_random_corruption(void **state)
{
	uint8_t f[PB_MAX_LEN], g[PB_MAX_LEN];
	size_t iter, counts[SL_DROP_MAX] = {0};

	for (iter = 0; iter < 300000; iter++) {
		const struct parse_fixture *fx = &parse_fixtures[xorshift() % n_parse_fixtures];
		struct pkt_layout lay;
		size_t len = pkt_build(&fx->spec, f, sizeof(f), &lay), cut;
		int flips = 1 + (int)(xorshift() % 4), k, rc;
		struct sl_pkt p;

		memcpy(g, f, len);
		for (k = 0; k < flips; k++)
			g[xorshift() % len] = (uint8_t)xorshift();
		cut = (xorshift() % 4) ? len : xorshift() % (len + 1);
		rc = parse_exact(g, cut, (uint32_t)cut, &p);
		assert_true(rc >= 0 && rc < SL_DROP_MAX);
		counts[rc]++;
		if (rc == SL_DROP_NONE) {
			assert_true(p.l3_off <= cut);
			if (p.flags & SL_PKT_F_L4)
				assert_true(p.l4_off < cut && p.l4_off > p.l3_off);
			if (p.key.family)
				assert_true(p.l3_off + (size_t)p.l3_len <= cut);
		}
	}
	for (size_t r = 0; r < SL_DROP_MAX; r++)
		if (counts[r])
			print_message("  %-28s %zu\n", reason_names[r], counts[r]);
}

/* sl_parse_fast() is sl_parse(): the same result and the same struct for
 * every fixture, every cut of it, and random corruptions of them. */
static void
same_both(const uint8_t *frame, size_t len, uint32_t wire_len, size_t *fast_n)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct sl_pkt a, b;
	int ra, rb;

	assert_non_null(copy);
	memcpy(copy, frame, len);
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	ra = sl_parse(copy, copy + len, wire_len, &a);
	rb = sl_parse_fast(copy, copy + len, wire_len, &b);
	free(copy);
	assert_int_equal(ra, rb);
	/* all of it, even on a drop (sl_parse clears it first) */
	assert_memory_equal(&a, &b, sizeof(a));
	*fast_n += ra == SL_DROP_NONE && a.key.family == SL_AF_INET && a.n_vlan == 0 &&
		   !(a.flags & (SL_PKT_F_FRAG | SL_PKT_F_IP4_OPTS)) &&
		   (a.key.proto == SL_IPPROTO_TCP || a.key.proto == SL_IPPROTO_UDP);
}

static void
test_fast_same(void **state)
{
	uint8_t f[PB_MAX_LEN], g[PB_MAX_LEN];
	size_t i, iter, cut, n = 0, fast_n = 0;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		struct pkt_layout lay;
		size_t len = pkt_build(&fx->spec, f, sizeof(f), &lay);

		for (cut = 0; cut <= len; cut++, n++) {
			same_both(f, cut, (uint32_t)cut, &fast_n);
			same_both(f, len, (uint32_t)cut, &fast_n);
			same_both(f, cut, (uint32_t)len + 7, &fast_n);
		}
	}
	for (iter = 0; iter < 300000; iter++, n++) {
		const struct parse_fixture *fx = &parse_fixtures[xorshift() % n_parse_fixtures];
		struct pkt_layout lay;
		size_t len = pkt_build(&fx->spec, f, sizeof(f), &lay);
		int flips = 1 + (int)(xorshift() % 3), k;

		memcpy(g, f, len);
		for (k = 0; k < flips; k++) {
			/* mostly in the Ethernet, IPv4 and L4 headers */
			size_t at = (xorshift() % 2) ? xorshift() % (len < 54 ? len : 54) : xorshift() % len;

			g[at] = (uint8_t)xorshift();
		}
		cut = (xorshift() % 4) ? len : xorshift() % (len + 1);
		same_both(g, cut, (uint32_t)((xorshift() % 8) ? cut : xorshift() % (len + 64)), &fast_n);
	}
	print_message("%zu frames, %zu of them the fast kind, parsed alike\n", n, fast_n);
	assert_true(fast_n > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_fixtures),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_truncated_frames),
		cmocka_unit_test(test_truncated_headers),
		cmocka_unit_test(test_wire_len_shorter),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_fast_same),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}

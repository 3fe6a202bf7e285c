/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl_build.c - firewall rules to bitmaps (see acl-t.h for the idea).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/acl.h>

#include "acl_build.h"

static void
bit_set(struct sl_acl_bits *b, uint32_t i)
{
	b->w[i / 64] |= 1ull << (i % 64);
}

/* Does prefix (qa, qlen) contain (pa, plen)? */
static int
contains(const struct sl_addr *qa, uint8_t qlen, const struct sl_addr *pa, uint8_t plen)
{
	uint32_t k;

	if (qlen > plen)
		return 0;
	for (k = 0; k < qlen; k++)
		if ((qa->b[k / 8] ^ pa->b[k / 8]) & (0x80 >> (k % 8)))
			return 0;
	return 1;
}

static int
applies(const struct sl_acl_rule_cfg *r, uint8_t family)
{
	return r->family == SL_AF_NONE || r->family == family;
}

/* The prefix a rule gives for a dimension: its own, or /0 for "any". */
static void
rule_pfx(const struct sl_acl_rule_cfg *r, int dst, struct sl_addr *a, uint8_t *len)
{
	const struct sl_prefix *p = dst ? &r->dst : &r->src;

	if (p->family == SL_AF_NONE) {
		memset(a, 0, sizeof(*a));
		*len = 0;
	} else {
		*a = p->a;
		*len = p->len;
	}
}

static int
build_trie(struct sl_acl_tables *t, int which, const struct sl_acl_rule_cfg *rules, uint32_t n)
{
	uint8_t family = which < SL_ACL_SRC6 ? SL_AF_INET : SL_AF_INET6;
	int dst = which == SL_ACL_DST4 || which == SL_ACL_DST6;
	struct sl_acl_pfx *p = calloc(n + 1, sizeof(*p));
	uint32_t np = 0, i, k;

	if (!p)
		return -1;
	np = 1; /* /0 always: addresses no rule names */
	for (i = 0; i < n; i++) {
		struct sl_addr a;
		uint8_t len;

		if (!applies(&rules[i], family))
			continue;
		rule_pfx(&rules[i], dst, &a, &len);
		for (k = 0; k < np; k++)
			if (p[k].len == len && !memcmp(&p[k].a, &a, sizeof(a)))
				break;
		if (k == np) {
			p[np].a = a;
			p[np].len = len;
			np++;
		}
	}
	for (k = 0; k < np; k++) {
		for (i = 0; i < n; i++) {
			struct sl_addr a;
			uint8_t len;

			if (!applies(&rules[i], family))
				continue;
			rule_pfx(&rules[i], dst, &a, &len);
			if (contains(&a, len, &p[k].a, p[k].len))
				bit_set(&p[k].bits, i);
		}
	}
	t->pfx[which] = p;
	t->n_pfx[which] = np;
	return 0;
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static int
build_ports(struct sl_acl_ports *ps, const struct sl_acl_rule_cfg *rules, uint32_t n, int dst)
{
	uint32_t i, k, m = 0;
	uint16_t *b = malloc((2 * n + 1) * sizeof(*b));

	if (!b)
		return -1;
	b[m++] = 0;
	for (i = 0; i < n; i++) {
		uint16_t lo = dst ? rules[i].dport_lo : rules[i].sport_lo;
		uint16_t hi = dst ? rules[i].dport_hi : rules[i].sport_hi;

		if (lo)
			b[m++] = lo;
		if (hi < 65535)
			b[m++] = (uint16_t)(hi + 1);
	}
	qsort(b, m, sizeof(*b), cmp_u16);
	for (i = 0, k = 0; i < m; i++)
		if (k == 0 || b[i] != b[k - 1])
			b[k++] = b[i];
	ps->n = k;
	memcpy(ps->bound, b, k * sizeof(*b));
	free(b);
	ps->bits = calloc(k, sizeof(*ps->bits));
	if (!ps->bits)
		return -1;
	/* an interval [bound[j], next) lies inside a range or outside it */
	for (k = 0; k < ps->n; k++) {
		uint16_t start = ps->bound[k];

		for (i = 0; i < n; i++) {
			uint16_t lo = dst ? rules[i].dport_lo : rules[i].sport_lo;
			uint16_t hi = dst ? rules[i].dport_hi : rules[i].sport_hi;

			if (start >= lo && start <= hi)
				bit_set(&ps->bits[k], i);
		}
	}
	return 0;
}

int
sl_acl_build(struct sl_acl_tables *t, const struct sl_acl_rule_cfg *rules, uint32_t n,
	     uint8_t deflt)
{
	uint32_t i, p;
	int w;

	if (n > SL_MAX_ACL_RULES)
		return -1;
	t->n_rules = n;
	t->n_words = (n + 63) / 64;
	t->deflt = deflt;
	for (i = 0; i < n; i++) {
		t->rule[i].action = rules[i].action;
		t->rule[i].ctr = (uint16_t)i;
		for (p = 0; p < 256; p++)
			if (rules[i].proto == SL_IPPROTO_ANY || rules[i].proto == p)
				bit_set(&t->proto[p], i);
	}
	for (w = 0; w < SL_ACL_TRIES; w++)
		if (build_trie(t, w, rules, n) < 0)
			return -1;
	if (build_ports(&t->sport, rules, n, 0) < 0 || build_ports(&t->dport, rules, n, 1) < 0)
		return -1;
	return 0;
}

void
sl_acl_free(struct sl_acl_tables *t)
{
	int w;

	for (w = 0; w < SL_ACL_TRIES; w++) {
		free(t->pfx[w]);
		t->pfx[w] = NULL;
	}
	free(t->sport.bits);
	free(t->dport.bits);
	t->sport.bits = t->dport.bits = NULL;
}

/* Longest prefix of the trie containing the address. */
static const struct sl_acl_bits *
lpm(const struct sl_acl_tables *t, int which, const struct sl_addr *a)
{
	const struct sl_acl_pfx *best = NULL;
	uint8_t full = which < SL_ACL_SRC6 ? 32 : 128;
	uint32_t k;

	for (k = 0; k < t->n_pfx[which]; k++) {
		const struct sl_acl_pfx *p = &t->pfx[which][k];

		if (contains(&p->a, p->len, a, full) && (!best || p->len > best->len))
			best = p;
	}
	return best ? &best->bits : NULL;
}

int
sl_acl_match(const struct sl_acl_tables *t, const struct sl_flow_key *k)
{
	int v6 = k->family == SL_AF_INET6;
	const struct sl_acl_bits *s, *d;

	if (!t->n_rules || (k->family != SL_AF_INET && !v6))
		return -1;
	s = lpm(t, v6 ? SL_ACL_SRC6 : SL_ACL_SRC4, &k->src);
	d = lpm(t, v6 ? SL_ACL_DST6 : SL_ACL_DST4, &k->dst);
	if (!s || !d)
		return -1;
	return sl_acl_first(s, d, &t->proto[k->proto],
			    &t->sport.bits[sl_acl_interval(t->sport.bound, t->sport.n, ntohs(k->sport_be))],
			    &t->dport.bits[sl_acl_interval(t->dport.bound, t->dport.n, ntohs(k->dport_be))],
			    t->n_words);
}

int
sl_acl_match_linear(const struct sl_acl_rule_cfg *rules, uint32_t n, const struct sl_flow_key *k)
{
	uint32_t i;
	uint16_t sp = ntohs(k->sport_be), dp = ntohs(k->dport_be);

	for (i = 0; i < n; i++) {
		const struct sl_acl_rule_cfg *r = &rules[i];
		uint8_t full = k->family == SL_AF_INET ? 32 : 128;

		if (!applies(r, k->family))
			continue;
		if (r->proto && r->proto != k->proto)
			continue;
		if (r->src.family && !contains(&r->src.a, r->src.len, &k->src, full))
			continue;
		if (r->dst.family && !contains(&r->dst.a, r->dst.len, &k->dst, full))
			continue;
		if (sp < r->sport_lo || sp > r->sport_hi || dp < r->dport_lo || dp > r->dport_hi)
			continue;
		return (int)i;
	}
	return -1;
}

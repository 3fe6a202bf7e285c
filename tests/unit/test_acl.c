/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_acl.c - the firewall's compiled tables against a plain walk over
 * the rules: the seed's firewall 1, then random rule sets of 1 to 4096
 * rules (mixed families, nested prefixes, protocols, port ranges) and
 * random packets drawn near the rules' own values so that they hit.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acl_build.h"
#include "config.h"
#include "xorshift.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t any_one_in = 4; /* how often a prefix is "any" */

static uint32_t
rnd(void)
{
	return (uint32_t)(xorshift64(&rng) >> 11);
}

static struct sl_flow_key
key4(const char *s, const char *d, uint8_t proto, uint16_t sp, uint16_t dp)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	inet_pton(AF_INET, s, k.src.b);
	inet_pton(AF_INET, d, k.dst.b);
	k.proto = proto;
	k.family = SL_AF_INET;
	k.sport_be = htons(sp);
	k.dport_be = htons(dp);
	return k;
}

static void
test_seed_firewall(void **state)
{
	struct sl_config c;
	struct sl_acl_tables *t = calloc(1, sizeof(*t));
	char err[256];
	static const char *const lines[] = {
		"add acl 10 allow proto tcp dst 198.51.100.10/32 dport 80",
		"add acl 20 allow proto tcp dst 198.51.100.10/32 dport 443",
		"add acl 5 deny src 203.0.113.0/24",
		"add acl 30 allow proto icmp",
		"set acl default deny",
	};
	struct sl_flow_key k;
	size_t i;

	sl_config_init(&c);
	for (i = 0; i < SL_ARRAY_SIZE(lines); i++)
		assert_int_equal(sl_config_exec(&c, lines[i], strlen(lines[i]), err, sizeof(err)), 0);
	assert_non_null(t);
	assert_int_equal(sl_acl_build(t, c.acl, c.n_acl, c.g.acl_default), 0);
	k = key4("192.0.2.1", "198.51.100.10", 6, 40000, 80);
	assert_int_equal(sl_acl_match(t, &k), 1);            /* rule 10 */
	k = key4("192.0.2.1", "198.51.100.10", 6, 40000, 443);
	assert_int_equal(sl_acl_match(t, &k), 2);            /* rule 20 */
	k = key4("192.0.2.1", "198.51.100.10", 6, 40000, 22);
	assert_int_equal(sl_acl_match(t, &k), -1);           /* default: deny */
	k = key4("203.0.113.9", "198.51.100.10", 6, 40000, 80);
	assert_int_equal(sl_acl_match(t, &k), 0);            /* rule 5 first */
	k = key4("192.0.2.1", "198.51.100.10", 17, 40000, 80);
	assert_int_equal(sl_acl_match(t, &k), -1);           /* udp: default */
	k = key4("192.0.2.1", "198.51.100.99", 1, 7, 0);
	assert_int_equal(sl_acl_match(t, &k), 3);            /* icmp anywhere */
	assert_int_equal(t->rule[0].action, SL_ACL_DENY);
	sl_acl_free(t);
	free(t);
	sl_config_free(&c);
}

static const char *const pool4[] = {"10.0.0.0", "10.1.0.0", "10.1.2.0", "10.1.2.3", "192.0.2.0",
				    "192.0.2.128", "198.51.100.10", "0.0.0.0"};
static const char *const pool6[] = {"2001:db8::", "2001:db8:1::", "2001:db8:1:2::1", "fd00::",
				    "::"};

static void
random_prefix(struct sl_prefix *p, uint8_t family)
{
	unsigned int max = family == SL_AF_INET ? 32 : 128, k;

	memset(p, 0, sizeof(*p));
	if (rnd() % any_one_in == 0)
		return; /* any */
	p->family = family;
	if (family == SL_AF_INET)
		inet_pton(AF_INET, pool4[rnd() % SL_ARRAY_SIZE(pool4)], p->a.b);
	else
		inet_pton(AF_INET6, pool6[rnd() % SL_ARRAY_SIZE(pool6)], p->a.b);
	p->len = (uint8_t)(rnd() % (max + 1));
	for (k = p->len; k < max; k++)
		p->a.b[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
}

static void
random_rule(struct sl_acl_rule_cfg *r, uint32_t prio)
{
	static const uint8_t protos[] = {0, 6, 17, 1, 58};
	uint8_t family = rnd() % (5 * any_one_in) == 0 ? SL_AF_NONE :
			 (rnd() % 3 ? SL_AF_INET : SL_AF_INET6);

	memset(r, 0, sizeof(*r));
	r->priority = prio;
	r->action = (uint8_t)(rnd() % 2);
	r->family = family;
	if (family) {
		random_prefix(&r->src, family);
		random_prefix(&r->dst, family);
		if (!r->src.family && !r->dst.family && rnd() % 2)
			r->family = family; /* family only: "any" of one family */
	}
	r->proto = protos[rnd() % SL_ARRAY_SIZE(protos)];
	r->sport_hi = r->dport_hi = 65535;
	if (r->proto == 6 || r->proto == 17) {
		if (rnd() % 3 == 0) {
			r->dport_lo = (uint16_t)(rnd() % 1200);
			r->dport_hi = (uint16_t)(r->dport_lo + rnd() % 50);
		}
		if (rnd() % 5 == 0) {
			r->sport_lo = (uint16_t)(1024 + rnd() % 60000);
			r->sport_hi = (uint16_t)(r->sport_lo + rnd() % 3000);
		}
	}
}

static void
random_key(struct sl_flow_key *k, const struct sl_acl_rule_cfg *rules, uint32_t n)
{
	static const uint8_t protos[] = {6, 17, 1, 58, 47};
	const struct sl_acl_rule_cfg *r = n ? &rules[rnd() % n] : NULL;
	uint8_t family = rnd() % 3 ? SL_AF_INET : SL_AF_INET6;
	int j;

	memset(k, 0, sizeof(*k));
	if (r && r->family)
		family = r->family;
	k->family = family;
	for (j = 0; j < (family == SL_AF_INET ? 4 : 16); j++) {
		k->src.b[j] = (uint8_t)rnd();
		k->dst.b[j] = (uint8_t)rnd();
	}
	/* near a rule's prefixes: copy most of it */
	if (r && r->src.family == family && rnd() % 4)
		for (j = 0; j < (int)(r->src.len / 8 + rnd() % 2) && j < 16; j++)
			k->src.b[j] = r->src.a.b[j];
	if (r && r->dst.family == family && rnd() % 4)
		for (j = 0; j < (int)(r->dst.len / 8 + rnd() % 2) && j < 16; j++)
			k->dst.b[j] = r->dst.a.b[j];
	k->proto = r && r->proto && rnd() % 3 ? r->proto : protos[rnd() % SL_ARRAY_SIZE(protos)];
	k->sport_be = htons((uint16_t)(r && rnd() % 2 ? r->sport_lo + rnd() % 4 : rnd()));
	k->dport_be = htons((uint16_t)(r && rnd() % 2 ? r->dport_lo + rnd() % 60 - 5 : rnd()));
}

static void
test_random_against_linear(void **state)
{
	static const uint32_t sizes[] = {1, 2, 10, 100, 1000, SL_MAX_ACL_RULES};
	size_t s;

	for (s = 0; s < SL_ARRAY_SIZE(sizes); s++) {
		uint32_t n = sizes[s], i, hits = 0, packets = n >= 1000 ? 20000 : 50000, deep = 0;
		struct sl_acl_rule_cfg *rules = calloc(n, sizeof(*rules));
		struct sl_acl_tables *t = calloc(1, sizeof(*t));

		assert_non_null(rules);
		assert_non_null(t);
		any_one_in = n >= 100 ? 60 : 4; /* big sets: few catch-alls */
		for (i = 0; i < n; i++)
			random_rule(&rules[i], i + 1);
		assert_int_equal(sl_acl_build(t, rules, n, SL_ACL_ALLOW), 0);
		for (i = 0; i < packets; i++) {
			struct sl_flow_key k;
			int a, b;

			random_key(&k, rules, n);
			a = sl_acl_match(t, &k);
			b = sl_acl_match_linear(rules, n, &k);
			if (a != b) {
				fprintf(stderr, "%u rules, packet %u: tables say %d, the walk %d\n", n, i,
					a, b);
				fail();
			}
			hits += b >= 0;
			deep += b >= (int)(n / 2);
		}
		print_message("%4u rules: %u packets agree (%u matched a rule, %u in the second "
			      "half), %u+%u+%u+%u prefixes, %u+%u port intervals\n", n, packets, hits, deep,
			      t->n_pfx[0], t->n_pfx[1], t->n_pfx[2], t->n_pfx[3], t->sport.n,
			      t->dport.n);
		assert_true(hits > packets / 20);
		sl_acl_free(t);
		free(t);
		free(rules);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_firewall),
		cmocka_unit_test(test_random_against_linear),
	};

	return cmocka_run_group_tests_name("acl", tests, NULL, NULL);
}

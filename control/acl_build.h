/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl_build.h - compile firewall rules into the bitmaps of sluice/acl-t.h,
 * and two matchers over them: the tables (as the engines match) and a
 * plain walk over the rules (the reference the tests hold them to).
 * Off the fast path; thread safe (no shared state).
 */
#ifndef SLUICE_ACL_BUILD_H
#define SLUICE_ACL_BUILD_H

#include <sluice/acl-t.h>
#include <sluice/config-t.h>
#include <sluice/flow-t.h>

enum { SL_ACL_SRC4 = 0, SL_ACL_DST4, SL_ACL_SRC6, SL_ACL_DST6, SL_ACL_TRIES };

struct sl_acl_pfx {
	struct sl_addr a;         /* network order, host bits zero */
	uint8_t len;
	struct sl_acl_bits bits;  /* rules whose prefix contains this one */
};

struct sl_acl_ports {
	uint32_t n;               /* intervals; bound[0] == 0 */
	uint16_t bound[SL_ACL_MAX_INTERVALS];
	struct sl_acl_bits *bits; /* n of them */
};

struct sl_acl_tables {
	uint32_t n_rules;
	uint32_t n_words;         /* (n_rules + 63) / 64 */
	uint8_t deflt;            /* enum sl_acl_action */
	struct sl_acl_rule rule[SL_MAX_ACL_RULES];
	uint32_t n_pfx[SL_ACL_TRIES];
	struct sl_acl_pfx *pfx[SL_ACL_TRIES];
	struct sl_acl_bits proto[256];
	struct sl_acl_ports sport, dport;
};

/* Compile n rules (sorted by priority) into *t, which the caller zeroed.
 * 0, or -1 when out of memory (then sl_acl_free(t) is still safe). */
int sl_acl_build(struct sl_acl_tables *t, const struct sl_acl_rule_cfg *rules, uint32_t n,
		 uint8_t deflt);
void sl_acl_free(struct sl_acl_tables *t);

/* The position of the rule that decides for this 5-tuple, or -1 for the
 * default. By the tables, and by walking the rules. */
int sl_acl_match(const struct sl_acl_tables *t, const struct sl_flow_key *k);
int sl_acl_match_linear(const struct sl_acl_rule_cfg *rules, uint32_t n,
			const struct sl_flow_key *k);

#endif

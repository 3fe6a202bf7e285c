/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl-t.h - the firewall's rules as engines match them. Types only.
 *
 * Rules are numbered by position in priority order (0 matches first). The
 * control plane (control/acl_build.c) compiles them, dimension by
 * dimension, into bitmaps of the rules that a value matches:
 *   source and destination address: for each prefix a rule names, the
 *     rules whose prefix contains it; an address's longest matching prefix
 *     (an LPM lookup) then gives exactly the rules matching the address;
 *   protocol: one bitmap per protocol number;
 *   source and destination port: the port space cut into intervals at the
 *     rules' range bounds, one bitmap per interval.
 * The rules a packet matches are the AND of its five bitmaps; the first set
 * bit is the winner. Cost: five lookups and n_rules/64 word ANDs.
 */
#ifndef SLUICE_ACL_T_H
#define SLUICE_ACL_T_H

#include "base-t.h"
#include "limits-t.h"

#define SL_ACL_WORDS ((SL_MAX_ACL_RULES + 63) / 64)
/* interval bounds of one port dimension: at most two per rule, plus 0 */
#define SL_ACL_MAX_INTERVALS (2 * SL_MAX_ACL_RULES + 1)

struct sl_acl_bits {
	uint64_t w[SL_ACL_WORDS];
};
SL_STATIC_ASSERT(sizeof(struct sl_acl_bits) == 512, "acl bitmap is 512 bytes");

/* What a rule does once it matched, by position. */
struct sl_acl_rule {
	uint8_t action;        /* enum sl_acl_action */
	uint8_t pad;
	uint16_t ctr;          /* index of its counters (stable across changes) */
};

#endif /* SLUICE_ACL_T_H */

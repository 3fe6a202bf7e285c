/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow-t.h - the flow key: an IPv4 or IPv6 5-tuple.
 *
 * Types only. The same 40 bytes are the key of the DPDK per-lcore flow table
 * and of the XDP per-CPU LRU map, and the input of flow hashing. Every byte
 * is defined (padding is zero), so keys compare and hash bytewise.
 */
#ifndef SLUICE_FLOW_T_H
#define SLUICE_FLOW_T_H

#include "base-t.h"

struct sl_flow_key {
	struct sl_addr src;  /* network order; IPv4 in src.w[0] */
	struct sl_addr dst;
	uint16_t sport_be;   /* TCP/UDP source port; ICMP echo: identifier */
	uint16_t dport_be;   /* TCP/UDP destination port; ICMP: 0 */
	uint8_t proto;       /* enum sl_ipproto */
	uint8_t family;      /* enum sl_family */
	uint16_t pad;        /* always 0 */
};
SL_STATIC_ASSERT(sizeof(struct sl_flow_key) == 40, "flow key is 40 bytes");
SL_STATIC_ASSERT(offsetof(struct sl_flow_key, sport_be) == 32, "flow key ports at 32");
SL_STATIC_ASSERT(offsetof(struct sl_flow_key, proto) == 36, "flow key proto at 36");

#endif /* SLUICE_FLOW_T_H */

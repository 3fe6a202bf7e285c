/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counters-t.h - what the engines count, and the layout in which they count
 * it. Types only.
 *
 * Both engines keep one copy of each counter block per core (DPDK: per
 * lcore; XDP: per-CPU maps) and only that core writes it, so no counter is
 * ever atomic. The control plane sums the copies when it reads. The layout
 * is the same in both engines so the control plane reads them the same way.
 */
#ifndef SLUICE_COUNTERS_T_H
#define SLUICE_COUNTERS_T_H

#include "base-t.h"

/*
 * Drop reasons. X(name, "metric label"). Order is ABI for the counter
 * arrays: append only, never reorder.
 */
#define SL_DROP_REASONS(X)                                       \
	X(NONE, "none")                                              \
	X(ETH_TRUNC, "eth_truncated")                                \
	X(VLAN_TRUNC, "vlan_truncated")                              \
	X(VLAN_DEPTH, "vlan_too_many_tags")                          \
	X(IP4_TRUNC, "ipv4_truncated")                               \
	X(IP4_VERSION, "ipv4_bad_version")                           \
	X(IP4_IHL, "ipv4_bad_header_length")                         \
	X(IP4_LEN, "ipv4_bad_total_length")                          \
	X(IP6_TRUNC, "ipv6_truncated")                               \
	X(IP6_VERSION, "ipv6_bad_version")                           \
	X(IP6_EXT_TRUNC, "ipv6_ext_truncated")                       \
	X(IP6_EXT_DEPTH, "ipv6_ext_too_many")                        \
	X(IP6_HBH_POS, "ipv6_hop_by_hop_misplaced")                  \
	X(TCP_TRUNC, "tcp_truncated")                                \
	X(TCP_DOFF, "tcp_bad_data_offset")                           \
	X(UDP_TRUNC, "udp_truncated")                                \
	X(UDP_LEN, "udp_bad_length")                                 \
	X(ICMP_TRUNC, "icmp_truncated")                              \
	X(ICMP_INNER_TRUNC, "icmp_inner_truncated")                  \
	X(ICMP_INNER_BAD, "icmp_inner_malformed")                    \
	X(ACL_DENY, "acl_deny")                                      \
	X(NO_BACKEND, "no_backend")                                  \
	X(TTL, "ttl_exceeded")                                       \
	X(FRAGMENT, "fragment")                                      \
	X(MTU, "too_big_after_encap")                                \
	X(TX_FULL, "tx_queue_full")                                  \
	X(NO_NEIGH, "no_neighbour")                                  \
	X(NAT_NO_PORT, "nat_no_free_port")                           \
	X(HANDOFF_FULL, "handoff_ring_full")

enum sl_drop_reason {
#define SL_X_ENUM(name, label) SL_DROP_##name,
	SL_DROP_REASONS(SL_X_ENUM)
#undef SL_X_ENUM
	SL_DROP_MAX
};

/* Room for growth without changing the counter block size. */
#define SL_DROP_SLOTS 48
SL_STATIC_ASSERT(SL_DROP_MAX <= SL_DROP_SLOTS, "grow SL_DROP_SLOTS");

/* Per core. Written by that core's worker only. dataplane: rw, control: ro. */
struct sl_core_counters {
	/* first cache line: touched for every packet */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t to_host_pkts;   /* ARP/ND, host traffic, unknown: to the kernel */
	uint64_t dropped_pkts;   /* sum of drops[] */
	uint64_t flow_hits;
	uint64_t flow_misses;
	/* second cache line: flow table events */
	uint64_t flow_new;
	uint64_t flow_expired;
	uint64_t flow_evicted;   /* table full: oldest evicted */
	uint64_t flow_rescheduled; /* backend gone: moved to a new one */
	uint64_t flow_reset;     /* backend gone, policy reset */
	uint64_t flows_active;   /* gauge: entries in this core's table */
	uint64_t busy_cycles;    /* DPDK: TSC cycles spent on received bursts (0 in XDP) */
	uint64_t handoff_pkts;   /* DPDK: NAT replies passed to the worker owning their flow
				  * (dataplane/handoff.c), counted by the worker that received
				  * them; 0 in XDP */
	/* drops by reason (enum sl_drop_reason) */
	uint64_t drops[SL_DROP_SLOTS];
} __attribute__((aligned(SL_CACHE_LINE)));
SL_STATIC_ASSERT(sizeof(struct sl_core_counters) == 16 * 8 + SL_DROP_SLOTS * 8,
		 "core counters layout");

/* Per service and per backend, per core. dataplane: rw, control: ro. */
struct sl_svc_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t no_backend; /* new flow arrived with no eligible backend */
};
SL_STATIC_ASSERT(sizeof(struct sl_svc_counters) == 32, "service counters layout");

struct sl_backend_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t rsvd;
};
SL_STATIC_ASSERT(sizeof(struct sl_backend_counters) == 32, "backend counters layout");

/* Per ACL rule, per core, indexed by the rule's slot in the compiled list. */
struct sl_acl_counters {
	uint64_t pkts;
	uint64_t bytes;
};
SL_STATIC_ASSERT(sizeof(struct sl_acl_counters) == 16, "acl counters layout");

#endif /* SLUICE_COUNTERS_T_H */

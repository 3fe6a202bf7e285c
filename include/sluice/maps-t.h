/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maps-t.h - the tables an engine reads on the fast path, in the layout the
 * control plane prepares them. Types only.
 *
 * These structs are the values of the XDP engine's BPF maps and the entries
 * of the DPDK engine's snapshot, so both engines read the same bytes. All
 * addresses and ports are in network order, as they appear in packets.
 * Ownership: control: writes whole snapshots; dataplane: ro.
 */
#ifndef SLUICE_MAPS_T_H
#define SLUICE_MAPS_T_H

#include "base-t.h"
#include "limits-t.h"

/* Forwarding modes (per service). */
enum sl_fwd_mode {
	SL_FWD_NAT = 0,    /* DNAT to backend, SNAT to a local address */
	SL_FWD_DSR = 1,    /* L2 rewrite; backends hold the VIP on loopback */
	SL_FWD_TUNNEL = 2, /* IP-in-IP or GUE encapsulation */
	SL_FWD_TLS = 3,    /* terminated by the TLS engine in user space */
	SL_FWD_MAX
};

enum sl_tunnel_type {
	SL_TUN_IPIP = 0, /* IPv4-in-IPv4 (proto 4) or IPv6-in-IPv6 (proto 41) */
	SL_TUN_GUE = 1,  /* GUE variant 0 over UDP */
	SL_TUN_MAX
};

enum sl_sched_kind {
	SL_SCHED_RR = 0,     /* round robin over ready, healthy backends */
	SL_SCHED_WRR = 1,    /* smooth weighted round robin */
	SL_SCHED_MAGLEV = 2, /* consistent hashing on the flow key */
	SL_SCHED_MAX
};

/* What a service does with new flows when no backend is eligible. */
enum sl_all_down {
	SL_ALL_DOWN_DROP = 0,      /* drop and count no_backend */
	SL_ALL_DOWN_KEEP_LAST = 1, /* keep using the last eligible set */
	SL_ALL_DOWN_MAX
};

/* Service lookup key: (VIP, port, protocol). */
struct sl_svc_key {
	struct sl_addr vip;
	uint16_t port_be;
	uint8_t proto;
	uint8_t family;
};
SL_STATIC_ASSERT(sizeof(struct sl_svc_key) == 20, "service key is 20 bytes");

#define SL_SVC_F_SNAT_SET 0x01 /* snat address given (nat mode) */

/* Service value. */
struct sl_svc {
	uint32_t id;          /* index into service counters and sched tables */
	uint8_t mode;         /* enum sl_fwd_mode */
	uint8_t sched;        /* enum sl_sched_kind */
	uint8_t tunnel;       /* enum sl_tunnel_type, mode tunnel only */
	uint8_t flags;        /* SL_SVC_F_* */
	struct sl_addr snat;  /* nat mode: source address toward backends */
	uint16_t gue_port_be; /* tunnel gue: destination UDP port */
	uint16_t pad;
	uint32_t gen;         /* config generation that built this */
};
SL_STATIC_ASSERT(sizeof(struct sl_svc) == 32, "service value is 32 bytes");

/* Backend value, indexed by global backend id (< SL_MAX_BACKENDS). */
#define SL_BE_F_ELIGIBLE 0x01 /* may get new flows (ready, healthy, weight > 0) */
#define SL_BE_F_ALIVE    0x02 /* keeps established flows (ready or drain, healthy) */
#define SL_BE_F_IN_SVC   0x04 /* configured and not in maintenance, healthy or not */
struct sl_backend {
	struct sl_addr addr;
	uint16_t port_be;
	uint8_t family;
	uint8_t flags;        /* SL_BE_F_* */
	uint8_t mac[6];       /* next hop's MAC, 0: not resolved (the engine asks) */
	uint16_t svc_id;
	uint32_t ifindex;     /* interface the next hop is behind, 0: not resolved */
};
SL_STATIC_ASSERT(sizeof(struct sl_backend) == 32, "backend value is 32 bytes");

/*
 * A scheduling table, prepared by the control plane for one service.
 *   rr, wrr: slot[cursor % size], the cursor advancing one per new flow;
 *            for wrr the slots hold the smooth weighted sequence.
 *   maglev:  slot[hash(flow) % size], size prime.
 * A slot holds a global backend id. size 0: no eligible backend.
 */
struct sl_sched_tbl {
	uint32_t size;
	uint32_t gen;
	uint16_t slot[SL_SCHED_TBL_MAX];
	uint16_t pad;
};
SL_STATIC_ASSERT(sizeof(struct sl_sched_tbl) % 4 == 0, "sched table is word-sized");

/* Per-flow state, the value of the flow tables. */
#define SL_FLOW_F_FIN_SEEN 0x01
#define SL_FLOW_F_RST_SEEN 0x02
struct sl_flow {
	uint64_t last_seen_ns; /* engine clock */
	uint16_t backend_id;
	uint16_t svc_id;
	uint16_t nat_port_be;  /* nat: the source port toward the backend */
	uint8_t flags;         /* SL_FLOW_F_* */
	uint8_t pad;
};
SL_STATIC_ASSERT(sizeof(struct sl_flow) == 16, "flow value is 16 bytes");

#endif /* SLUICE_MAPS_T_H */

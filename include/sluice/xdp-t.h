/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp-t.h - the maps of the XDP engine, as the BPF program and its loader
 * (bpf/xdp_engine.c) both see them. Types only.
 *
 * Every table the program reads for a packet comes in two slots; the
 * program reads `active` once per packet and uses that slot throughout, the
 * loader fills the other slot, flips `active` with one 4-byte write, and
 * waits for programs in flight before it touches the old slot again. So no
 * packet ever sees half a configuration.
 */
#ifndef SLUICE_XDP_T_H
#define SLUICE_XDP_T_H

#include "acl-t.h"
#include "base-t.h"
#include "counters-t.h"
#include "flow-t.h"
#include "limits-t.h"
#include "maps-t.h"

#define SL_XDP_SLOTS 2

enum sl_xdp_timeout {
	SL_XDP_TO_TCP = 0,
	SL_XDP_TO_TCP_FIN,
	SL_XDP_TO_UDP,
	SL_XDP_TO_OTHER,
	SL_XDP_TO_MAX
};

/* sl_globals[slot]: control: rw (inactive slot), dataplane: ro */
struct sl_xdp_globals {
	uint64_t timeout_ns[SL_XDP_TO_MAX];
	uint32_t gen;
	uint8_t acl_default;       /* enum sl_acl_action */
	uint8_t has_nat;           /* a nat service exists: look for NAT replies */
	uint8_t pad[2];
	struct sl_addr snat4;      /* nat source when a service names none */
	struct sl_addr snat6;
	struct sl_addr tun_src4;   /* outer source of tunnels */
	struct sl_addr tun_src6;
	uint32_t acl_words;        /* 0: no rule, the default decides */
	uint32_t acl_sport_n;      /* port intervals in use */
	uint32_t acl_dport_n;
	uint32_t mtu;              /* the interfaces' (smallest) MTU: tunnels stay within */
	uint32_t epoch;            /* one more at every apply, never 0: see sl_xdp_flow */
	uint32_t snat_bits;        /* SL_XDP_SNAT_BIT() of every address a nat service
				    * has sent from since the engine started: a packet
				    * whose destination's bit is clear is no NAT reply */
};
SL_STATIC_ASSERT(sizeof(struct sl_xdp_globals) == 128, "xdp globals layout");

/* ACL prefix tries: the slot is part of the key, ahead of the address, so
 * a prefix of length L is stored with prefixlen 32 + L. */
struct sl_xdp_lpm4 {
	uint32_t prefixlen;
	uint32_t slot;
	uint32_t addr;
};
struct sl_xdp_lpm6 {
	uint32_t prefixlen;
	uint32_t slot;
	uint8_t addr[16];
};

/* The bounds of one port dimension's intervals (sl_acl_interval). */
struct sl_xdp_bounds {
	uint16_t b[SL_ACL_MAX_INTERVALS];
	uint16_t pad;
};

#define SL_XDP_ACL_IDX(slot, pos)   ((slot) * SL_MAX_ACL_RULES + (pos))
#define SL_XDP_PROTO_IDX(slot, p)   ((slot) * 256 + (p))
#define SL_XDP_PORT_IDX(slot, i)    ((slot) * SL_ACL_MAX_INTERVALS + (i))
/* the default policy's counters sit after the rules' */
#define SL_XDP_ACL_CTR_DEFAULT      SL_MAX_ACL_RULES

/* sl_services key: a service of one slot. */
struct sl_xdp_svc_key {
	uint32_t slot;
	struct sl_svc_key k;
};
SL_STATIC_ASSERT(sizeof(struct sl_xdp_svc_key) == 24, "xdp service key layout");

/* sl_nat: the reply of a NAT flow (backend -> snat:port) to what it was. */
struct sl_xdp_nat {
	struct sl_addr client;     /* reply goes to client:client_port */
	struct sl_addr vip;        /* from vip:vip_port */
	uint16_t client_port_be;
	uint16_t vip_port_be;
	uint16_t svc_id;
	uint16_t backend_id;
	uint64_t last_seen_ns;
};
SL_STATIC_ASSERT(sizeof(struct sl_xdp_nat) == 48, "xdp nat entry layout");

/*
 * sl_flows value: the shared flow state and what the XDP program keeps to
 * skip work on the packets after a flow's first.
 *   epoch, acl_ctr: the firewall let this flow's 5-tuple in under the
 *     globals' epoch `epoch`, through the rule counted at acl_ctr. The
 *     firewall is a function of the 5-tuple and the rules alone, and every
 *     apply has a new epoch, so while the epoch holds the verdict and its
 *     counter are known without matching again.
 *   gue_sport_be: tunnel gue: the outer UDP source port (a hash of the
 *     key), 0 until first needed.
 *   nat_checked: nat: when the flow's reply entry was last looked at, in
 *     units of 2^30 ns (about a second), modulo 2^16: a known flow checks
 *     it (and puts it back if the LRU evicted it) once a unit, not once a
 *     packet; the replies themselves keep it recently used.
 * dataplane: rw (its own CPU's flows), control: ro.
 */
struct sl_xdp_flow {
	struct sl_flow f;
	uint32_t epoch;
	uint16_t acl_ctr;
	uint16_t gue_sport_be;
	uint16_t nat_checked;
	uint16_t pad[3];
};
SL_STATIC_ASSERT(sizeof(struct sl_xdp_flow) == 32, "xdp flow value layout");
#define SL_XDP_NAT_CHECK_SHIFT 30

/* sl_svc_ids value: a slot's service by id, for the packets of known flows
 * (whose key holds the VIP, port and protocol: `key` must equal them).
 * control: rw (inactive slot), dataplane: ro. */
struct sl_xdp_svc {
	struct sl_svc_key key;
	uint32_t live;             /* 0: no service has this id in this slot */
	struct sl_svc svc;
};
SL_STATIC_ASSERT(sizeof(struct sl_xdp_svc) == 56, "xdp service-by-id layout");

/* sl_backends value: a backend and, when the control plane resolved its
 * next hop on one of the engine's interfaces, that interface's MAC (the
 * frame's source toward the backend). control: rw (inactive slot),
 * dataplane: ro. */
struct sl_xdp_backend {
	struct sl_backend be;
	uint8_t src_mac[6];
	uint8_t hop_ok;            /* be.mac, be.ifindex and src_mac are the next hop */
	uint8_t pad;
};
SL_STATIC_ASSERT(sizeof(struct sl_xdp_backend) == 40, "xdp backend layout");

/* A packet's bit in sl_xdp_globals.snat_bits: a filter in front of the
 * NAT reply lookup (a clear bit: no reply entry has this destination, so
 * the lookup, a hash over the 40-byte key, would miss). A macro, for the
 * types-only header: the address's words folded and multiplied, the top 5
 * bits. */
#define SL_XDP_SNAT_BIT(a)                                                        \
	(1u << ((((a)->w[0] ^ (a)->w[1] ^ (a)->w[2] ^ (a)->w[3]) * 0x9e3779b1u) >> 27))

/* Index of a backend in sl_backends, and of a table in sl_sched. */
#define SL_XDP_BE_IDX(slot, id)   ((slot) * SL_MAX_BACKENDS + (id))
#define SL_XDP_TBL_IDX(slot, svc) ((slot) * SL_MAX_SERVICES + (svc))

#endif /* SLUICE_XDP_T_H */

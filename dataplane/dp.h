/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp.h - the DPDK engine's own structures, shared by its files only:
 * the engine's immutable view of a snapshot, the workers' state, ports.
 *
 * Ownership in one line each:
 *   struct dp_snap:   control: builds, publishes, frees after a grace
 *                     period; workers: ro.
 *   struct dp_worker: its lcore: rw (flow table, counters, cursors);
 *                     control: ro (counters, flow listing), racy by design.
 *   struct dp_engine: control: rw; workers: ro (ports, snap, stop, ho).
 */
#ifndef SLUICE_DP_H
#define SLUICE_DP_H

#include <stdint.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <sluice/config-t.h>
#include <sluice/counters-t.h>
#include <sluice/maps-t.h>

#include "flow_table.h"
#include "reply_table.h"

#define DP_BURST      32
#define DP_MAX_PORTS  16
#define DP_RX_DESC    1024
#define DP_TX_DESC    1024
#define DP_EXPIRE_SCAN 64     /* flow-table slots an expiry sweep looks at a time */
/* flows whose bucket and entry lines (128 bytes each) a core's L2 keeps:
 * below this many the worker does not prefetch them */
#define DP_FT_CACHED_FLOWS 4096

/* One service in the engine's view. */
struct dp_svc {
	struct sl_svc_key key;
	struct sl_svc svc;
	uint8_t all_down;
	struct sl_sched_tbl *tbl;     /* owned copy; slots up to tbl->size */
};

/*
 * A tunnel backend's outer headers, prepared at apply time (dp_snap.c) by
 * sl_rw_encap() itself for an inner packet of no length: Ethernet (to the
 * backend's next hop, source MAC zero: the port's goes in per packet), the
 * outer IP header, UDP and GUE. Per packet the worker copies them and sets
 * what depends on the packet: the lengths, the IPv4 checksum (from `csum`,
 * the sum of the header's other words) and the GUE source port.
 */
struct dp_tun_hdr {
	uint8_t b[72];                /* len bytes: 14 + 20 or 40 + 0 or 12 */
	uint8_t len;                  /* Ethernet + what sl_encap_len() says */
	uint8_t room;                 /* sl_encap_len() */
	uint8_t ip_len;               /* 20 or 40 */
	uint8_t gue;                  /* UDP + GUE bytes: 12, or 0 */
	uint32_t csum;                /* IPv4: sum of the 16-bit words but tot_len and check */
	uint32_t max_payload;         /* the largest inner IP packet + gue it can carry */
};

/* The engine's immutable copy of a snapshot. */
struct dp_snap {
	uint32_t gen;
	uint32_t acl_epoch;           /* flow entries' firewall verdicts: see sl_ft_entry */
	uint32_t flows_per_core;
	struct sl_ft_timeouts to;     /* ns */
	uint32_t n_svc;
	struct dp_svc *svc;
	uint8_t has_nat;              /* a nat service exists: look for NAT replies */
	uint32_t snat_mask;           /* the SNAT addresses (handoff.c), open addressing */
	struct dp_snat *snat;         /* NULL when there is no nat service */
	uint32_t ht_mask;             /* service lookup: open addressing, linear probe */
	int32_t *ht;                  /* index into svc, -1 when empty */
	int16_t svc_of_id[SL_MAX_SERVICES]; /* index into svc by service id, -1: none */
	uint32_t max_backend_id;
	struct sl_backend *backends;  /* max_backend_id entries, MACs filled in */
	/* tunnel services' backends: [2 * id + (inner family is IPv6)]; NULL
	 * when no service tunnels */
	struct dp_tun_hdr *tun;
	uint32_t n_acl;
	struct sl_acl_rule_cfg *acl;
	uint8_t acl_default;
	/* the firewall: rte_acl contexts per family (NULL: no rule of that
	 * family), built off the fast path, read-only to workers; a match's
	 * userdata is its position + 1 */
	struct rte_acl_ctx *acl4, *acl6;
	uint8_t acl_action[SL_MAX_ACL_RULES];  /* by position */
	uint16_t acl_ctr[SL_MAX_ACL_RULES];    /* counter index by position */
	/* addresses the engine answers ARP and neighbour solicitations for:
	 * VIPs, --local-ip, nat services' snat addresses (arp_nd.c) */
	uint32_t n_own4, n_own6;
	uint32_t *own4;               /* network order */
	struct sl_addr *own6;
};

/* What rte_acl classifies, network order (its rules are in host order). */
struct dp_acl_key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
};

struct dp_acl_key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport;
	uint16_t dport;
};

/* the default policy's counters follow the rules' */
#define DP_ACL_CTR_DEFAULT SL_MAX_ACL_RULES

struct dp_port {
	uint16_t port_id;
	uint16_t nq;                  /* queues configured: workers with idx < nq poll it */
	uint16_t mtu;
	uint8_t is_exception;         /* the kernel's way in and out (net_tap) */
	struct rte_ether_addr mac;
	/* control only: the link as last seen (dp_ports_poll) */
	int8_t link_up;               /* -1 before the first look */
	uint8_t full_duplex;
	uint32_t speed_mbps;
	uint64_t link_changes;
	char name[RTE_ETH_NAME_MAX_LEN];
};

struct dp_engine;
struct dp_handoff;
struct dp_snat;
struct sl_snapshot;

/* A worker's state: allocated on its socket, cache-line aligned. */
struct dp_worker {
	/* read-mostly */
	struct dp_engine *eng;
	unsigned int lcore_id;
	uint16_t idx;                 /* queue index and QSBR thread id */
	struct sl_ft *ft;             /* set by control before the first snapshot */
	struct sl_rt *rt;             /* nat reply cells (reply_table.h), with ft */
	/* counters: worker rw, control ro */
	struct sl_core_counters core;
	struct sl_svc_counters svc[SL_MAX_SERVICES];
	struct sl_backend_counters be[SL_MAX_BACKENDS];
	struct sl_acl_counters acl[SL_MAX_ACL_RULES + 1]; /* by counter index */
	/* worker only */
	uint32_t cursor[SL_MAX_SERVICES];
	uint64_t next_sweep_ns;       /* when the flow table's next expiry sweep is due */
	uint16_t ntx[DP_MAX_PORTS];
	struct rte_mbuf *tx[DP_MAX_PORTS][2 * DP_BURST];
} __rte_cache_aligned;

/* Engine options given after a second "--" (see engine_dpdk.h). */
struct dp_opts {
	int have_gw_mac;
	uint8_t gw_mac[6];
	struct sl_addr local4, local6; /* tunnel source and default NAT source */
	int have_local4, have_local6;
	/* set by the engine, not an option: an exception port exists, so the
	 * kernel resolves next hops (the daemon reads its neighbour table) and
	 * --gw-mac stands in for no backend */
	int kernel_neigh;
};

struct dp_engine {
	int eal_owned;                /* we ran rte_eal_init: we clean it up */
	struct dp_opts opt;
	struct rte_mempool *pool;
	uint16_t n_ports;
	struct dp_port port[DP_MAX_PORTS];
	int exc_port;                 /* index in port[], or -1 */
	uint16_t n_workers;
	struct dp_worker *w[SL_MAX_CORES];
	struct rte_rcu_qsbr *qsv;
	struct dp_handoff *ho;        /* NAT replies between workers (handoff.h); NULL: one worker */
	struct dp_snap *snap;         /* atomic; control: rw, workers: ro */
	volatile int stop;            /* control: rw, workers: ro */
	int launched;
	int polled;                   /* one worker, run by sl_dpdk_engine_poll's caller */
	uint32_t acl_ctr_prio[SL_MAX_ACL_RULES]; /* rule priority owning a counter, 0: free */
	uint32_t acl_epoch;           /* the last snapshot's (dp_snap.acl_epoch) */
	uint64_t tsc_mult;            /* ns = (tsc * tsc_mult) >> 32 */
};

static inline uint64_t
dp_now_ns(const struct dp_engine *e)
{
	return (uint64_t)(((unsigned __int128)rte_rdtsc() * e->tsc_mult) >> 32);
}

/* dp_snap.c */
/* Build the engine's view; acl_ctr gives each rule's counter index; prev
 * (the view it replaces, or NULL) lends its snat addresses. */
struct dp_snap *dp_snap_build(const struct sl_snapshot *s, const struct dp_opts *o,
			      const struct dp_snap *prev,
			      const uint16_t *acl_ctr, char *err, size_t errlen);
void dp_snap_free(struct dp_snap *s);
const struct dp_svc *dp_snap_lookup(const struct dp_snap *s, const struct sl_svc_key *k);
/* The service a flow key's destination (address, port, protocol) names. */
struct sl_flow_key;
const struct dp_svc *dp_snap_lookup_flow(const struct dp_snap *s, const struct sl_flow_key *fk);

/* port.c */
int dp_ports_setup(struct dp_engine *e, char *err, size_t errlen);
void dp_ports_close(struct dp_engine *e);
/* Look at every port's link; log and count a change. Control thread. */
void dp_ports_poll(struct dp_engine *e);
/* Every port's counters and link into out->port[]. Control thread. */
struct sl_stats;
void dp_ports_stats(struct dp_engine *e, struct sl_stats *out);

/* arp_nd.c: 1 when m (parsed into p) was an ARP request or neighbour
 * solicitation for an address the engine owns, now turned into the answer
 * from `mac` in place, to be sent back out its port. */
struct sl_pkt;
int dp_answer_neigh(const struct dp_snap *s, struct rte_mbuf *m, const struct sl_pkt *p,
		    const struct rte_ether_addr *mac);
int dp_owns4(const struct dp_snap *s, uint32_t a_be);
int dp_owns6(const struct dp_snap *s, const uint8_t *a);

/* worker.c */
int dp_worker_main(void *arg);
/* One pass of the worker's loop on the caller's thread (a polled engine:
 * sl_dpdk_engine_poll). */
void dp_worker_poll(struct dp_worker *w);
/* worker_nat.c: the flow table's `gone` hook (ctx: the worker): a nat
 * flow leaving takes its reply cells along. */
void dp_worker_nat_gone(void *ctx, const struct sl_ft_entry *x);

#endif /* SLUICE_DP_H */

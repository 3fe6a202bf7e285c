/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * handoff.h - NAT replies to the worker that owns their flow.
 *
 * A nat flow's forward packets reach one worker (RSS, or the device's own
 * queue choice), which keeps the flow in its own flow table and its reply
 * key in its own reply table. The backend's reply has other addresses and
 * ports, so RSS may deliver it to another worker's queue, where no table
 * knows it. Two
 * pieces put it back on the owner:
 *
 *  1. The owner is written in the reply itself: with n workers, worker i
 *     picks NAT source ports with port % n == i (dp_handoff_nat_port_be).
 *     With one worker the port is exactly sl_nat_port_be()'s, the XDP
 *     engine's choice (the differential test holds the engines to it).
 *  2. A worker that receives a packet which may be such a reply (TCP or
 *     UDP to a SNAT address of the snapshot, port in the NAT range), or an
 *     ICMP error quoting a packet from such an address and port (what a
 *     backend or a router on its side says about what sluice sent it),
 *     whose port names another worker puts the mbuf on that worker's hand-off
 *     ring (dp_handoff_steer). Each worker drains its own ring every loop
 *     iteration and handles what it finds as replies, transmitting on its
 *     own queue of the port the packet arrived on.
 *
 * Rings: one per worker, multi-producer (the other workers), single
 * consumer (its owner), DP_HANDOFF_RING mbufs, on the owner's socket,
 * made at engine start when there are two workers or more (e->ho is NULL
 * with one: then nothing here costs more than a NULL test).
 *
 * Counting: the receiving worker counts the packet in rx_pkts (and its
 * firewall rule) and in handoff_pkts; the owner counts what becomes of it
 * (tx, drop, to_host) but not a second rx. Summed over workers, rx =
 * tx + dropped + to_host still holds once the rings are empty. A full
 * ring drops the packet, counted as SL_DROP_HANDOFF_FULL by the receiver.
 *
 * Thread safety: dp_handoff_setup/free on the control thread with the
 * workers stopped; steer from any worker; dequeue by the ring's owner only.
 * Nothing on the fast path locks, allocates, logs or makes a system call.
 */
#ifndef SLUICE_DP_HANDOFF_H
#define SLUICE_DP_HANDOFF_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/rewrite.h>

#include "dp.h"

/* Mbufs one worker's ring holds: as many as an RX descriptor ring, so a
 * worker that falls behind by one NIC queue's worth loses nothing. */
#define DP_HANDOFF_RING 1024
/* The lowest port sl_nat_port_be() gives: below it nothing is a NAT reply. */
#define DP_HANDOFF_PORT_MIN 1024

/* A SNAT address of a snapshot (dp_snap.snat, open addressing). */
struct dp_snat {
	struct sl_addr addr;
	uint8_t family;               /* SL_AF_NONE: empty slot */
	uint8_t pad[3];
};

/* The engine's hand-off state. control: sets up and frees; workers: ro
 * (the rings themselves are rte_ring's business). */
struct dp_handoff {
	uint16_t n_workers;
	uint8_t port_idx[RTE_MAX_ETHPORTS]; /* DPDK port id -> index in e->port[] */
	struct rte_ring *ring[SL_MAX_CORES]; /* by worker index */
};

/* ---- control thread -------------------------------------------------------------- */

/* Make the rings when e has two workers or more (e->ho stays NULL with
 * one), after the ports are set up. -1 with a reason in err. */
int dp_handoff_setup(struct dp_engine *e, char *err, size_t errlen);
/* Free the rings and the mbufs left in them; the workers must be stopped
 * and the mbuf pool still there. */
void dp_handoff_free(struct dp_engine *e);
/* Fill d->snat/d->snat_mask from the snapshot's nat services (their snat
 * address, else --local-ip of the family) and, when it has nat services,
 * up to DP_SNAT_KEPT of the previous snapshot's (prev may be NULL): a
 * flow made under an older source keeps its replies. -1 when out of
 * memory. */
#define DP_SNAT_KEPT 64
int dp_handoff_snat_build(struct dp_snap *d, const struct dp_opts *o, const struct dp_snap *prev);

/* ---- fast path ------------------------------------------------------------------- */

/* nat's source port (network order) for try `try_no` of a flow whose
 * worker is `owner` of `n`: sl_nat_port_be()'s port moved up to the next
 * one with port % n == owner (down by n past 65535, still >= 1024).
 * n <= 1: sl_nat_port_be() itself. */
static inline uint16_t
dp_handoff_nat_port_be(uint32_t flow_hash, uint32_t try_no, uint16_t n, uint16_t owner)
{
	uint16_t be = sl_nat_port_be(flow_hash, try_no);
	uint32_t p;

	if (n <= 1)
		return be;
	p = rte_be_to_cpu_16(be);
	p += (owner + n - p % n) % n;
	if (p > 65535)
		p -= n;
	return rte_cpu_to_be_16((uint16_t)p);
}

/* The worker that owns a NAT source port. */
static inline uint16_t
dp_handoff_owner(uint16_t port_be, uint16_t n)
{
	return (uint16_t)(rte_be_to_cpu_16(port_be) % n);
}

/* Where an address starts its probe in dp_snap.snat. */
static inline uint32_t
dp_snat_hash(const struct sl_addr *a)
{
	uint32_t h = SL_HASH_SEED_FLOW;
	int k;

	for (k = 0; k < 4; k++)
		h = sl_hash_mix(h, a->w[k]);
	return sl_hash_final(h, sizeof(*a));
}

/* Is `a` a SNAT address of the snapshot: where NAT replies come to. */
static inline int
dp_handoff_is_snat(const struct dp_snap *s, const struct sl_addr *a, uint8_t family)
{
	uint32_t i, k;

	if (!s->snat)
		return 0;
	i = dp_snat_hash(a) & s->snat_mask;
	for (k = 0; k <= s->snat_mask; k++, i = (i + 1) & s->snat_mask) {
		const struct dp_snat *x = &s->snat[i];

		if (x->family == SL_AF_NONE)
			return 0;
		if (x->family == family && !memcmp(&x->addr, a, sizeof(*a)))
			return 1;
	}
	return 0;
}

/*
 * Called by worker w for a packet p (parsed, past the firewall, or an ICMP
 * error, which the firewall does not see) that came
 * in on e->port[port_idx]: if it may be a NAT reply whose flow another
 * worker owns, the mbuf goes to that worker's ring (counted in
 * handoff_pkts) or, the ring being full, is freed (counted as a drop).
 * 1: the mbuf is gone; 0: not another worker's, carry on with it here.
 * Not steered either: a packet whose owner has no queue on the port it
 * came in on (it could not transmit there). `to_snat`: the caller found
 * p to be TCP or UDP to a snat address, at a port of the NAT range (the
 * worker's nat_reply_candidate()), so that only its owner is left to ask.
 */
static __attribute__((noinline, unused)) int
dp_handoff_steer_ho(struct dp_worker *w, const struct dp_engine *e, const struct dp_snap *s,
		    struct rte_mbuf *m, const struct sl_pkt *p, uint16_t port_idx, int to_snat)
{
	const struct dp_handoff *ho = e->ho;
	const struct sl_flow_key *k = &p->key;
	struct sl_flow_key r;
	uint16_t owner;

	if (!to_snat) {
		if (!(p->flags & SL_PKT_F_L4))
			return 0;
		/* an ICMP error from a backend's side quotes a packet sluice
		 * sent the backend: the quote reversed is the reply's key,
		 * with its port */
		if ((p->flags & SL_PKT_F_ICMP_ERR)) {
			if (!sl_icmp_err_key(p, &r))
				return 0;
			k = &r;
		}
		if ((k->proto != SL_IPPROTO_TCP && k->proto != SL_IPPROTO_UDP) ||
		    rte_be_to_cpu_16(k->dport_be) < DP_HANDOFF_PORT_MIN)
			return 0;
	}
	owner = dp_handoff_owner(k->dport_be, ho->n_workers);
	if (owner == w->idx || owner >= e->port[port_idx].nq ||
	    (!to_snat && !dp_handoff_is_snat(s, &k->dst, k->family)))
		return 0;
	/* a snat address may be a VIP too (snat set to the VIP): its
	 * service's own packets stay where RSS put them */
	if (dp_snap_lookup_flow(s, k))
		return 0;
	/* the port it came in on, for the owner to answer through */
	m->port = e->port[port_idx].port_id;
	if (unlikely(rte_ring_mp_enqueue(ho->ring[owner], m) != 0)) {
		w->core.drops[SL_DROP_HANDOFF_FULL]++;
		w->core.dropped_pkts++;
		rte_pktmbuf_free(m);
		return 1;
	}
	w->core.handoff_pkts++;
	return 1;
}

static inline __attribute__((always_inline)) int
dp_handoff_steer(struct dp_worker *w, const struct dp_engine *e, const struct dp_snap *s,
		 struct rte_mbuf *m, const struct sl_pkt *p, uint16_t port_idx, int to_snat)
{
	/* one worker, or no nat service: nothing to steer (inline, per packet) */
	if (likely(!e->ho) || !s->has_nat)
		return 0;
	return dp_handoff_steer_ho(w, e, s, m, p, port_idx, to_snat);
}

/* Up to `max` mbufs other workers handed to worker `idx` (its own ring
 * only), with the index in e->port[] each came in on. */
static inline uint16_t
dp_handoff_dequeue(const struct dp_engine *e, uint16_t idx, struct rte_mbuf **m,
		   uint16_t *port_idx, uint16_t max)
{
	const struct dp_handoff *ho = e->ho;
	unsigned int n = rte_ring_sc_dequeue_burst(ho->ring[idx], (void **)m, max, NULL), k;

	for (k = 0; k < n; k++)
		port_idx[k] = ho->port_idx[m[k]->port];
	return (uint16_t)n;
}

#endif /* SLUICE_DP_HANDOFF_H */

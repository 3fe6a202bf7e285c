/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker_int.h - what the worker's files share (worker.c: the fast path;
 * worker_nat.c: nat's new flows, keys and replies; worker_icmp.c: ICMP
 * errors about flows). Not an interface: the engine's is dp.h.
 */
#ifndef SLUICE_DP_WORKER_INT_H
#define SLUICE_DP_WORKER_INT_H

#include <string.h>

#include <rte_mbuf.h>

#include <sluice/hash.h>
#include <sluice/parse.h>

#include "dp.h"

/* sl_flow_hash(), the same value, cheaper for IPv4 keys (the parser and
 * the NAT code leave their upper address words zero) */
static inline __rte_always_inline uint32_t
flow_hash(const struct sl_flow_key *k, uint32_t seed)
{
	return k->family == SL_AF_INET ? sl_flow_hash_v4(k, seed) : sl_flow_hash(k, seed);
}

static inline void
drop(struct dp_worker *w, struct rte_mbuf *m, int reason)
{
	if ((unsigned int)reason < SL_DROP_SLOTS)
		w->core.drops[reason]++;
	w->core.dropped_pkts++;
	rte_pktmbuf_free(m);
}

static inline void
tx_enqueue(struct dp_worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	/* one RX burst makes at most DP_BURST packets for one port, and the
	 * buffer is flushed after every burst: room is always there */
	w->tx[port_idx][w->ntx[port_idx]++] = m;
}

/* Traffic that is not for a service: to the kernel if there is a way in,
 * else dropped; counted as to_host either way. */
static inline void
to_host(struct dp_worker *w, const struct dp_engine *e, struct rte_mbuf *m)
{
	w->core.to_host_pkts++;
	if (e->exc_port >= 0 && w->idx < e->port[e->exc_port].nq)
		tx_enqueue(w, (uint16_t)e->exc_port, m);
	else
		rte_pktmbuf_free(m);
}

static inline const uint8_t *
next_hop_mac(const struct sl_backend *b)
{
	uint32_t a;
	uint16_t c;

	memcpy(&a, b->mac, 4);
	memcpy(&c, b->mac + 4, 2);
	return (a | c) ? b->mac : NULL;
}

/* nat: the source address of service v's flows toward their backends. */
static inline const struct sl_addr *
nat_snat(const struct dp_engine *e, const struct dp_svc *v, uint8_t family)
{
	if (v->svc.flags & SL_SVC_F_SNAT_SET)
		return &v->svc.snat;
	return family == SL_AF_INET ? &e->opt.local4 : &e->opt.local6;
}

/* nat: the key of the reply a backend sends to the flow (key fk)'s
 * snat:port. */
static inline void
nat_reply_key(struct sl_flow_key *rk, const struct sl_flow_key *fk, const struct sl_backend *be,
	      const struct sl_addr *snat, uint16_t port_be)
{
	memset(rk, 0, sizeof(*rk));
	rk->src = be->addr;
	rk->dst = *snat;
	rk->sport_be = be->port_be;
	rk->dport_be = port_be;
	rk->proto = fk->proto;
	rk->family = fk->family;
}

/* The service with id `id` in snapshot s, or NULL. */
static inline const struct dp_svc *
svc_of_id(const struct dp_snap *s, uint32_t id)
{
	int i = id < SL_MAX_SERVICES ? s->svc_of_id[id] : -1;

	return i >= 0 ? &s->svc[i] : NULL;
}

/* The backend flow x keeps, if it may still take x's packets for service
 * sid under snapshot s: the flow is that service's, and its backend is
 * alive and still the service's. -1 otherwise (x is to be rescheduled). */
static inline int
flow_backend(const struct dp_snap *s, const struct sl_ft_entry *x, uint32_t sid)
{
	uint32_t bid = x->flow.backend_id;

	if (x->flow.svc_id != sid || bid >= s->max_backend_id ||
	    !(s->backends[bid].flags & SL_BE_F_ALIVE) || s->backends[bid].svc_id != sid)
		return -1;
	return (int)bid;
}

/* nat: the client flow reply cell c stands for, if it is the flow whose
 * reply key is rk: alive in the table, a nat flow with rk's port, on
 * rk's backend, of rk's protocol (the snat address: by the hash, see
 * reply_table.h). NULL otherwise. */
static inline struct sl_ft_entry *
nat_cell_flow(const struct dp_worker *w, const struct dp_snap *s, const struct sl_rt_cell *c,
	      const struct sl_flow_key *rk)
{
	const struct sl_backend *be;
	struct sl_ft_entry *fe;

	if (c->slot1 - 1 >= w->ft->capacity)
		return NULL;
	fe = sl_ft_at(w->ft, c->slot1 - 1);
	if (!fe->used || fe->flow.nat_port_be != rk->dport_be || fe->key.proto != rk->proto ||
	    fe->key.family != rk->family || fe->flow.backend_id >= s->max_backend_id)
		return NULL;
	be = &s->backends[fe->flow.backend_id];
	if (be->port_be != rk->sport_be || memcmp(&be->addr, &rk->src, sizeof(rk->src)))
		return NULL;
	return fe;
}

/* nat: the reply cell of key rk (its sl_ft_hash() h) and, in *fe, its
 * flow; NULL when no flow of this worker has that reply key. */
static inline struct sl_rt_cell *
nat_reply_find(const struct dp_worker *w, const struct dp_snap *s, const struct sl_flow_key *rk,
	       uint32_t h, struct sl_ft_entry **fe)
{
	struct sl_rt_bucket *bk = sl_rt_bucket_of(w->rt, h);
	unsigned int m = sl_rt_match(bk, h);

	while (m) {
		struct sl_rt_cell *c = &bk->c[__builtin_ctz(m)];

		*fe = nat_cell_flow(w, s, c, rk);
		if (*fe)
			return c;
		m &= m - 1;
	}
	return NULL;
}

/* worker.c: tunnel, the long way (the outer headers built for this packet). */
void dp_tunnel_encap(struct dp_worker *w, const struct dp_engine *e, const struct dp_svc *v,
		     const struct sl_backend *be, struct rte_mbuf *m, const struct sl_pkt *p,
		     uint16_t sport_be, const uint8_t *dmac, uint16_t port_idx);

/* worker_nat.c */
int dp_nat_new(struct dp_worker *w, const struct dp_snap *s, struct sl_ft_entry *fe,
	       const struct sl_pkt *p, const struct sl_backend *be, const struct sl_addr *snat,
	       uint32_t h, const uint32_t *rh0);
void dp_nat_recheck(struct dp_worker *w, const struct dp_snap *s, struct sl_ft_entry *fe,
		    const struct sl_pkt *p, const struct sl_backend *be, const struct sl_addr *snat);
void dp_nat_reply(struct dp_worker *w, const struct dp_engine *e, struct rte_mbuf *m,
		  struct sl_pkt *p, struct sl_ft_entry *fe, uint16_t port_idx, uint64_t now);

/* worker_icmp.c */
int dp_icmp_error(struct dp_worker *w, const struct dp_engine *e, const struct dp_snap *s,
		  struct rte_mbuf *m, const struct sl_pkt *p, uint16_t port_idx, uint64_t now);

#endif /* SLUICE_DP_WORKER_INT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker_nat.c - the worker's nat beyond the fast path's lookups: a new
 * flow's source port and reply cell, a known flow's cell under a new
 * snapshot, the cells a flow frees as it goes, and the backend's replies
 * sent back to the client. The reply table itself: reply_table.h.
 */
#include <string.h>

#include <sluice/rewrite.h>

#include "handoff.h"
#include "worker_int.h"

/* nat: the reply key flow entry x has under snapshot s. 0, or -1: none
 * (no nat port, its service or backend gone). */
static int
nat_flow_reply_key(const struct dp_engine *e, const struct dp_snap *s,
		   const struct sl_ft_entry *x, struct sl_flow_key *rk)
{
	const struct dp_svc *v = svc_of_id(s, x->flow.svc_id);

	if (!x->flow.nat_port_be || !v || v->svc.mode != SL_FWD_NAT ||
	    x->flow.backend_id >= s->max_backend_id)
		return -1;
	nat_reply_key(rk, &x->key, &s->backends[x->flow.backend_id],
		      nat_snat(e, v, x->key.family), x->flow.nat_port_be);
	return 0;
}

void
dp_worker_nat_gone(void *ctx, const struct sl_ft_entry *x)
{
	struct dp_worker *w = ctx;
	uint32_t slot = sl_ft_index(w->ft, x);

	sl_rt_release(w->rt, x->flow.reply1, slot);
	sl_rt_release(w->rt, x->flow.reply1_old, slot);
}

/* nat: a cell of bucket bk for a new reply key, for the flow in slot
 * own1 - 1: a free one, else one whose flow is gone, or whose flow's key
 * under snapshot s is another (a late-reply cell of a flow whose key a
 * snapshot changed, one not claimed again yet, a flow whose service left
 * or is not nat now): that flow's reference to it then frees nothing
 * (sl_rt_release). Never one of the claiming flow's own cells. NULL: the
 * bucket is full of live cells. */
static struct sl_rt_cell *
nat_cell_room(struct dp_worker *w, const struct dp_snap *s, struct sl_rt_bucket *bk,
	      uint32_t own1)
{
	struct sl_flow_key rk;
	unsigned int i;

	for (i = 0; i < SL_RT_WAYS; i++)
		if (!bk->c[i].slot1)
			return &bk->c[i];
	for (i = 0; i < SL_RT_WAYS; i++) {
		struct sl_rt_cell *c = &bk->c[i];
		const struct sl_ft_entry *x = c->slot1 - 1 < w->ft->capacity
			? sl_ft_at(w->ft, c->slot1 - 1) : NULL;

		if (c->slot1 == own1)
			continue;
		if (!x || !x->used || nat_flow_reply_key(w->eng, s, x, &rk) < 0 ||
		    sl_ft_hash(&rk) != c->hash) {
			c->slot1 = 0;
			w->rt->count--;
			return c;
		}
	}
	return NULL;
}

/* nat: flow fe (slot fidx) takes reply key rk (hash h), if that key is
 * free: its cell (sl_rt_ref) when it is fe's now (or was already), 0 when
 * another flow holds it or its bucket is full. */
static uint32_t
nat_claim(struct dp_worker *w, const struct dp_snap *s, struct sl_ft_entry *fe, uint32_t fidx,
	  const struct sl_flow_key *rk, uint32_t h)
{
	struct sl_rt_bucket *bk = sl_rt_bucket_of(w->rt, h);
	struct sl_ft_entry *holder;
	struct sl_rt_cell *c;

	c = nat_reply_find(w, s, rk, h, &holder);
	if (c)
		return holder == fe ? sl_rt_ref(w->rt, c) : 0;
	c = nat_cell_room(w, s, bk, fidx + 1);
	if (!c)
		return 0;
	c->hash = h;
	c->slot1 = fidx + 1;
	c->acl_epoch = 0;
	c->acl_ctr = 0;
	w->rt->count++;
	return sl_rt_ref(w->rt, c);
}

/*
 * nat, a new flow: a source port from the flow's hash (as the XDP engine
 * picks it, a few tries past ports other clients hold; with several
 * workers, a port that names this one: see handoff.h), whose reply key
 * gets a cell in the reply table so that the backend's answer finds its
 * way back (dp_nat_reply()). h: the flow key's NAT port hash; rh0: the
 * table hash of the first try's reply key when the burst has it (the
 * backend guessed right: nat_new_guess() in worker.c), else NULL. 0, or
 * -1: no port.
 */
int
dp_nat_new(struct dp_worker *w, const struct dp_snap *s, struct sl_ft_entry *fe,
	   const struct sl_pkt *p, const struct sl_backend *be, const struct sl_addr *snat,
	   uint32_t h, const uint32_t *rh0)
{
	uint32_t fidx = sl_ft_index(w->ft, fe), rh;
	struct sl_flow_key rk;
	int i;

	nat_reply_key(&rk, &p->key, be, snat, 0);
	for (i = 0; i < SL_NAT_PORT_TRIES; i++) {
		rk.dport_be = dp_handoff_nat_port_be(h, (uint32_t)i, w->eng->n_workers, w->idx);
		rh = i == 0 && rh0 ? *rh0 : sl_ft_hash(&rk);
		/* (the port is the flow's before the claim: the claim
		 * checks cells against the flows they name) */
		fe->flow.nat_port_be = rk.dport_be;
		fe->flow.reply1 = nat_claim(w, s, fe, fidx, &rk, rh);
		if (fe->flow.reply1)
			return 0;
	}
	fe->flow.nat_port_be = 0;
	return -1;
}

/* nat, a known flow's first packet under a new snapshot: a cell for the
 * reply key this snapshot gives it (the service's source address or the
 * backend's address may have changed), unless it has one, or another
 * flow holds that key (then the backend's replies to the new key go to
 * the host). The cell of the key it had stays until the next change of
 * key (or until an insert needs it: nat_cell_room()): late replies to the
 * old source still reach the client. Between snapshots the cells need no
 * look: they go with their flow. */
void
dp_nat_recheck(struct dp_worker *w, const struct dp_snap *s, struct sl_ft_entry *fe,
	       const struct sl_pkt *p, const struct sl_backend *be, const struct sl_addr *snat)
{
	uint32_t slot = sl_ft_index(w->ft, fe), ref;
	struct sl_flow_key rk;

	nat_reply_key(&rk, &p->key, be, snat, fe->flow.nat_port_be);
	ref = nat_claim(w, s, fe, slot, &rk, sl_ft_hash(&rk));
	if (ref && ref != fe->flow.reply1) {
		/* the flow keeps its last two keys' cells */
		if (fe->flow.reply1_old != ref)
			sl_rt_release(w->rt, fe->flow.reply1_old, slot);
		fe->flow.reply1_old = fe->flow.reply1;
		fe->flow.reply1 = ref;
	}
}

/* A backend's reply to nat flow fe (nat_reply_find()): back to the
 * client, from the VIP, out the way it came, toward the gateway
 * (--gw-mac); the flow is seen (its reply cell needs no stamp: it goes
 * with the flow). */
void
dp_nat_reply(struct dp_worker *w, const struct dp_engine *e, struct rte_mbuf *m, struct sl_pkt *p,
	     struct sl_ft_entry *fe, uint16_t port_idx, uint64_t now)
{
	uint8_t *data;

	if (!e->opt.have_gw_mac) {
		drop(w, m, SL_DROP_NO_NEIGH);
		return;
	}
	data = rte_pktmbuf_mtod(m, uint8_t *);
	if (sl_rw_nat(data, data + m->data_len, p, &fe->key.dst, fe->key.dport_be, &fe->key.src,
		      fe->key.sport_be) ||
	    sl_rw_dsr(data, data + m->data_len, e->opt.gw_mac, e->port[port_idx].mac.addr_bytes)) {
		drop(w, m, SL_DROP_NAT_NO_PORT);
		return;
	}
	sl_ft_touch(w->ft, fe, now);
	tx_enqueue(w, port_idx, m);
}

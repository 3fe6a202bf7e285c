/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c - the per-lcore fast path: receive a burst, parse, find the
 * service, find or make the flow, rewrite, buffer for transmit, flush.
 * A nat flow's port and reply cell, and the backends' replies, are in
 * worker_nat.c; ICMP errors about flows in worker_icmp.c.
 *
 * Nothing here locks, allocates, logs or makes a system call. The snapshot
 * pointer is loaded once per loop iteration and the lcore reports a
 * quiescent state at the end of each one, which is what lets apply() free
 * the previous snapshot. The flow table and all counters belong to this
 * lcore alone.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/rewrite.h>
#include <sluice/sched.h>

#include "dp.h"
#include "handoff.h"
#include "worker_int.h"

static void
tx_flush(struct dp_worker *w, const struct dp_engine *e)
{
	uint16_t i, n, sent, k;

	for (i = 0; i < e->n_ports; i++) {
		uint64_t bytes = 0;

		n = w->ntx[i];
		if (!n)
			continue;
		for (k = 0; k < n; k++)
			bytes += w->tx[i][k]->pkt_len;
		sent = rte_eth_tx_burst(e->port[i].port_id, w->idx, w->tx[i], n);
		for (k = sent; k < n; k++) {
			bytes -= w->tx[i][k]->pkt_len;
			drop(w, w->tx[i][k], SL_DROP_TX_FULL);
		}
		w->ntx[i] = 0;
		if (i == e->exc_port) {
			/* to the kernel: counted as to_host already, once; what the
			 * tap would not take is a drop instead */
			w->core.to_host_pkts -= (uint64_t)(n - sent);
			continue;
		}
		w->core.tx_pkts += sent;
		w->core.tx_bytes += bytes;
	}
}

/* The last service a burst looked up: packets of a burst mostly go to one.
 * Its key is kept as the flow key's destination words (address, then port,
 * proto and family, which the flow key holds in that order at offset 16), so
 * that a packet is compared with three word compares and no key is built.
 * The service's packet and byte counts are kept here too and added to the
 * worker's counters when the burst moves on to another service or ends. */
struct svc_memo {
	uint64_t vip[2];
	uint32_t ppf;                 /* dport_be | proto << 16 | family << 24 */
	int valid;
	const struct dp_svc *v;
	uint32_t sid;
	uint64_t pkts, bytes;         /* of service sid, not yet in w->svc[] */
};

static inline void
svc_memo_flush(struct dp_worker *w, struct svc_memo *mo)
{
	if (mo->pkts) {
		w->svc[mo->sid].pkts += mo->pkts;
		w->svc[mo->sid].bytes += mo->bytes;
		mo->pkts = 0;
		mo->bytes = 0;
	}
}

/* A packet of service v (v->svc.id), `len` bytes, counted. */
static inline void
svc_memo_count(struct dp_worker *w, struct svc_memo *mo, uint32_t sid, uint32_t len)
{
	if (sl_unlikely(sid != mo->sid)) {
		svc_memo_flush(w, mo);
		mo->sid = sid;
	}
	mo->pkts++;
	mo->bytes += len;
}

static inline const struct dp_svc *
svc_lookup(const struct dp_snap *s, struct svc_memo *mo, const struct sl_flow_key *fk)
{
	uint64_t a0 = sl_ft_key_word(fk, 2), a1 = sl_ft_key_word(fk, 3);
	uint32_t ppf;

	SL_STATIC_ASSERT(offsetof(struct sl_flow_key, dst) == 16 &&
			 offsetof(struct sl_flow_key, dport_be) == 34 &&
			 offsetof(struct sl_flow_key, family) == 37, "flow key layout");
	memcpy(&ppf, &fk->dport_be, 4);
	if (sl_unlikely(!mo->valid || ((a0 ^ mo->vip[0]) | (a1 ^ mo->vip[1]) | (ppf ^ mo->ppf)))) {
		mo->vip[0] = a0;
		mo->vip[1] = a1;
		mo->ppf = ppf;
		mo->v = dp_snap_lookup_flow(s, fk);
		mo->valid = 1;
	}
	return mo->v;
}

/*
 * A received burst as its stages leave it, and what its packets share:
 * passed by one pointer and an index down the per-packet functions.
 *   fe[k]: the flow-table entry the burst's lookup found for packet k's
 *     key (NULL: none). An entry stands while the table's `removals`
 *     equals `ft_removals` (no earlier packet of the burst removed or
 *     evicted one); a miss too, unless an earlier packet inserted a key
 *     whose hash shares its top byte (`inserted`); otherwise, or without
 *     `hints`, the key is looked up again (burst_entry()).
 *   acl_rec[k]: the firewall's counter for packet k when the rules were
 *     matched for it (to be kept in its flow's entry), -1 when its verdict
 *     came from the entry (or it has none).
 *   nat_guess[k]: for a packet that may open a nat flow, the backend the
 *     scheduler is expected to pick (nat_new_guess), -1 otherwise; then
 *     nat_h[k] is its key's NAT port hash and nat_rh[k] the table hash of
 *     the reply key of its first port try with that backend (dp_nat_new()).
 *     For a nat flow's first packet under a new snapshot, nat_rh[k] is
 *     the hash of the reply key that snapshot gives it (nat_recheck_hash).
 *   reply[k]: 1 if packet k may be a backend's reply to a nat flow
 *     (nat_reply_candidate), 0 if not; 2 once the lookups found no flow
 *     of this worker with that reply key (another worker's flow's, for
 *     the hand-off; else a packet like any other). While it is 1, rc[k]
 *     is its cell (holding rslot[k]) and fe[k] the flow, which stand as
 *     fe[] does and while the cell holds that slot.
 */
struct burst {
	/* hash[k]: packet k's key's sl_ft_hash() */
	struct dp_worker *w;
	const struct dp_engine *e;
	const struct dp_snap *s;
	uint64_t now;
	uint16_t port_idx;
	uint8_t hints;
	uint32_t ft_changes, ft_removals;
	uint64_t inserted[4];         /* the burst's inserts so far: bit h >> 24 of their hash */
	struct svc_memo mo;
	struct rte_mbuf **m;
	uint32_t hash[DP_BURST];
	int32_t acl_rec[DP_BURST];
	int32_t nat_guess[DP_BURST];
	uint8_t reply[DP_BURST];
	struct sl_rt_cell *rc[DP_BURST];
	uint32_t rslot[DP_BURST];
	uint32_t nat_h[DP_BURST];
	uint32_t nat_rh[DP_BURST];
	struct sl_ft_entry *fe[DP_BURST];
	struct sl_pkt p[DP_BURST];
};

/* Packet k's entry looked up again (burst_entry). */
static __attribute__((noinline)) struct sl_ft_entry *
burst_lookup(struct burst *b, uint16_t k)
{
	return sl_ft_lookup(b->w->ft, &b->p[k].key, b->hash[k]);
}

/* Packet k's entry: what the burst's lookup found, if that still stands.
 * An entry found stands until a removal (inserts move no entry); a miss
 * stands until an insert of a key that may be packet k's (the same top
 * hash byte: a new flow's second packet in the burst finds its first's
 * entry). A nat reply candidate's key was not looked up (fe[k] is the
 * flow its cell named): it is here. */
static inline __attribute__((always_inline)) struct sl_ft_entry *
burst_entry(struct burst *b, uint16_t k)
{
	if (sl_likely(b->hints && b->reply[k] != 1 && b->w->ft->removals == b->ft_removals)) {
		struct sl_ft_entry *fe = b->fe[k];
		uint32_t h;

		if (sl_likely(fe != NULL))
			return fe;
		h = b->hash[k] >> 24;
		if (!(b->inserted[h >> 6] & (1ull << (h & 63))))
			return NULL;
	}
	return burst_lookup(b, k);
}

/* An insert with this hash, for burst_entry(). */
static inline void
burst_inserted(struct burst *b, uint32_t hash)
{
	b->inserted[hash >> 30] |= 1ull << ((hash >> 24) & 63);
}

/* Keep the firewall's verdict for packet k in its flow's entry. */
static inline void
burst_acl_keep(const struct burst *b, uint16_t k, struct sl_ft_entry *fe)
{
	if (b->acl_rec[k] >= 0) {
		fe->acl_epoch = b->s->acl_epoch;
		fe->acl_ctr = (uint16_t)b->acl_rec[k];
	}
}

/*
 * tunnel: the outer headers prepared for the backend (struct dp_tun_hdr),
 * copied in front of the packet's IP header with its lengths, checksum and
 * GUE source port set: the bytes sl_rw_encap() writes, with the same
 * checks, without building them. `data` is the frame once th->room bytes
 * were prepended. Returns what sl_rw_encap() returns.
 */
static inline int
tun_write(uint8_t *data, const uint8_t *end, const struct sl_pkt *p, const struct dp_tun_hdr *th,
	  uint16_t sport_be, const uint8_t *src_mac)
{
	uint32_t trim, payload = (uint32_t)p->l3_len + th->gue;
	uint8_t *cur, *ip;
	uint16_t len_be;

	if (p->n_vlan > SL_VLAN_MAX || p->l3_off != sizeof(struct sl_ethhdr) + 4u * p->n_vlan)
		return -1;
	trim = (uint32_t)p->n_vlan << 2;
	cur = data + trim;
	if (cur + th->len > end || payload > th->max_payload)
		return -1;
	/* 34 to 66 bytes, in fixed 32-byte copies (overlapping, same bytes) */
	memcpy(cur, th->b, 32);
	if (th->len > 64)
		memcpy(cur + 32, th->b + 32, 32);
	memcpy(cur + th->len - 32, th->b + th->len - 32, 32);
	memcpy(cur + 6, src_mac, 6);
	ip = cur + sizeof(struct sl_ethhdr);
	if (th->ip_len == sizeof(struct sl_ip4hdr)) {
		struct sl_ip4hdr *ip4 = (struct sl_ip4hdr *)ip;

		len_be = sl_htons((uint16_t)(payload + sizeof(*ip4)));
		ip4->tot_len_be = len_be;
		ip4->check = (uint16_t)~sl_csum_fold(th->csum + len_be);
	} else {
		((struct sl_ip6hdr *)ip)->payload_len_be = sl_htons((uint16_t)payload);
	}
	if (th->gue) {
		struct sl_udphdr *uh = (struct sl_udphdr *)(ip + th->ip_len);

		uh->sport_be = sport_be;
		uh->len_be = sl_htons((uint16_t)payload);
	}
	return (int)trim;
}

/* tunnel: once the outer headers are written (start: where the frame now
 * begins, as sl_rw_encap() returns it, < 0 if they did not fit), the frame
 * trimmed to its start; 1 if it fits the port's MTU. */
static inline int
tun_fits(struct rte_mbuf *m, int start, const struct dp_port *pt)
{
	if (start < 0)
		return 0;
	if (start)
		rte_pktmbuf_adj(m, (uint16_t)start);
	return m->pkt_len <= (uint32_t)pt->mtu + RTE_ETHER_HDR_LEN;
}

/* tunnel, the long way: the outer headers built for this packet, then
 * sent on (or dropped, counted). ICMP errors about a tunnel flow go this
 * way; flows' packets only for a backend without prepared headers. */
void
dp_tunnel_encap(struct dp_worker *w, const struct dp_engine *e, const struct dp_svc *v,
		const struct sl_backend *be, struct rte_mbuf *m, const struct sl_pkt *p,
		uint16_t sport_be, const uint8_t *dmac, uint16_t port_idx)
{
	struct sl_encap en;
	uint32_t room = sl_encap_len(v->svc.tunnel, be->family);
	uint8_t *data;
	int start;

	memset(&en, 0, sizeof(en));
	en.family = be->family;
	en.tunnel = v->svc.tunnel;
	en.dst = be->addr;
	en.src = be->family == SL_AF_INET ? e->opt.local4 : e->opt.local6;
	en.gue_port_be = v->svc.gue_port_be;
	en.sport_be = sport_be;
	memcpy(en.dst_mac, dmac, 6);
	memcpy(en.src_mac, e->port[port_idx].mac.addr_bytes, 6);
	if (m->nb_segs != 1 || !rte_pktmbuf_prepend(m, (uint16_t)room)) {
		drop(w, m, SL_DROP_MTU);
		return;
	}
	data = rte_pktmbuf_mtod(m, uint8_t *);
	start = sl_rw_encap(data, data + m->data_len, room, p, &en);
	if (!tun_fits(m, start, &e->port[port_idx])) {
		drop(w, m, SL_DROP_MTU);
		return;
	}
	tx_enqueue(w, port_idx, m);
}

/* Packet k, for service v: its flow, its backend, its rewrite. `fe` is
 * what the burst's lookup found for the packet's key (NULL: nothing). */
static inline __attribute__((always_inline)) void
forward(struct burst *b, const struct dp_svc *v, uint16_t k, struct sl_ft_entry *fe)
{
	struct dp_worker *w = b->w;
	const struct dp_engine *e = b->e;
	const struct dp_snap *s = b->s;
	struct rte_mbuf *m = b->m[k];
	struct sl_pkt *p = &b->p[k];
	uint32_t hash = b->hash[k];
	uint16_t port_idx = b->port_idx;
	uint64_t now = b->now;
	const struct sl_backend *be;
	uint32_t sid = v->svc.id, *stamp = NULL;
	int bid = -1, evicted;
	uint8_t *data;
	const uint8_t *dmac;

	if (fe) {
		stamp = sl_ft_stamp_of(w->ft, fe);
		if (sl_ft_idle_of_stamp(*stamp, now) > sl_ft_timeout_of(&s->to, fe) ||
		    sl_flow_reopened(p->key.proto, p->tcp_flags, fe->flow.flags)) {
			w->core.flow_expired++;
			sl_ft_remove(w->ft, fe);
			fe = NULL;
		} else if ((bid = flow_backend(s, fe, sid)) >= 0) {
			w->core.flow_hits++;
		} else {
			w->core.flow_rescheduled++;
		}
	}
	if (bid < 0) {
		w->core.flow_misses++;
		/* maglev: by the flow hash the XDP engine uses too (the table's
		 * hash, `hash`, is the table's own) */
		bid = sl_sched_pick(v->tbl, v->svc.sched,
				    v->svc.sched == SL_SCHED_MAGLEV ? flow_hash(&p->key, SL_HASH_SEED_FLOW) : 0,
				    &w->cursor[sid]);
		if (bid < 0 || (uint32_t)bid >= s->max_backend_id) {
			w->svc[sid].no_backend++;
			if (fe)
				sl_ft_remove(w->ft, fe);
			drop(w, m, SL_DROP_NO_BACKEND);
			return;
		}
		if (!fe) {
			fe = sl_ft_insert(w->ft, &p->key, hash, now, &evicted);
			burst_inserted(b, hash);
			w->core.flow_evicted += (uint64_t)evicted;
			burst_acl_keep(b, k, fe);
			stamp = sl_ft_stamp_of(w->ft, fe);
		} else if (fe->flow.nat_port_be) {
			dp_worker_nat_gone(w, fe); /* rescheduled: its old reply keys go */
		}
		fe->flow.backend_id = (uint16_t)bid;
		fe->flow.svc_id = (uint16_t)sid;
		fe->flow.flags = 0;
		fe->flow.nat_port_be = 0;
		fe->flow.reply1 = 0;
		fe->flow.reply1_old = 0;
		w->core.flow_new++;
		w->svc[sid].new_flows++;
		w->be[bid].new_flows++;
	}
	be = &s->backends[bid];
	if (sl_unlikely(p->tcp_flags & (SL_TCP_FIN | SL_TCP_RST)))
		fe->flow.flags |= (uint8_t)(((p->tcp_flags & SL_TCP_FIN) ? SL_FLOW_F_FIN_SEEN : 0) |
					    ((p->tcp_flags & SL_TCP_RST) ? SL_FLOW_F_RST_SEEN : 0));
	*stamp = sl_ft_stamp(now);

	svc_memo_count(w, &b->mo, sid, m->pkt_len);
	w->be[bid].pkts++;
	w->be[bid].bytes += m->pkt_len;

	dmac = next_hop_mac(be);
	if (!dmac) {
		drop(w, m, SL_DROP_NO_NEIGH);
		return;
	}
	data = rte_pktmbuf_mtod(m, uint8_t *);

	switch (v->svc.mode) {
	case SL_FWD_DSR:
		if (sl_rw_dsr(data, data + m->data_len, dmac, e->port[port_idx].mac.addr_bytes)) {
			drop(w, m, SL_DROP_ETH_TRUNC);
			return;
		}
		break;
	case SL_FWD_TUNNEL: {
		const struct dp_tun_hdr *th = &s->tun[2 * bid + (p->key.family != SL_AF_INET)];
		int start;

		/* the GUE source port: from the flow's key, computed once a flow */
		uint16_t *sport = sl_ft_tun_sport(w->ft, fe);

		if (!*sport)
			*sport = sl_htons((uint16_t)(0xc000 | (flow_hash(&p->key, 0) & 0x3fff)));
		if (sl_unlikely(!th->len)) {
			dp_tunnel_encap(w, e, v, be, m, p, *sport, dmac, port_idx);
			return;
		}
		if (m->nb_segs != 1 || !rte_pktmbuf_prepend(m, th->room)) {
			drop(w, m, SL_DROP_MTU);
			return;
		}
		data = rte_pktmbuf_mtod(m, uint8_t *);
		start = tun_write(data, data + m->data_len, p, th, *sport,
				  e->port[port_idx].mac.addr_bytes);
		if (!tun_fits(m, start, &e->port[port_idx])) {
			drop(w, m, SL_DROP_MTU);
			return;
		}
		break;
	}
	case SL_FWD_NAT: {
		/* DNAT to the backend, SNAT to the service's (or the engine's)
		 * local address and the flow's port (dp_nat_new, dp_nat_recheck) */
		struct sl_addr snat = *nat_snat(e, v, p->key.family);

		if (!fe->flow.nat_port_be) {
			int guess = b->nat_guess[k];
			uint32_t h = guess >= 0 ? b->nat_h[k] : flow_hash(&p->key, SL_NAT_HASH_SEED);

			if (dp_nat_new(w, s, fe, p, be, &snat, h, guess == bid ? &b->nat_rh[k] : NULL) < 0) {
				drop(w, m, SL_DROP_NAT_NO_PORT);
				return;
			}
		} else if (sl_unlikely(b->acl_rec[k] >= 0)) {
			/* the firewall matched it: its flow's first packet
			 * under this snapshot (acl_burst) */
			dp_nat_recheck(w, s, fe, p, be, &snat);
		}
		if (sl_rw_nat(data, data + m->data_len, p, &snat, fe->flow.nat_port_be, &be->addr,
			      be->port_be) ||
		    sl_rw_dsr(data, data + m->data_len, dmac, e->port[port_idx].mac.addr_bytes)) {
			drop(w, m, SL_DROP_NAT_NO_PORT);
			return;
		}
		break;
	}
	default:
		/* tls: the TLS engine's, in user space */
		to_host(w, e, m);
		return;
	}
	tx_enqueue(w, port_idx, m);
}

/* A parsed packet that goes on to the firewall and the services. */
static inline int
is_ip_for_us(const struct sl_pkt *p)
{
	return p->key.family != SL_AF_NONE && !(p->flags & (SL_PKT_F_FRAG_LATER | SL_PKT_F_ICMP_ERR));
}

/* A nat flow's first packet under a new snapshot (dp_nat_recheck()): the
 * table hash of the reply key that snapshot gives it, in nat_rh[k], for
 * acl_burst() to prefetch its bucket ahead of the act stage (the key
 * needs the service's source address and the backend: not known when the
 * burst's other prefetches go out). 1: there is one. */
static inline int
nat_recheck_hash(struct burst *b, uint16_t k, const struct sl_ft_entry *fe)
{
	const struct dp_snap *s = b->s;
	const struct sl_pkt *p = &b->p[k];
	const struct dp_svc *v = svc_lookup(s, &b->mo, &p->key);
	struct sl_flow_key rk;

	if (!v || v->svc.mode != SL_FWD_NAT || fe->flow.backend_id >= s->max_backend_id)
		return 0;
	nat_reply_key(&rk, &p->key, &s->backends[fe->flow.backend_id],
		      nat_snat(b->e, v, p->key.family), fe->flow.nat_port_be);
	b->nat_rh[k] = sl_ft_hash(&rk);
	return 1;
}

/* A packet that may open a nat flow: the hashes of its NAT port and of
 * the reply key its first port try will claim (dp_nat_new()), for
 * acl_burst() to prefetch that key's bucket ahead of the act stage. The
 * backend is the scheduler's guess: maglev's exactly, rr's and wrr's the
 * slot `*ahead` new flows past the cursor (every new nat flow of the
 * burst moves it on). A wrong guess costs a prefetch and a hash. 1: a
 * guess was made. */
static inline int
nat_new_guess(struct burst *b, uint16_t k, uint32_t *ahead)
{
	const struct dp_snap *s = b->s;
	const struct sl_pkt *p = &b->p[k];
	const struct dp_svc *v = svc_lookup(s, &b->mo, &p->key);
	const struct sl_sched_tbl *t;
	struct sl_flow_key rk;
	uint32_t idx;
	int bid;

	if (!v || v->svc.mode != SL_FWD_NAT || !(t = v->tbl) || !t->size || t->size > SL_SCHED_TBL_MAX)
		return 0;
	if (v->svc.sched == SL_SCHED_MAGLEV)
		idx = flow_hash(&p->key, SL_HASH_SEED_FLOW) % t->size;
	else
		idx = (b->w->cursor[v->svc.id] + (*ahead)++) % t->size;
	bid = t->slot[idx];
	if (bid < 0 || (uint32_t)bid >= s->max_backend_id)
		return 0;
	b->nat_h[k] = flow_hash(&p->key, SL_NAT_HASH_SEED);
	nat_reply_key(&rk, &p->key, &s->backends[bid], nat_snat(b->e, v, p->key.family),
		      dp_handoff_nat_port_be(b->nat_h[k], 0, b->e->n_workers, b->w->idx));
	b->nat_rh[k] = sl_ft_hash(&rk);
	b->nat_guess[k] = bid;
	return 1;
}

/* A packet that may be a backend's reply to a nat flow (reply[k]): TCP
 * or UDP to one of the snapshot's snat addresses, to a port of the NAT
 * range. Its key is then a reply key (reply_table.h). */
static inline int
nat_reply_candidate(const struct dp_snap *s, const struct sl_pkt *p)
{
	return s->has_nat && (p->flags & SL_PKT_F_L4) &&
	       (p->key.proto == SL_IPPROTO_TCP || p->key.proto == SL_IPPROTO_UDP) &&
	       rte_be_to_cpu_16(p->key.dport_be) >= DP_HANDOFF_PORT_MIN &&
	       dp_handoff_is_snat(s, &p->key.dst, p->key.family);
}

/* Once a nat reply's cell is near: the lines of the flow it names
 * (entry, and its bucket for the stamp), for the first cell whose hash
 * matches (nearly always the only one). */
static inline void
nat_reply_prefetch(const struct dp_worker *w, uint32_t h)
{
	const struct sl_rt_bucket *bk = sl_rt_bucket_of(w->rt, h);
	unsigned int m = sl_rt_match(bk, h);
	uint32_t slot;

	if (!m)
		return;
	slot = bk->c[__builtin_ctz(m)].slot1 - 1;
	if (slot < w->ft->capacity) {
		sl_ft_prefetch(sl_ft_at(w->ft, slot));
		sl_ft_prefetch(&w->ft->blk[slot / SL_FT_WAYS].b);
	}
}

/* The firewall rule a burst's packets went through last, and what it let
 * through since (most of a burst goes through one rule): added to the
 * worker's counters when the burst moves to another rule, or leaves. */
struct acl_memo {
	uint32_t ctr;
	uint32_t pkts;
	uint64_t bytes;
};

static inline void
acl_memo_flush(struct dp_worker *w, struct acl_memo *am)
{
	if (am->pkts) {
		w->acl[am->ctr].pkts += am->pkts;
		w->acl[am->ctr].bytes += am->bytes;
		am->pkts = 0;
		am->bytes = 0;
	}
}

static inline void
acl_memo_count(struct dp_worker *w, struct acl_memo *am, uint32_t ctr, uint32_t len)
{
	if (sl_unlikely(ctr != am->ctr)) {
		acl_memo_flush(w, am);
		am->ctr = ctr;
	}
	am->pkts++;
	am->bytes += len;
}

/*
 * The flow table and the firewall for a whole burst. Every packet that
 * reaches them (act[k] >= 0 on entry) has its key looked up; one whose
 * entry holds a verdict of this snapshot's rules (acl_epoch) is let in
 * again through the same rule without matching. The others are matched:
 * one rte_acl_classify() per family over those of that family (as rte_acl
 * is built to be used). Each packet's rule is counted; act[k] gets the
 * action.
 */
static void
acl_burst(struct burst *b, uint16_t n, int *act)
{
	struct dp_worker *w = b->w;
	const struct dp_snap *s = b->s;
	struct dp_acl_key4 k4[DP_BURST];
	struct dp_acl_key6 k6[DP_BURST];
	const uint8_t *d4[DP_BURST], *d6[DP_BURST];
	uint32_t r4[DP_BURST], r6[DP_BURST];
	uint16_t i4[DP_BURST], i6[DP_BURST], n4 = 0, n6 = 0, k;
	struct acl_memo am = {.ctr = DP_ACL_CTR_DEFAULT};
	uint32_t ahead = 0, rt_pf = 0; /* rt_pf: bit k, nat_rh[k] to prefetch */

	SL_STATIC_ASSERT(DP_BURST <= 32, "a burst's packets fit rt_pf's bits");

	for (k = 0; k < n; k++) {
		const struct sl_pkt *p = &b->p[k];
		struct sl_ft_entry *fe;
		struct sl_rt_cell *c;

		b->nat_guess[k] = -1;
		if (act[k] < 0)
			continue;
		b->acl_rec[k] = -1;
		if (b->reply[k] && (c = nat_reply_find(w, s, &p->key, b->hash[k], &fe))) {
			/* a nat flow's reply: its cell keeps the verdict for
			 * that direction, as an entry does for its own */
			b->fe[k] = fe;
			b->rc[k] = c;
			b->rslot[k] = c->slot1;
			if (c->acl_epoch == s->acl_epoch) {
				acl_memo_count(w, &am, c->acl_ctr, b->m[k]->pkt_len);
				continue;
			}
		} else {
			b->reply[k] <<= 1; /* 1 -> 2: no flow of this worker's */
			fe = b->fe[k] = sl_ft_lookup(w->ft, &p->key, b->hash[k]);
			if (fe && sl_unlikely(fe->acl_epoch != s->acl_epoch) && fe->flow.nat_port_be)
				rt_pf |= (uint32_t)nat_recheck_hash(b, k, fe) << k;
			else if (!fe && s->has_nat && nat_new_guess(b, k, &ahead))
				rt_pf |= 1u << k;
			if (fe && fe->acl_epoch == s->acl_epoch) {
				/* let in under these rules before: the same rule again */
				acl_memo_count(w, &am, fe->acl_ctr, b->m[k]->pkt_len);
				continue;
			}
		}
		act[k] = s->acl_default;
		if (p->key.family == SL_AF_INET && s->acl4) {
			struct dp_acl_key4 *x = &k4[n4];

			memset(x, 0, sizeof(*x));
			x->proto = p->key.proto;
			x->src = p->key.src.w[0];
			x->dst = p->key.dst.w[0];
			x->sport = p->key.sport_be;
			x->dport = p->key.dport_be;
			d4[n4] = (const uint8_t *)x;
			i4[n4++] = k;
		} else if (p->key.family == SL_AF_INET6 && s->acl6) {
			struct dp_acl_key6 *x = &k6[n6];

			memset(x, 0, sizeof(*x));
			x->proto = p->key.proto;
			memcpy(x->src, p->key.src.w, 16);
			memcpy(x->dst, p->key.dst.w, 16);
			x->sport = p->key.sport_be;
			x->dport = p->key.dport_be;
			d6[n6] = (const uint8_t *)x;
			i6[n6++] = k;
		} else {
			acl_memo_count(w, &am, DP_ACL_CTR_DEFAULT, b->m[k]->pkt_len);
			if (act[k] != SL_ACL_DENY)
				b->acl_rec[k] = DP_ACL_CTR_DEFAULT;
		}
	}
	b->ft_changes = w->ft->changes;
	b->ft_removals = w->ft->removals;
	memset(b->inserted, 0, sizeof(b->inserted));
	/* the reply cells the burst's nat flows will claim, in a loop of
	 * their own: issued from the loop above, between its lookups, these
	 * prefetches cost a nat SYN about 200 cycles more (perf/README.md) */
	while (rt_pf) {
		sl_rt_prefetch(w->rt, b->nat_rh[__builtin_ctz(rt_pf)]);
		rt_pf &= rt_pf - 1;
	}
	if (n4)
		rte_acl_classify(s->acl4, d4, r4, n4, 1);
	if (n6)
		rte_acl_classify(s->acl6, d6, r6, n6, 1);
	for (k = 0; k < n4 + n6; k++) {
		uint16_t idx = k < n4 ? i4[k] : i6[k - n4];
		uint32_t res = k < n4 ? r4[k] : r6[k - n4], ctr = DP_ACL_CTR_DEFAULT;

		if (res && res <= s->n_acl) {
			act[idx] = s->acl_action[res - 1];
			ctr = s->acl_ctr[res - 1];
		}
		acl_memo_count(w, &am, ctr, b->m[idx]->pkt_len);
		if (act[idx] != SL_ACL_DENY)
			b->acl_rec[idx] = (int32_t)ctr;
	}
	acl_memo_flush(w, &am);
}

/* Packet k, past the firewall: a reply of one of this worker's NAT flows,
 * a service's packet, or the host's. */
static inline __attribute__((always_inline)) void
dispatch_ip(struct burst *b, uint16_t k)
{
	struct sl_pkt *p = &b->p[k];
	struct rte_mbuf *m = b->m[k];
	const struct dp_svc *v;
	struct sl_ft_entry *fe;

	/* a nat flow's reply (what the burst found, unless an earlier packet
	 * of it removed a flow or reused the cell), keeping the firewall's
	 * verdict in its cell; else the packet's own flow */
	if (b->reply[k] == 1) {
		struct sl_rt_cell *c;

		if (b->hints && b->w->ft->changes == b->ft_changes &&
		    b->rc[k]->slot1 == b->rslot[k] && b->rc[k]->hash == b->hash[k]) {
			c = b->rc[k];
			fe = b->fe[k];
		} else {
			c = nat_reply_find(b->w, b->s, &p->key, b->hash[k], &fe);
		}

		if (c) {
			if (b->acl_rec[k] >= 0) {
				c->acl_epoch = b->s->acl_epoch;
				c->acl_ctr = (uint16_t)b->acl_rec[k];
			}
			dp_nat_reply(b->w, b->e, m, p, fe, b->port_idx, b->now);
			return;
		}
	}
	fe = burst_entry(b, k);
	if (fe)
		burst_acl_keep(b, k, fe);
	v = svc_lookup(b->s, &b->mo, &p->key);
	if (!v) {
		to_host(b->w, b->e, m);
		return;
	}
	forward(b, v, k, fe);
}

/* The same, or an ICMP error (which the firewall does not see): about one
 * of this worker's flows, or the host's. */
static void
dispatch(struct burst *b, uint16_t k)
{
	if (b->p[k].flags & SL_PKT_F_ICMP_ERR) {
		if (!dp_icmp_error(b->w, b->e, b->s, b->m[k], &b->p[k], b->port_idx, b->now))
			to_host(b->w, b->e, b->m[k]);
		return;
	}
	dispatch_ip(b, k);
}

/* Packet k of the burst, parsed (rc: the parser's verdict) and past the
 * firewall (act: its action, -1 when it does not reach it). */
static inline __attribute__((always_inline)) void
handle(struct burst *b, uint16_t k, int rc, int act)
{
	struct dp_worker *w = b->w;
	const struct dp_snap *s = b->s;
	struct rte_mbuf *m = b->m[k];
	struct sl_pkt *p = &b->p[k];

	if (sl_likely(act >= 0)) {
		/* parsed, an IP packet for a service or the host (not an ICMP
		 * error, not ND: see handle_burst), its key looked up */
		if (act == SL_ACL_DENY) {
			drop(w, m, SL_DROP_ACL_DENY);
			return;
		}
		/* hand-off: a NAT reply whose flow another worker owns goes to
		 * it (only a reply candidate none of ours has can be one) */
		if (b->reply[k] == 2 && dp_handoff_steer(w, b->e, s, m, p, b->port_idx, 1))
			return;
		dispatch_ip(b, k);
		return;
	}
	if (sl_unlikely(rc)) {
		drop(w, m, rc);
		return;
	}
	if (s && (p->flags & SL_PKT_F_ICMP_ERR)) {
		/* ICMP errors: not the firewall's (only those about a flow of
		 * ours go on, dp_icmp_error()); one from a backend's side may
		 * belong to another worker, as NAT replies do */
		if (!dp_handoff_steer(w, b->e, s, m, p, b->port_idx, 0))
			dispatch(b, k);
		return;
	}
	/* ARP and ND for our addresses answered here; the rest is the host's */
	if (s && dp_answer_neigh(s, m, p, &b->e->port[b->port_idx].mac))
		tx_enqueue(w, b->port_idx, m);
	else
		to_host(w, b->e, m);
}

/*
 * Hand-off: the NAT replies other workers received for this worker's
 * flows (handoff.h), a burst at a time, a few bursts at most per loop.
 * Already counted in rx and through the firewall where they came in; here
 * they go where dispatch() sends them, out of this worker's own queue.
 */
static void
handoff_rx(struct dp_worker *w, const struct dp_engine *e, const struct dp_snap *s, uint64_t now)
{
	struct rte_mbuf *m[DP_BURST];
	uint16_t port_idx[DP_BURST], n, k;
	struct burst b;
	uint64_t t0;
	int rounds = 4;

	b.w = w;
	b.e = e;
	b.s = s;
	b.now = now;
	b.hints = 0;
	b.m = m;
	memset(b.inserted, 0, sizeof(b.inserted));
	do {
		n = dp_handoff_dequeue(e, w->idx, m, port_idx, DP_BURST);
		if (!n)
			return;
		b.mo.valid = 0;
		b.mo.pkts = 0;
		b.mo.bytes = 0;
		t0 = rte_rdtsc();
		sl_ft_write_begin(w->ft);
		for (k = 0; k < n; k++) {
			struct sl_pkt *p = &b.p[k];

			b.port_idx = port_idx[k];
			b.acl_rec[k] = -1;
			b.nat_guess[k] = -1;
			if (sl_parse(rte_pktmbuf_mtod(m[k], const uint8_t *),
				     rte_pktmbuf_mtod(m[k], const uint8_t *) + m[k]->data_len,
				     m[k]->pkt_len, p) == 0) {
				b.hash[k] = sl_ft_hash(&p->key);
				b.reply[k] = (uint8_t)nat_reply_candidate(s, p);
				dispatch(&b, k);
			} else {
				to_host(w, e, m[k]); /* cannot be: it parsed where it came in */
			}
		}
		svc_memo_flush(w, &b.mo);
		w->core.flows_active = w->ft->count;
		sl_ft_write_end(w->ft);
		tx_flush(w, e);
		w->core.busy_cycles += rte_rdtsc() - t0;
	} while (n == DP_BURST && --rounds);
}

/*
 * A received burst, in stages so that memory latency overlaps across its
 * packets: prefetch the mbufs, then their frames; parse all, hashing each
 * flow key and prefetching its flow-table buckets; prefetch the entries
 * the buckets point at; look every key up, and take the firewall's
 * verdict from the entry when the entry has one of this snapshot's, else
 * classify (one call per family for the packets left); then act packet by
 * packet, in order (a lookup stands unless an earlier packet of the burst
 * changed the table: burst_entry()).
 */
static void
handle_burst(struct dp_worker *w, const struct dp_engine *e, const struct dp_snap *s,
	     struct rte_mbuf **m, uint16_t n, uint16_t port_idx, uint64_t now)
{
	struct burst b;
	int rc[DP_BURST], act[DP_BURST];
	uint64_t bytes = 0;
	uint16_t k;

	b.w = w;
	b.e = e;
	b.s = s;
	b.now = now;
	b.port_idx = port_idx;
	b.hints = s != NULL;
	b.m = m;
	b.mo.valid = 0;
	b.mo.pkts = 0;
	b.mo.bytes = 0;
	for (k = 0; k < n; k++)
		rte_prefetch0(m[k]);
	for (k = 0; k < n; k++)
		rte_prefetch0(rte_pktmbuf_mtod(m[k], void *));
	/* the firewall's and the flow table's packets (none before the
	 * first snapshot): act[k] >= 0, their keys hashed */
	for (k = 0; k < n; k++) {
		bytes += m[k]->pkt_len;
		rc[k] = sl_parse_fast(rte_pktmbuf_mtod(m[k], const uint8_t *),
				      rte_pktmbuf_mtod(m[k], const uint8_t *) + m[k]->data_len,
				      m[k]->pkt_len, &b.p[k]);
		act[k] = -1;
		b.reply[k] = 0;
		if (s && !rc[k] && is_ip_for_us(&b.p[k]) && !sl_pkt_is_nd(&b.p[k])) {
			act[k] = SL_ACL_ALLOW;
			b.hash[k] = sl_ft_hash(&b.p[k].key);
			b.reply[k] = (uint8_t)nat_reply_candidate(s, &b.p[k]);
		}
	}
	if (s) {
		/* the buckets and entries are prefetched once the flows are
		 * more than the caches keep (below, they stay near: prefetching
		 * is work for nothing), the second buckets too once the table
		 * is half full (see sl_ft_prefetch_bucket); in loops of their
		 * own: issued from the parse loop, which waits for packet data,
		 * they cost ten times as much (perf/README.md) */
		int pf = w->ft->count > DP_FT_CACHED_FLOWS;
		int both = w->ft->count > w->ft->capacity / 2;

		if (pf) {
			/* (a nat reply's reply cell, then its flow's lines) */
			for (k = 0; k < n; k++) {
				if (act[k] < 0)
					continue;
				if (b.reply[k])
					sl_rt_prefetch(w->rt, b.hash[k]);
				else
					sl_ft_prefetch_bucket(w->ft, b.hash[k], both);
			}
			for (k = 0; k < n; k++) {
				if (act[k] < 0)
					continue;
				if (b.reply[k])
					nat_reply_prefetch(w, b.hash[k]);
				else
					sl_ft_prefetch_entry(w->ft, b.hash[k], both);
			}
		}
		acl_burst(&b, n, act);
	}
	w->core.rx_pkts += n;
	w->core.rx_bytes += bytes;
	for (k = 0; k < n; k++)
		handle(&b, k, rc[k], act[k]);
	svc_memo_flush(w, &b.mo);
}

/* One pass of a worker's loop: every port's queue once, the replies
 * handed over, the expiry sweep when it is due. */
static inline __attribute__((always_inline)) void
worker_pass(struct dp_worker *w, struct dp_engine *e)
{
	const struct dp_snap *s = __atomic_load_n(&e->snap, __ATOMIC_ACQUIRE);
	uint64_t now = dp_now_ns(e);
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t i, n, k;

	for (i = 0; i < e->n_ports; i++) {
		const struct dp_port *pt = &e->port[i];
		uint64_t t0;

		if (w->idx >= pt->nq)
			continue;
		t0 = rte_rdtsc();
		n = rte_eth_rx_burst(pt->port_id, w->idx, pkts, DP_BURST);
		if (!n)
			continue;
		if (s && w->ft)
			sl_ft_write_begin(w->ft);
		if (pt->is_exception) {
			/* from the kernel: out of the first port */
			for (k = 0; k < n; k++) {
				w->core.rx_pkts++;
				w->core.rx_bytes += pkts[k]->pkt_len;
				if (e->port[0].nq > w->idx)
					tx_enqueue(w, 0, pkts[k]);
				else	/* the NIC has no queue for this worker */
					drop(w, pkts[k], SL_DROP_TX_FULL);
			}
		} else {
			handle_burst(w, e, s && w->ft ? s : NULL, pkts, n, i, now);
			tx_flush(w, e);
			w->core.busy_cycles += rte_rdtsc() - t0;
		}
		if (s && w->ft) {
			w->core.flows_active = w->ft->count;
			sl_ft_write_end(w->ft);
		}
		tx_flush(w, e);
	}
	/* hand-off: replies other workers received for this one's flows */
	if (e->ho && s && w->ft)
		handoff_rx(w, e, s, now);
	/* expiry: DP_EXPIRE_SCAN slots at a time, paced so that a whole
	 * pass over the table takes half the shortest timeout */
	if (s && w->ft && now >= w->next_sweep_ns) {
		uint32_t gone;

		sl_ft_write_begin(w->ft);
		gone = sl_ft_expire(w->ft, &s->to, now, DP_EXPIRE_SCAN);
		sl_ft_write_end(w->ft);
		w->core.flow_expired += gone;
		w->core.flows_active = w->ft->count;
		w->next_sweep_ns = now + s->to.min / 2 / (w->ft->capacity / DP_EXPIRE_SCAN + 1);
	}
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_engine *e = w->eng;

	rte_rcu_qsbr_thread_online(e->qsv, w->idx);
	while (!__atomic_load_n(&e->stop, __ATOMIC_RELAXED)) {
		worker_pass(w, e);
		rte_rcu_qsbr_quiescent(e->qsv, w->idx);
	}
	rte_rcu_qsbr_thread_offline(e->qsv, w->idx);
	return 0;
}

void
dp_worker_poll(struct dp_worker *w)
{
	/* offline between calls: a snapshot swap by the same thread does not
	 * wait for this one */
	rte_rcu_qsbr_thread_online(w->eng->qsv, w->idx);
	worker_pass(w, w->eng);
	rte_rcu_qsbr_thread_offline(w->eng->qsv, w->idx);
}

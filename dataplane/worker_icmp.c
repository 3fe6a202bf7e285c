/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker_icmp.c - ICMP errors about the worker's flows, sent on as the
 * flows' packets go (the firewall does not see them).
 */
#include <string.h>

#include <sluice/rewrite.h>

#include "handoff.h"
#include "worker_int.h"

/*
 * An ICMP error about one of this worker's flows, sent on as the flow's
 * packets go; the same choices and bytes as the XDP engine's
 * sl_xdp_icmp_err() (bpf/sluice.bpf.c). The quote reversed
 * (sl_icmp_err_key) is looked up once:
 *  1. a NAT reply key (the quote reversed is one when its destination is
 *     a snat address) whose client flow is alive (not idle too long,
 *     still on the backend and NAT port the quote names): the error is
 *     about what sluice sent that backend; on to the client, toward the
 *     gateway as dp_nat_reply() sends, about the client's own packet to the
 *     VIP, from the VIP when the backend itself sent it;
 *  2. a client's flow whose backend is alive (the checks of a flow hit):
 *     the error is about what was sent to the client; nat: to the backend
 *     from the snat address, about the backend's packet to snat:port;
 *     dsr: to the backend as it is; tunnel: encapsulated to it.
 * Nothing is made or refreshed in the flow table, and only the core
 * counters count it (sent, or dropped). 1: the mbuf is gone (queued or
 * dropped); 0: not about a flow of ours, the host's as before.
 *
 * With several workers: an error from a backend's side quotes the NAT
 * port, so dp_handoff_steer() brings it to the worker that owns the flow,
 * as it does the replies. An error from a client's side has nothing that
 * names the worker, and RSS hashes it on its own addresses, not the
 * flow's: it is found only when it reaches the flow's own worker, and goes
 * to the host elsewhere.
 */
int
dp_icmp_error(struct dp_worker *w, const struct dp_engine *e, const struct dp_snap *s,
	      struct rte_mbuf *m, const struct sl_pkt *p, uint16_t port_idx, uint64_t now)
{
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *), *end = data + m->data_len;
	const uint8_t *my_mac = e->port[port_idx].mac.addr_bytes, *dmac;
	const struct sl_backend *be;
	const struct dp_svc *v;
	struct sl_ft_entry *x, *fe;
	struct sl_flow_key r;
	int bid;

	if (!sl_icmp_err_key(p, &r))
		return 0;
	if (s->has_nat && dp_handoff_is_snat(s, &r.dst, r.family) &&
	    nat_reply_find(w, s, &r, sl_ft_hash(&r), &fe)) {
		/* 1. from the backend's side */
		struct sl_addr osrc = p->key.src;

		if (sl_ft_expired(w->ft, &s->to, fe, now))
			return 0;
		/* the backend's own error comes from the VIP, a router's as it was */
		if (!memcmp(&osrc, &p->inner.dst, sizeof(osrc)))
			osrc = fe->key.dst;
		if (!e->opt.have_gw_mac) {
			drop(w, m, SL_DROP_NO_NEIGH);
			return 1;
		}
		if (sl_rw_icmp_nat(data, end, p, &osrc, &fe->key.src, &fe->key.src, fe->key.sport_be,
				   &fe->key.dst, fe->key.dport_be) ||
		    sl_rw_dsr(data, end, e->opt.gw_mac, my_mac)) {
			drop(w, m, SL_DROP_ICMP_INNER_BAD);
			return 1;
		}
		tx_enqueue(w, port_idx, m);
		return 1;
	}

	/* 2. from the client's side */
	x = sl_ft_lookup(w->ft, &r, sl_ft_hash(&r));
	if (!x || sl_ft_expired(w->ft, &s->to, x, now))
		return 0;
	v = dp_snap_lookup_flow(s, &r);
	if (!v)
		return 0;
	bid = flow_backend(s, x, v->svc.id);
	/* (tls, and past: the TLS engine's flows, in user space) */
	if (bid < 0 || v->svc.mode >= SL_FWD_TLS ||
	    (v->svc.mode == SL_FWD_NAT && !x->flow.nat_port_be))
		return 0;
	be = &s->backends[bid];
	dmac = next_hop_mac(be);
	if (!dmac) {
		drop(w, m, SL_DROP_NO_NEIGH);
		return 1;
	}

	switch (v->svc.mode) {
	case SL_FWD_NAT: {
		struct sl_addr snat = *nat_snat(e, v, p->key.family);

		if (sl_rw_icmp_nat(data, end, p, &snat, &be->addr, &be->addr, be->port_be, &snat,
				   x->flow.nat_port_be) ||
		    sl_rw_dsr(data, end, dmac, my_mac)) {
			drop(w, m, SL_DROP_ICMP_INNER_BAD);
			return 1;
		}
		break;
	}
	case SL_FWD_DSR:
		if (sl_rw_dsr(data, end, dmac, my_mac)) {
			drop(w, m, SL_DROP_ETH_TRUNC);
			return 1;
		}
		break;
	case SL_FWD_TUNNEL:
		/* as forward() encapsulates the flow's packets, the long way */
		dp_tunnel_encap(w, e, v, be, m, p,
				sl_htons((uint16_t)(0xc000 | (sl_flow_hash(&r, 0) & 0x3fff))), dmac,
				port_idx);
		return 1;
	}
	tx_enqueue(w, port_idx, m);
	return 1;
}

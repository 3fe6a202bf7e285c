/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice.bpf.c - the XDP engine: the fast path of DESIGN.md on a NIC's XDP
 * hook, from the shared code of include/sluice/ (parser, flow hash,
 * scheduler pick, rewrites) and the maps of sluice/xdp-t.h.
 *
 *   parse -> reply of a NAT flow? -> service (VIP, port, proto) -> flow
 *   (LRU, idle timeouts) or scheduler -> rewrite (dsr, tunnel, nat) ->
 *   next hop from the kernel's FIB -> XDP_TX or redirect.
 * Everything that is not a service's goes to the kernel (XDP_PASS): ARP,
 * ND, the host's own traffic, later fragments, ICMP errors about no flow
 * of ours.
 *
 * The firewall comes first, for every IP packet but ICMP errors: the rule
 * bitmaps of sluice/acl-t.h, first match by priority, per-rule counters.
 * An ICMP error about an established flow (its quote reversed is a NAT
 * reply entry or a client's flow) goes on as that flow's packets do, nat
 * translated (sl_xdp_icmp_err, a global function of its own).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include <sluice/acl.h>
#include <sluice/config-t.h>
#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/rewrite.h>
#include <sluice/sched.h>
#include <sluice/xdp-t.h>

#define AF_INET 2
#define AF_INET6 10

/* Which slot of every two-slot table is in force. control: rw, dataplane: ro */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sl_active SEC(".maps");

/* Timeouts, NAT and tunnel sources, per slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS);
	__type(key, __u32);
	__type(value, struct sl_xdp_globals);
} sl_globals SEC(".maps");

/* Services by (slot, VIP, port, proto). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_SLOTS * SL_MAX_SERVICES);
	__type(key, struct sl_xdp_svc_key);
	__type(value, struct sl_svc);
} sl_services SEC(".maps");

/* The same services by SL_XDP_TBL_IDX(slot, id): an array, for the
 * packets of known flows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS * SL_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sl_xdp_svc);
} sl_svc_ids SEC(".maps");

/* Backends, with their next hop's source MAC, by SL_XDP_BE_IDX(slot, id). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS * SL_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sl_xdp_backend);
} sl_backends SEC(".maps");

/* Scheduling tables by SL_XDP_TBL_IDX(slot, service id); allocated only
 * for services that exist (a full table is 128 KiB). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_SLOTS * SL_MAX_SERVICES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct sl_sched_tbl);
} sl_sched SEC(".maps");

/* Flows: client 5-tuple -> backend. LRU with per-CPU lists (RSS keeps a
 * flow on one CPU). The loader sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct sl_flow_key);
	__type(value, struct sl_xdp_flow);
} sl_flows SEC(".maps");

/* NAT replies: (backend -> snat:port) -> the client and VIP it stands for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct sl_flow_key);
	__type(value, struct sl_xdp_nat);
} sl_nat SEC(".maps");

/* Round-robin cursors, per CPU and service. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
} sl_cursor SEC(".maps");

/* Counters, per CPU, in the layouts of sluice/counters-t.h. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_core_counters);
} sl_core_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sl_svc_counters);
} sl_svc_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sl_backend_counters);
} sl_be_ctr SEC(".maps");

/* The firewall (sluice/acl-t.h), two slots like the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS * SL_MAX_ACL_RULES);
	__type(key, __u32);
	__type(value, struct sl_acl_rule);
} sl_acl_rules SEC(".maps");

#define ACL_LPM(name, keytype)                                            \
	struct {                                                           \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                       \
		__uint(max_entries, SL_XDP_SLOTS * (SL_MAX_ACL_RULES + 1)); \
		__uint(map_flags, BPF_F_NO_PREALLOC);                      \
		__type(key, keytype);                                      \
		__type(value, struct sl_acl_bits);                         \
	} name SEC(".maps")
ACL_LPM(sl_acl_src4, struct sl_xdp_lpm4);
ACL_LPM(sl_acl_dst4, struct sl_xdp_lpm4);
ACL_LPM(sl_acl_src6, struct sl_xdp_lpm6);
ACL_LPM(sl_acl_dst6, struct sl_xdp_lpm6);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS * 256);
	__type(key, __u32);
	__type(value, struct sl_acl_bits);
} sl_acl_proto SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * SL_XDP_SLOTS); /* sport, dport per slot */
	__type(key, __u32);
	__type(value, struct sl_xdp_bounds);
} sl_acl_bounds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS * SL_ACL_MAX_INTERVALS);
	__type(key, __u32);
	__type(value, struct sl_acl_bits);
} sl_acl_sport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_SLOTS * SL_ACL_MAX_INTERVALS);
	__type(key, __u32);
	__type(value, struct sl_acl_bits);
} sl_acl_dport SEC(".maps");

/* Hits per rule (stable counter index) and of the default policy. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MAX_ACL_RULES + 1);
	__type(key, __u32);
	__type(value, struct sl_acl_counters);
} sl_acl_ctr SEC(".maps");

/* An update of this map from user space returns only once every program
 * that was running has finished (the kernel waits out an RCU grace period
 * for map-in-map updates): the loader's way to know that no packet still
 * reads a slot it is about to rewrite. */
struct sl_sync_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sl_sync_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_sync_inner);
} sl_sync SEC(".maps") = {
	.values = {&sl_sync_inner},
};

/* Per-CPU scratch space for what does not fit the 512-byte BPF stack. */
struct scratch {
	struct sl_pkt p;
	struct sl_encap e;
	struct sl_flow_key rk;
	struct sl_xdp_nat rev;
	struct sl_xdp_svc_key sk;  /* the service lookup's key */
	struct sl_flow_key fk;     /* ICMP errors: the client flow of a NAT reply entry */
	struct sl_addr a[3];       /* ICMP errors: the addresses it gets */
	struct bpf_fib_lookup fib; /* ICMP errors: the next hop's lookup */
	uint64_t now, len;         /* ICMP errors: the packet's clock and length */
	__u32 slot;                /* ICMP errors: the slot in force */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} sl_scratch SEC(".maps");

/* The parser as a function of its own: the verifier checks it once, not
 * once per path into it. */
__attribute__((noinline)) int
sl_xdp_parse(struct xdp_md *ctx, struct sl_pkt *p, __u32 wire_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!p)
		return SL_DROP_ETH_TRUNC;
	return sl_parse(data, data_end, wire_len, p);
}

static __always_inline int
drop(struct sl_core_counters *c, int reason)
{
	uint64_t r = (uint32_t)reason;

	SL_BARRIER_VAR(r);
	if (r < SL_DROP_SLOTS)
		c->drops[r]++;
	c->dropped_pkts++;
	return XDP_DROP;
}

/* Next hop toward `dst` from the kernel's tables: MACs into the frame's
 * Ethernet header (or into *e for a tunnel), egress ifindex returned; 0
 * with *reason set when there is none. */
static __always_inline int
next_hop_in(struct xdp_md *ctx, struct bpf_fib_lookup *fib, uint8_t family,
	    const struct sl_addr *dst, uint8_t *dmac, uint8_t *smac, int *reason)
{
	long rc;

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = ctx->ingress_ifindex;
	if (family == SL_AF_INET) {
		fib->family = AF_INET;
		fib->ipv4_dst = dst->w[0];
	} else {
		fib->family = AF_INET6;
		__builtin_memcpy(fib->ipv6_dst, dst->w, 16);
	}
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		*reason = SL_DROP_NO_NEIGH;
		return 0;
	}
	__builtin_memcpy(dmac, fib->dmac, 6);
	__builtin_memcpy(smac, fib->smac, 6);
	return (int)fib->ifindex;
}

/* The same, its lookup on the stack. */
static __always_inline int
next_hop(struct xdp_md *ctx, uint8_t family, const struct sl_addr *dst, uint8_t *dmac,
	 uint8_t *smac, int *reason)
{
	struct bpf_fib_lookup fib;

	return next_hop_in(ctx, &fib, family, dst, dmac, smac, reason);
}

/* Next hop toward a backend: what the control plane resolved when it did,
 * on an interface of ours; the kernel's FIB otherwise (its lookup in *fib,
 * or on the stack when fib is NULL). */
static __always_inline int
backend_hop_in(struct xdp_md *ctx, struct bpf_fib_lookup *fib, const struct sl_xdp_backend *xb,
	       uint8_t *dmac, uint8_t *smac, int *reason)
{
	if (xb->hop_ok) {
		__builtin_memcpy(dmac, xb->be.mac, 6);
		__builtin_memcpy(smac, xb->src_mac, 6);
		return (int)xb->be.ifindex;
	}
	if (fib)
		return next_hop_in(ctx, fib, xb->be.family, &xb->be.addr, dmac, smac, reason);
	return next_hop(ctx, xb->be.family, &xb->be.addr, dmac, smac, reason);
}

static __always_inline int
backend_hop(struct xdp_md *ctx, const struct sl_xdp_backend *xb, uint8_t *dmac, uint8_t *smac,
	    int *reason)
{
	return backend_hop_in(ctx, NULL, xb, dmac, smac, reason);
}

static __always_inline int
out(struct xdp_md *ctx, int ifindex, struct sl_core_counters *c, uint64_t len)
{
	c->tx_pkts++;
	c->tx_bytes += len;
	if ((__u32)ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return (int)bpf_redirect((__u32)ifindex, 0);
}

static __always_inline void
acl_count(__u32 ctr, uint64_t len)
{
	struct sl_acl_counters *ac;

	if (ctr > SL_XDP_ACL_CTR_DEFAULT)
		ctr = SL_XDP_ACL_CTR_DEFAULT;
	ac = bpf_map_lookup_elem(&sl_acl_ctr, &ctr);
	if (ac) {
		ac->pkts++;
		ac->bytes += len;
	}
}

/* The firewall's verdict for this packet, counted; *ctr_out: the counter
 * of the rule (or default) that decided. */
static __always_inline int
acl_action(const struct sl_pkt *p, const struct sl_xdp_globals *g, __u32 slot, uint64_t len,
	   __u32 *ctr_out)
{
	const struct sl_acl_bits *s, *d, *pr, *sp, *dp;
	struct sl_xdp_bounds *b;
	__u32 ctr = SL_XDP_ACL_CTR_DEFAULT, k;
	int action = g->acl_default, pos;

	if (g->acl_words) {
		if (p->key.family == SL_AF_INET) {
			struct sl_xdp_lpm4 lk = {.prefixlen = 64, .slot = slot};

			lk.addr = p->key.src.w[0];
			s = bpf_map_lookup_elem(&sl_acl_src4, &lk);
			lk.addr = p->key.dst.w[0];
			d = bpf_map_lookup_elem(&sl_acl_dst4, &lk);
		} else {
			struct sl_xdp_lpm6 lk = {.prefixlen = 160, .slot = slot};

			__builtin_memcpy(lk.addr, p->key.src.b, 16);
			s = bpf_map_lookup_elem(&sl_acl_src6, &lk);
			__builtin_memcpy(lk.addr, p->key.dst.b, 16);
			d = bpf_map_lookup_elem(&sl_acl_dst6, &lk);
		}
		k = SL_XDP_PROTO_IDX(slot, p->key.proto);
		pr = bpf_map_lookup_elem(&sl_acl_proto, &k);
		k = 2 * slot;
		b = bpf_map_lookup_elem(&sl_acl_bounds, &k);
		if (!b)
			return action;
		k = SL_XDP_PORT_IDX(slot, sl_acl_interval(b->b, g->acl_sport_n, sl_ntohs(p->key.sport_be)));
		sp = bpf_map_lookup_elem(&sl_acl_sport, &k);
		k = 2 * slot + 1;
		b = bpf_map_lookup_elem(&sl_acl_bounds, &k);
		if (!b)
			return action;
		k = SL_XDP_PORT_IDX(slot, sl_acl_interval(b->b, g->acl_dport_n, sl_ntohs(p->key.dport_be)));
		dp = bpf_map_lookup_elem(&sl_acl_dport, &k);
		if (s && d && pr && sp && dp) {
			pos = sl_acl_first(s, d, pr, sp, dp, g->acl_words);
			if (pos >= 0) {
				struct sl_acl_rule *r;

				k = SL_XDP_ACL_IDX(slot, (__u32)pos & (SL_MAX_ACL_RULES - 1));
				r = bpf_map_lookup_elem(&sl_acl_rules, &k);
				if (r) {
					action = r->action;
					ctr = r->ctr;
				}
			}
		}
	}
	acl_count(ctr, len);
	*ctr_out = ctr;
	return action;
}

static __always_inline uint64_t
timeout_of(const struct sl_xdp_globals *g, const struct sl_flow_key *k, uint8_t flow_flags)
{
	if (k->proto == SL_IPPROTO_TCP)
		return (flow_flags & (SL_FLOW_F_FIN_SEEN | SL_FLOW_F_RST_SEEN))
			? g->timeout_ns[SL_XDP_TO_TCP_FIN] : g->timeout_ns[SL_XDP_TO_TCP];
	if (k->proto == SL_IPPROTO_UDP)
		return g->timeout_ns[SL_XDP_TO_UDP];
	return g->timeout_ns[SL_XDP_TO_OTHER];
}

/* The service a known flow belonged to, if it still has that id and the
 * packet's VIP, port and protocol: what the lookup by key would find. */
static __always_inline struct sl_svc *
svc_by_id(__u32 slot, __u32 id, const struct sl_flow_key *k)
{
	struct sl_xdp_svc *v;
	__u32 idx;

	if (id >= SL_MAX_SERVICES)
		return NULL;
	idx = SL_XDP_TBL_IDX(slot, id);
	v = bpf_map_lookup_elem(&sl_svc_ids, &idx);
	if (!v || !v->live)
		return NULL;
	if (((v->key.vip.w[0] ^ k->dst.w[0]) | (v->key.vip.w[1] ^ k->dst.w[1]) |
	     (v->key.vip.w[2] ^ k->dst.w[2]) | (v->key.vip.w[3] ^ k->dst.w[3])) ||
	    v->key.port_be != k->dport_be || v->key.proto != k->proto || v->key.family != k->family)
		return NULL;
	return &v->svc;
}

/* A reply of a NAT flow: back to the client, from the VIP. */
static __always_inline int
nat_reply(struct xdp_md *ctx, struct sl_pkt *p, struct sl_xdp_nat *n, struct sl_core_counters *c,
	  uint64_t now, uint64_t len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_ethhdr *eth = data;
	int reason = 0, ifindex;

	if (sl_rw_nat(data, data_end, p, &n->vip, n->vip_port_be, &n->client, n->client_port_be))
		return drop(c, SL_DROP_NAT_NO_PORT);
	if ((void *)(eth + 1) > data_end)
		return drop(c, SL_DROP_ETH_TRUNC);
	ifindex = next_hop(ctx, p->key.family, &n->client, eth->dst, eth->src, &reason);
	if (!ifindex)
		return drop(c, reason);
	n->last_seen_ns = now;
	return out(ctx, ifindex, c, len);
}

/* What the packet does to its flow's entry: a flow that stays on its
 * backend (hit) is refreshed where it lies (the lookup already marked it
 * recently used); a new or rescheduled one is written whole. */
static __always_inline void
flow_commit(struct sl_xdp_flow *hit, const struct sl_flow_key *k, const struct sl_xdp_flow *nf)
{
	if (hit) {
		hit->f.last_seen_ns = nf->f.last_seen_ns;
		hit->f.flags = nf->f.flags;
		hit->f.nat_port_be = nf->f.nat_port_be;
		hit->epoch = nf->epoch;
		hit->acl_ctr = nf->acl_ctr;
		hit->gue_sport_be = nf->gue_sport_be;
		hit->nat_checked = nf->nat_checked;
		return;
	}
	bpf_map_update_elem(&sl_flows, k, nf, BPF_ANY);
}

/*
 * An ICMP error about one of our flows (sl_icmp_err_key: the quote
 * reversed is the key that flow's entries have), on its way as the flow's
 * packets go:
 *  1. about what sluice sent a backend: the quote reversed is a NAT reply
 *     entry whose client flow is alive (not idle too long, still on that
 *     backend with that port): on to the client, about the client's own
 *     packet to the VIP, from the VIP when the backend itself sent it;
 *  2. about what was sent to a client: the quote reversed is a client's
 *     flow whose backend is alive (the checks of a flow hit): nat: to the
 *     backend from the snat address, about the backend's packet to
 *     snat:port; dsr: to the backend as it is; tunnel: encapsulated to it;
 *  3. anything else: the kernel's, as before.
 * The firewall does not see errors (only those about established flows
 * pass); no flow is made or refreshed; the core counters count them sent,
 * the service and backend counters not at all.
 * A global function: the verifier checks it once, apart from the main
 * program, which is near its instruction budget. sc: the packet parsed
 * (p), its clock, length and slot (now, len, slot).
 */
__attribute__((noinline)) int
sl_xdp_icmp_err(struct xdp_md *ctx, struct scratch *sc, struct sl_core_counters *c,
		const struct sl_xdp_globals *g)
{
	struct sl_xdp_backend *xb;
	struct sl_xdp_flow *fl;
	struct sl_xdp_nat *n = NULL;
	struct sl_svc *svc;
	struct sl_ethhdr *eth;
	void *data, *data_end;
	uint64_t now, len;
	int reason = 0, ifindex;
	__u32 slot, idx;

	if (!sc || !c || !g)
		return XDP_PASS;
	now = sc->now;
	len = sc->len;
	slot = sc->slot & 1;
	if (!sl_icmp_err_key(&sc->p, &sc->rk))
		goto host;

	/* 1. from the backend's side: a NAT reply entry, its client flow alive */
	if (g->has_nat)
		n = bpf_map_lookup_elem(&sl_nat, &sc->rk);
	if (n) {
		struct sl_addr *osrc = &sc->a[0], *client = &sc->a[1], *vip = &sc->a[2];
		uint16_t cport = n->client_port_be, vport = n->vip_port_be;

		*osrc = sc->p.key.src;
		*client = n->client;
		*vip = n->vip;

		__builtin_memset(&sc->fk, 0, sizeof(sc->fk));
		sc->fk.src = *client;
		sc->fk.dst = *vip;
		sc->fk.sport_be = cport;
		sc->fk.dport_be = vport;
		sc->fk.proto = sc->rk.proto;
		sc->fk.family = sc->rk.family;
		fl = bpf_map_lookup_elem(&sl_flows, &sc->fk);
		if (!fl || fl->f.nat_port_be != sc->rk.dport_be || fl->f.backend_id >= SL_MAX_BACKENDS ||
		    now - fl->f.last_seen_ns > timeout_of(g, &sc->fk, fl->f.flags))
			goto client_side;
		idx = SL_XDP_BE_IDX(slot, fl->f.backend_id);
		xb = bpf_map_lookup_elem(&sl_backends, &idx);
		if (!xb || xb->be.port_be != sc->rk.sport_be ||
		    xb->be.addr.w[0] != sc->rk.src.w[0] || xb->be.addr.w[1] != sc->rk.src.w[1] ||
		    xb->be.addr.w[2] != sc->rk.src.w[2] || xb->be.addr.w[3] != sc->rk.src.w[3])
			goto client_side;
		/* the backend's own error comes from the VIP, a router's as it was */
		if (osrc->w[0] == sc->p.inner.dst.w[0] && osrc->w[1] == sc->p.inner.dst.w[1] &&
		    osrc->w[2] == sc->p.inner.dst.w[2] && osrc->w[3] == sc->p.inner.dst.w[3])
			*osrc = *vip;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > data_end)
			return drop(c, SL_DROP_ETH_TRUNC);
		ifindex = next_hop_in(ctx, &sc->fib, sc->p.key.family, client, eth->dst, eth->src, &reason);
		if (!ifindex)
			return drop(c, reason);
		if (sl_rw_icmp_nat(data, data_end, &sc->p, osrc, client, client, cport, vip, vport))
			return drop(c, SL_DROP_ICMP_INNER_BAD);
		return out(ctx, ifindex, c, len);
	}

client_side:
	/* 2. from the client's side: the client's flow, its backend alive */
	fl = bpf_map_lookup_elem(&sl_flows, &sc->rk);
	if (!fl || now - fl->f.last_seen_ns > timeout_of(g, &sc->rk, fl->f.flags))
		goto host;
	svc = svc_by_id(slot, fl->f.svc_id, &sc->rk);
	if (!svc || fl->f.backend_id >= SL_MAX_BACKENDS)
		goto host;
	idx = SL_XDP_BE_IDX(slot, fl->f.backend_id);
	xb = bpf_map_lookup_elem(&sl_backends, &idx);
	if (!xb || !(xb->be.flags & SL_BE_F_ALIVE) || xb->be.svc_id != (uint16_t)svc->id)
		goto host;

	if (svc->mode == SL_FWD_NAT || svc->mode == SL_FWD_DSR) {
		/* nat: translated, from the snat address, about the backend's
		 * own packet; dsr: as it is (the backend holds the VIP) */
		struct sl_addr *snat = &sc->a[0], *baddr = &sc->a[1];
		uint16_t bport = xb->be.port_be, nport = fl->f.nat_port_be;
		int nat = svc->mode == SL_FWD_NAT;

		*snat = svc->flags & SL_SVC_F_SNAT_SET ? svc->snat :
			sc->p.key.family == SL_AF_INET ? g->snat4 : g->snat6;
		*baddr = xb->be.addr;
		if (nat && !nport)
			goto host;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > data_end)
			return drop(c, SL_DROP_ETH_TRUNC);
		ifindex = backend_hop_in(ctx, &sc->fib, xb, eth->dst, eth->src, &reason);
		if (!ifindex)
			return drop(c, reason);
		if (nat && sl_rw_icmp_nat(data, data_end, &sc->p, snat, baddr, baddr, bport, snat, nport))
			return drop(c, SL_DROP_ICMP_INNER_BAD);
		return out(ctx, ifindex, c, len);
	}
	if (svc->mode == SL_FWD_TUNNEL) {
		struct sl_encap *ep = &sc->e;
		uint32_t room;
		int start;

		__builtin_memset(ep, 0, sizeof(*ep));
		ep->family = xb->be.family;
		ep->tunnel = svc->tunnel;
		ep->dst = xb->be.addr;
		ep->src = xb->be.family == SL_AF_INET ? g->tun_src4 : g->tun_src6;
		ep->gue_port_be = svc->gue_port_be;
		/* the flow's entropy, as its own packets carry it */
		ep->sport_be = sl_htons((uint16_t)(0xc000 | (sl_flow_hash(&sc->rk, 0) & 0x3fff)));
		ifindex = backend_hop_in(ctx, &sc->fib, xb, ep->dst_mac, ep->src_mac, &reason);
		if (!ifindex)
			return drop(c, reason);
		room = sl_encap_len(ep->tunnel, ep->family);
		if (bpf_xdp_adjust_head(ctx, -(int)room))
			return drop(c, SL_DROP_MTU);
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		start = sl_rw_encap(data, data_end, room, &sc->p, ep);
		if (start < 0)
			return drop(c, SL_DROP_MTU);
		if (start && bpf_xdp_adjust_head(ctx, start))
			return drop(c, SL_DROP_MTU);
		len = len + room - (uint32_t)start;
		if (len > (uint64_t)g->mtu + sizeof(struct sl_ethhdr))
			return drop(c, SL_DROP_MTU);
		return out(ctx, ifindex, c, len);
	}
host:
	/* tls services' flows, and errors about no flow of ours */
	c->to_host_pkts++;
	return XDP_PASS;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	struct sl_core_counters *c;
	struct sl_xdp_globals *g;
	struct sl_svc *svc = NULL;
	struct sl_xdp_backend *xb;
	struct sl_xdp_flow *fl = NULL, *hit = NULL, nf = {};
	struct sl_xdp_nat *nat = NULL;
	struct scratch *sc_;
	struct sl_pkt *pp;
	__u32 zero = 0, slot, *active, idx, acl_ctr;
	uint64_t now, len;
	int rc, bid = -1, is_new = 0;

	c = bpf_map_lookup_elem(&sl_core_ctr, &zero);
	if (!c)
		return XDP_PASS;
	/* the frame's length, read once: every byte counter of this packet
	 * counts it, and a tunnel adds what it prepends */
	len = bpf_xdp_get_buff_len(ctx);
	c->rx_pkts++;
	c->rx_bytes += len;
	sc_ = bpf_map_lookup_elem(&sl_scratch, &zero);
	if (!sc_)
		return XDP_PASS;
	pp = &sc_->p;
#define p (*pp)

	rc = sl_xdp_parse(ctx, &p, (__u32)len);
	if (rc)
		return drop(c, rc);
	if (p.key.family == SL_AF_NONE || (p.flags & SL_PKT_F_FRAG_LATER) || sl_pkt_is_nd(&p)) {
		c->to_host_pkts++;
		return XDP_PASS;
	}
	active = bpf_map_lookup_elem(&sl_active, &zero);
	if (!active)
		return XDP_PASS;
	slot = *active & 1;
	g = bpf_map_lookup_elem(&sl_globals, &slot);
	if (!g)
		return XDP_PASS;
	/* CLOCK_MONOTONIC at the tick's resolution (a few ms), plenty for
	 * idle timeouts of seconds, and what the loader's idle times are
	 * read against: bpf_ktime_get_ns reads the clock source (kvm-clock
	 * here): 25-35 ns a packet in xdp_bench on this VM */
	now = bpf_ktime_get_coarse_ns();

	/* ICMP errors: on with the flow they are about, or the kernel's; the
	 * firewall does not see them */
	if (p.flags & SL_PKT_F_ICMP_ERR) {
		sc_->now = now;
		sc_->len = len;
		sc_->slot = slot;
		return sl_xdp_icmp_err(ctx, sc_, c, g);
	}

	/* The reply of a NAT flow, or a flow of ours. Neither lookup changes
	 * what the firewall decides: it still comes first. */
	if (g->has_nat && (g->snat_bits & SL_XDP_SNAT_BIT(&p.key.dst))) {
		nat = bpf_map_lookup_elem(&sl_nat, &p.key);
		/* a reply entry stands for its client's flow only while that
		 * flow is still on this backend and port: a flow reopened or
		 * rescheduled elsewhere leaves it stale, and the old backend's
		 * late packets must not reach the client's new connection */
		if (nat) {
			struct sl_flow_key *fk = &sc_->fk;
			struct sl_xdp_flow *cf;

			__builtin_memset(fk, 0, sizeof(*fk));
			fk->src = nat->client;
			fk->dst = nat->vip;
			fk->sport_be = nat->client_port_be;
			fk->dport_be = nat->vip_port_be;
			fk->proto = p.key.proto;
			fk->family = p.key.family;
			cf = bpf_map_lookup_elem(&sl_flows, fk);
			if (!cf || cf->f.backend_id != nat->backend_id ||
			    cf->f.nat_port_be != p.key.dport_be) {
				bpf_map_delete_elem(&sl_nat, &p.key);
				nat = NULL;
			}
		}
	}
	if (!nat)
		fl = bpf_map_lookup_elem(&sl_flows, &p.key);

	/* the firewall, for every IP packet; a flow it let in under this
	 * epoch is let in again by the same rule (sl_xdp_flow) */
	if (fl && fl->epoch == g->epoch) {
		acl_ctr = fl->acl_ctr;
		acl_count(acl_ctr, len);
	} else if (acl_action(&p, g, slot, len, &acl_ctr) == SL_ACL_DENY) {
		return drop(c, SL_DROP_ACL_DENY);
	}

	if (nat)
		return nat_reply(ctx, &p, nat, c, now, len);

	if (fl)
		svc = svc_by_id(slot, fl->f.svc_id, &p.key);
	if (!svc) {
		struct sl_xdp_svc_key *sk = &sc_->sk;

		__builtin_memset(sk, 0, sizeof(*sk));
		sk->slot = slot;
		sk->k.vip = p.key.dst;
		sk->k.port_be = p.key.dport_be;
		sk->k.proto = p.key.proto;
		sk->k.family = p.key.family;
		svc = bpf_map_lookup_elem(&sl_services, sk);
		if (!svc) {
			c->to_host_pkts++;
			return XDP_PASS;
		}
	}

	/* an established flow, unless idle too long or its backend is gone */
	if (fl) {
		if (now - fl->f.last_seen_ns > timeout_of(g, &p.key, fl->f.flags) ||
		    sl_flow_reopened(p.key.proto, p.tcp_flags, fl->f.flags)) {
			c->flow_expired++;
		} else if (fl->f.svc_id == svc->id && fl->f.backend_id < SL_MAX_BACKENDS) {
			idx = SL_XDP_BE_IDX(slot, fl->f.backend_id);
			xb = bpf_map_lookup_elem(&sl_backends, &idx);
			if (xb && (xb->be.flags & SL_BE_F_ALIVE)) {
				bid = fl->f.backend_id;
				nf = *fl;
				hit = fl;
				c->flow_hits++;
			} else {
				c->flow_rescheduled++;
			}
		}
	}
	if (bid < 0) {
		struct sl_sched_tbl *tbl;
		__u32 *cursor, tkey = SL_XDP_TBL_IDX(slot, svc->id & (SL_MAX_SERVICES - 1));
		__u32 ckey = svc->id & (SL_MAX_SERVICES - 1);

		c->flow_misses++;
		tbl = bpf_map_lookup_elem(&sl_sched, &tkey);
		cursor = bpf_map_lookup_elem(&sl_cursor, &ckey);
		if (!tbl || !cursor)
			return drop(c, SL_DROP_NO_BACKEND);
		bid = sl_sched_pick(tbl, svc->sched, sl_flow_hash(&p.key, SL_HASH_SEED_FLOW), cursor);
		if (bid < 0 || bid >= SL_MAX_BACKENDS) {
			struct sl_svc_counters *sc = bpf_map_lookup_elem(&sl_svc_ctr, &ckey);

			if (sc)
				sc->no_backend++;
			return drop(c, SL_DROP_NO_BACKEND);
		}
		nf.f.backend_id = (uint16_t)bid;
		nf.f.svc_id = (uint16_t)svc->id;
		nf.f.flags = 0;
		nf.f.nat_port_be = 0;
		nf.gue_sport_be = 0;
		nf.nat_checked = 0;
		is_new = 1;
		c->flow_new++;
	}
	idx = SL_XDP_BE_IDX(slot, (__u32)bid & (SL_MAX_BACKENDS - 1));
	xb = bpf_map_lookup_elem(&sl_backends, &idx);
	if (!xb)
		return drop(c, SL_DROP_NO_BACKEND);
	if (p.tcp_flags & SL_TCP_FIN)
		nf.f.flags |= SL_FLOW_F_FIN_SEEN;
	if (p.tcp_flags & SL_TCP_RST)
		nf.f.flags |= SL_FLOW_F_RST_SEEN;
	nf.f.last_seen_ns = now;
	nf.epoch = g->epoch;
	nf.acl_ctr = (uint16_t)acl_ctr;

	{
		__u32 sid = svc->id & (SL_MAX_SERVICES - 1), beid = (__u32)bid & (SL_MAX_BACKENDS - 1);
		struct sl_svc_counters *sc = bpf_map_lookup_elem(&sl_svc_ctr, &sid);
		struct sl_backend_counters *bc = bpf_map_lookup_elem(&sl_be_ctr, &beid);

		if (sc) {
			sc->pkts++;
			sc->bytes += len;
			sc->new_flows += is_new;
		}
		if (bc) {
			bc->pkts++;
			bc->bytes += len;
			bc->new_flows += is_new;
		}
	}

	if (svc->mode == SL_FWD_DSR) {
		void *data = (void *)(long)ctx->data;
		void *data_end = (void *)(long)ctx->data_end;
		struct sl_ethhdr *eth = data;
		int reason = 0, ifindex;

		if ((void *)(eth + 1) > data_end)
			return drop(c, SL_DROP_ETH_TRUNC);
		ifindex = backend_hop(ctx, xb, eth->dst, eth->src, &reason);
		if (!ifindex)
			return drop(c, reason);
		flow_commit(hit, &p.key, &nf);
		return out(ctx, ifindex, c, len);
	}
	if (svc->mode == SL_FWD_TUNNEL) {
		struct sl_encap *ep = &sc_->e;
		uint32_t room;
		int reason = 0, ifindex, start;
		void *data, *data_end;

		__builtin_memset(ep, 0, sizeof(*ep));
#define e (*ep)

		e.family = xb->be.family;
		e.tunnel = svc->tunnel;
		e.dst = xb->be.addr;
		e.src = xb->be.family == SL_AF_INET ? g->tun_src4 : g->tun_src6;
		e.gue_port_be = svc->gue_port_be;
		/* GUE's source port: the flow's entropy, hashed once per flow */
		if (!nf.gue_sport_be)
			nf.gue_sport_be = sl_htons((uint16_t)(0xc000 | (sl_flow_hash(&p.key, 0) & 0x3fff)));
		e.sport_be = nf.gue_sport_be;
		ifindex = backend_hop(ctx, xb, e.dst_mac, e.src_mac, &reason);
		if (!ifindex)
			return drop(c, reason);
		room = sl_encap_len(e.tunnel, e.family);
		if (bpf_xdp_adjust_head(ctx, -(int)room))
			return drop(c, SL_DROP_MTU);
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		start = sl_rw_encap(data, data_end, room, &p, &e);
		if (start < 0)
			return drop(c, SL_DROP_MTU);
		if (start && bpf_xdp_adjust_head(ctx, start))
			return drop(c, SL_DROP_MTU);
		len = len + room - (uint32_t)start;
		flow_commit(hit, &p.key, &nf);
		/* the outer header says DF: a frame over the MTU would be lost */
		if (len > (uint64_t)g->mtu + sizeof(struct sl_ethhdr))
			return drop(c, SL_DROP_MTU);
		return out(ctx, ifindex, c, len);
#undef e
	}
	if (svc->mode == SL_FWD_NAT) {
		void *data = (void *)(long)ctx->data;
		void *data_end = (void *)(long)ctx->data_end;
		struct sl_ethhdr *eth = data;
		const struct sl_addr *snat = svc->flags & SL_SVC_F_SNAT_SET ? &svc->snat :
			p.key.family == SL_AF_INET ? &g->snat4 : &g->snat6;
		struct sl_flow_key *rkp = &sc_->rk;
		struct sl_xdp_nat *revp = &sc_->rev, *cur;
		int reason = 0, ifindex, i;

		__builtin_memset(rkp, 0, sizeof(*rkp));
#define rk (*rkp)
#define rev (*revp)

		/* the reply's key: backend -> snat:port */
		rk.src = xb->be.addr;
		rk.dst = *snat;
		rk.sport_be = xb->be.port_be;
		rk.proto = p.key.proto;
		rk.family = p.key.family;
		if (!nf.f.nat_port_be) {
			uint32_t h = sl_flow_hash(&p.key, SL_NAT_HASH_SEED);

			/* a free source port: a few tries from the flow's hash */
			for (i = 0; i < SL_NAT_PORT_TRIES; i++) {
				struct sl_xdp_nat *taken;

				rk.dport_be = sl_nat_port_be(h, (uint32_t)i);
				taken = bpf_map_lookup_elem(&sl_nat, &rk);
				if (!taken || (taken->client.w[0] == p.key.src.w[0] &&
					       taken->client.w[1] == p.key.src.w[1] &&
					       taken->client.w[2] == p.key.src.w[2] &&
					       taken->client.w[3] == p.key.src.w[3] &&
					       taken->client_port_be == p.key.sport_be &&
					       taken->vip.w[0] == p.key.dst.w[0] &&
					       taken->vip.w[1] == p.key.dst.w[1] &&
					       taken->vip.w[2] == p.key.dst.w[2] &&
					       taken->vip.w[3] == p.key.dst.w[3] &&
					       taken->vip_port_be == p.key.dport_be))
					break;
			}
			if (i == SL_NAT_PORT_TRIES)
				return drop(c, SL_DROP_NAT_NO_PORT);
			nf.f.nat_port_be = rk.dport_be;
		}
		rk.dport_be = nf.f.nat_port_be;
		/* (the source as the reply key took it: one read of the map) */
		if (sl_rw_nat(data, data_end, &p, &rk.dst, nf.f.nat_port_be, &xb->be.addr,
			      xb->be.port_be))
			return drop(c, SL_DROP_NAT_NO_PORT);
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > data_end)
			return drop(c, SL_DROP_ETH_TRUNC);
		ifindex = backend_hop(ctx, xb, eth->dst, eth->src, &reason);
		if (!ifindex)
			return drop(c, reason);
		/* the reply entry: a known flow looks at it once a second
		 * (sl_xdp_flow), refreshes it where it lies when it still says
		 * what this flow needs, and writes it whole otherwise */
		if (hit && hit->nat_checked == (uint16_t)(now >> SL_XDP_NAT_CHECK_SHIFT))
			goto nat_out;
		nf.nat_checked = (uint16_t)(now >> SL_XDP_NAT_CHECK_SHIFT);
		cur = hit ? bpf_map_lookup_elem(&sl_nat, &rk) : NULL;
		if (cur && cur->client.w[0] == p.key.src.w[0] && cur->client.w[1] == p.key.src.w[1] &&
		    cur->client.w[2] == p.key.src.w[2] && cur->client.w[3] == p.key.src.w[3] &&
		    cur->vip.w[0] == p.key.dst.w[0] && cur->vip.w[1] == p.key.dst.w[1] &&
		    cur->vip.w[2] == p.key.dst.w[2] && cur->vip.w[3] == p.key.dst.w[3] &&
		    cur->client_port_be == p.key.sport_be && cur->vip_port_be == p.key.dport_be &&
		    cur->svc_id == (uint16_t)svc->id && cur->backend_id == (uint16_t)bid) {
			cur->last_seen_ns = now;
		} else {
			__builtin_memset(revp, 0, sizeof(*revp));
			rev.client = p.key.src;
			rev.vip = p.key.dst;
			rev.client_port_be = p.key.sport_be;
			rev.vip_port_be = p.key.dport_be;
			rev.svc_id = (uint16_t)svc->id;
			rev.backend_id = (uint16_t)bid;
			rev.last_seen_ns = now;
			bpf_map_update_elem(&sl_nat, &rk, &rev, BPF_ANY);
		}
nat_out:
		flow_commit(hit, &p.key, &nf);
		return out(ctx, ifindex, c, len);
#undef rk
#undef rev
	}
	/* tls services are the TLS engine's, in user space */
	c->to_host_pkts++;
	return XDP_PASS;
#undef p
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

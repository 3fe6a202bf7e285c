/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_snap.c - the DPDK engine's immutable copy of a snapshot: what the
 * workers read, built off the fast path, owning all its memory so that the
 * daemon may free its own snapshot whenever it likes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include <sluice/hash.h>
#include <sluice/rewrite.h>

#include "dp.h"
#include "engine.h"
#include "handoff.h"
#include "sbuf.h"

static inline uint32_t
svc_key_hash(const struct sl_svc_key *k)
{
	uint32_t w[5], h = SL_HASH_SEED_FLOW;
	int i;

	memcpy(w, k, sizeof(w));
	for (i = 0; i < 5; i++)
		h = sl_hash_mix(h, w[i]);
	return sl_hash_final(h, sizeof(*k));
}

const struct dp_svc *
dp_snap_lookup(const struct dp_snap *s, const struct sl_svc_key *k)
{
	uint32_t i = svc_key_hash(k) & s->ht_mask, n;

	for (n = 0; n <= s->ht_mask; n++, i = (i + 1) & s->ht_mask) {
		int32_t x = s->ht[i];

		if (x < 0)
			return NULL;
		if (!memcmp(&s->svc[x].key, k, sizeof(*k)))
			return &s->svc[x];
	}
	return NULL;
}

const struct dp_svc *
dp_snap_lookup_flow(const struct dp_snap *s, const struct sl_flow_key *fk)
{
	struct sl_svc_key sk;

	memset(&sk, 0, sizeof(sk));
	sk.vip = fk->dst;
	sk.port_be = fk->dport_be;
	sk.proto = fk->proto;
	sk.family = fk->family;
	return dp_snap_lookup(s, &sk);
}

void
dp_snap_free(struct dp_snap *s)
{
	uint32_t i;

	if (!s)
		return;
	if (s->svc)
		for (i = 0; i < s->n_svc; i++)
			free(s->svc[i].tbl);
	free(s->svc);
	free(s->ht);
	free(s->backends);
	free(s->tun);
	free(s->acl);
	free(s->own4);
	free(s->own6);
	free(s->snat);
	rte_acl_free(s->acl4);
	rte_acl_free(s->acl6);
	free(s);
}

/* ---- tunnels: each backend's outer headers, made once ------------------------ */

static void
tun_hdr(struct dp_tun_hdr *t, const struct sl_svc *v, const struct sl_backend *b,
	const struct dp_opts *o, uint8_t inner_family)
{
	struct sl_encap en;
	struct sl_pkt p;
	uint8_t frame[sizeof(t->b) + 14];
	int i;

	memset(&en, 0, sizeof(en));
	en.family = b->family;
	en.tunnel = v->tunnel;
	en.dst = b->addr;
	en.src = b->family == SL_AF_INET ? o->local4 : o->local6;
	en.gue_port_be = v->gue_port_be;
	memcpy(en.dst_mac, b->mac, 6);
	memset(&p, 0, sizeof(p));
	p.key.family = inner_family;
	p.l3_off = sizeof(struct sl_ethhdr);
	memset(frame, 0, sizeof(frame));
	t->room = (uint8_t)sl_encap_len(v->tunnel, b->family);
	t->len = (uint8_t)(sizeof(struct sl_ethhdr) + t->room);
	t->ip_len = b->family == SL_AF_INET ? sizeof(struct sl_ip4hdr) : sizeof(struct sl_ip6hdr);
	t->gue = (uint8_t)(t->room - t->ip_len);
	t->max_payload = b->family == SL_AF_INET ? 0xffff - sizeof(struct sl_ip4hdr) : 0xffff;
	if (sl_rw_encap(frame, frame + sizeof(frame), t->room, &p, &en) != 0)
		return; /* cannot be: no tags, room as asked */
	memcpy(t->b, frame, t->len);
	t->csum = 0;
	if (b->family == SL_AF_INET)
		for (i = 0; i < 10; i++)
			if (i != 1 && i != 5) {
				uint16_t w;

				memcpy(&w, t->b + sizeof(struct sl_ethhdr) + 2 * i, 2);
				t->csum += w;
			}
}

static int
tun_hdrs(struct dp_snap *d, const struct dp_opts *o)
{
	uint32_t i, k;

	for (i = 0; i < d->n_svc; i++)
		if (d->svc[i].svc.mode == SL_FWD_TUNNEL)
			break;
	if (i == d->n_svc)
		return 0;
	d->tun = calloc(2 * (size_t)(d->max_backend_id ? d->max_backend_id : 1), sizeof(*d->tun));
	if (!d->tun)
		return -1;
	for (k = 0; k < d->max_backend_id; k++) {
		const struct sl_backend *b = &d->backends[k];

		for (i = 0; i < d->n_svc; i++)
			if (d->svc[i].svc.id == b->svc_id && d->svc[i].svc.mode == SL_FWD_TUNNEL)
				break;
		if (i == d->n_svc || (b->family != SL_AF_INET && b->family != SL_AF_INET6))
			continue;
		tun_hdr(&d->tun[2 * k], &d->svc[i].svc, b, o, SL_AF_INET);
		tun_hdr(&d->tun[2 * k + 1], &d->svc[i].svc, b, o, SL_AF_INET6);
	}
	return 0;
}

/* ---- the firewall, as rte_acl contexts ---------------------------------------- */

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_N };
enum { F6_PROTO, F6_SRC0, F6_DST0 = F6_SRC0 + 4, F6_SPORT = F6_DST0 + 4, F6_DPORT, F6_N };
RTE_ACL_RULE_DEF(dp_acl_rule4, F4_N);
RTE_ACL_RULE_DEF(dp_acl_rule6, F6_N);

static void
field_def(struct rte_acl_field_def *f, uint8_t type, uint8_t size, uint8_t field, uint8_t input,
	  uint32_t offset)
{
	f->type = type;
	f->size = size;
	f->field_index = field;
	f->input_index = input;
	f->offset = offset;
}

static uint32_t
prefix_piece(uint8_t len, int i)
{
	int bits = (int)len - 32 * i;

	return bits <= 0 ? 0 : bits >= 32 ? 32 : (uint32_t)bits;
}

/* A context for one family, or NULL (and 0) when no rule applies to it. */
static int
acl_ctx(struct dp_snap *d, uint8_t family, struct rte_acl_ctx **out, char *err, size_t errlen)
{
	static uint32_t seq; /* rte_acl_create returns an existing context of the same name */
	struct rte_acl_field_def defs[F6_N];
	struct rte_acl_param prm = {0};
	struct rte_acl_config cfg = {0};
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_ctx *ctx;
	int v6 = family == SL_AF_INET6, nf = v6 ? F6_N : F4_N, i, k;
	uint32_t pos, n = 0;

	*out = NULL;
	for (pos = 0; pos < d->n_acl; pos++)
		n += d->acl[pos].family == SL_AF_NONE || d->acl[pos].family == family;
	if (!n)
		return 0;
	memset(defs, 0, sizeof(defs));
	if (!v6) {
		field_def(&defs[F4_PROTO], RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0,
			  offsetof(struct dp_acl_key4, proto));
		field_def(&defs[F4_SRC], RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 1,
			  offsetof(struct dp_acl_key4, src));
		field_def(&defs[F4_DST], RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 2,
			  offsetof(struct dp_acl_key4, dst));
		field_def(&defs[F4_SPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 3,
			  offsetof(struct dp_acl_key4, sport));
		field_def(&defs[F4_DPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 3,
			  offsetof(struct dp_acl_key4, dport));
	} else {
		field_def(&defs[F6_PROTO], RTE_ACL_FIELD_TYPE_BITMASK, 1, F6_PROTO, 0,
			  offsetof(struct dp_acl_key6, proto));
		for (i = 0; i < 4; i++) {
			field_def(&defs[F6_SRC0 + i], RTE_ACL_FIELD_TYPE_MASK, 4, (uint8_t)(F6_SRC0 + i),
				  (uint8_t)(1 + i), (uint32_t)(offsetof(struct dp_acl_key6, src) + 4 * i));
			field_def(&defs[F6_DST0 + i], RTE_ACL_FIELD_TYPE_MASK, 4, (uint8_t)(F6_DST0 + i),
				  (uint8_t)(5 + i), (uint32_t)(offsetof(struct dp_acl_key6, dst) + 4 * i));
		}
		field_def(&defs[F6_SPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, F6_SPORT, 9,
			  offsetof(struct dp_acl_key6, sport));
		field_def(&defs[F6_DPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, F6_DPORT, 9,
			  offsetof(struct dp_acl_key6, dport));
	}
	snprintf(name, sizeof(name), "sl_acl%d_%u", v6 ? 6 : 4, ++seq);
	prm.name = name;
	prm.socket_id = SOCKET_ID_ANY;
	prm.rule_size = (uint32_t)RTE_ACL_RULE_SZ(nf);
	prm.max_rule_num = n;
	ctx = rte_acl_create(&prm);
	if (!ctx)
		return sl_err(err, errlen, "dpdk engine: cannot create an ACL context: %s",
			    rte_strerror(rte_errno));
	for (pos = 0; pos < d->n_acl; pos++) {
		const struct sl_acl_rule_cfg *r = &d->acl[pos];
		union {
			struct dp_acl_rule4 r4;
			struct dp_acl_rule6 r6;
		} u;
		struct rte_acl_field *f;
		int rc;

		if (r->family != SL_AF_NONE && r->family != family)
			continue;
		memset(&u, 0, sizeof(u));
		f = v6 ? u.r6.field : u.r4.field;
		/* rte_acl: the highest priority wins; sluice: the lowest position */
		u.r4.data.category_mask = 1;
		u.r4.data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - pos);
		u.r4.data.userdata = pos + 1;
		f[0].value.u8 = r->proto;
		f[0].mask_range.u8 = r->proto ? 0xff : 0;
		if (!v6) {
			f[F4_SRC].value.u32 = r->src.family ? rte_be_to_cpu_32(r->src.a.w[0]) : 0;
			f[F4_SRC].mask_range.u32 = r->src.family ? r->src.len : 0;
			f[F4_DST].value.u32 = r->dst.family ? rte_be_to_cpu_32(r->dst.a.w[0]) : 0;
			f[F4_DST].mask_range.u32 = r->dst.family ? r->dst.len : 0;
			k = F4_SPORT;
		} else {
			for (i = 0; i < 4; i++) {
				f[F6_SRC0 + i].value.u32 = r->src.family ? rte_be_to_cpu_32(r->src.a.w[i]) : 0;
				f[F6_SRC0 + i].mask_range.u32 = r->src.family ? prefix_piece(r->src.len, i) : 0;
				f[F6_DST0 + i].value.u32 = r->dst.family ? rte_be_to_cpu_32(r->dst.a.w[i]) : 0;
				f[F6_DST0 + i].mask_range.u32 = r->dst.family ? prefix_piece(r->dst.len, i) : 0;
			}
			k = F6_SPORT;
		}
		f[k].value.u16 = r->sport_lo;
		f[k].mask_range.u16 = r->sport_hi;
		f[k + 1].value.u16 = r->dport_lo;
		f[k + 1].mask_range.u16 = r->dport_hi;
		rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&u, 1);
		if (rc) {
			rte_acl_free(ctx);
			return sl_err(err, errlen, "dpdk engine: cannot add ACL rule %u: %s", r->priority,
				    strerror(-rc));
		}
	}
	cfg.num_categories = 1;
	cfg.num_fields = (uint32_t)nf;
	memcpy(cfg.defs, defs, (size_t)nf * sizeof(defs[0]));
	if (rte_acl_build(ctx, &cfg)) {
		rte_acl_free(ctx);
		return sl_err(err, errlen, "dpdk engine: cannot build the ACL (%u rules)", n);
	}
	*out = ctx;
	return 0;
}

/* A table with room for `size` slots only (the struct's array is the
 * largest a table can be). Out of line, so that the compiler does not
 * judge the accesses against the whole struct. */
static __attribute__((noinline)) struct sl_sched_tbl *
tbl_alloc(uint32_t size)
{
	return calloc(1, offsetof(struct sl_sched_tbl, slot) + (size ? size : 1) * sizeof(uint16_t));
}

static uint64_t
sec_to_ns(uint32_t s)
{
	return (uint64_t)s * 1000000000ull;
}

static void
own_add(struct dp_snap *d, uint8_t family, const struct sl_addr *a)
{
	if (family == SL_AF_INET) {
		if (!dp_owns4(d, a->w[0]))
			d->own4[d->n_own4++] = a->w[0];
	} else if (family == SL_AF_INET6) {
		if (!dp_owns6(d, a->b))
			d->own6[d->n_own6++] = *a;
	}
}

/* The addresses this engine stands for on the wire (see arp_nd.c). */
static int
own_addrs(struct dp_snap *d, const struct dp_opts *o)
{
	uint32_t i, max = 2 * d->n_svc + 1;

	d->own4 = calloc(max, sizeof(*d->own4));
	d->own6 = calloc(max, sizeof(*d->own6));
	if (!d->own4 || !d->own6)
		return -1;
	if (o->have_local4)
		own_add(d, SL_AF_INET, &o->local4);
	if (o->have_local6)
		own_add(d, SL_AF_INET6, &o->local6);
	for (i = 0; i < d->n_svc; i++) {
		const struct dp_svc *v = &d->svc[i];

		own_add(d, v->key.family, &v->key.vip);
		if (v->svc.mode == SL_FWD_NAT && (v->svc.flags & SL_SVC_F_SNAT_SET))
			own_add(d, v->key.family, &v->svc.snat);
	}
	return 0;
}

struct dp_snap *
dp_snap_build(const struct sl_snapshot *s, const struct dp_opts *o, const struct dp_snap *prev,
	      const uint16_t *acl_ctr, char *err, size_t errlen)
{
	struct dp_snap *d = calloc(1, sizeof(*d));
	uint32_t i, nb, slots;

	if (!d)
		goto oom;
	d->gen = s->gen;
	d->flows_per_core = s->g.flows_per_core;
	d->to.tcp = sec_to_ns(s->g.tcp_timeout_s);
	d->to.tcp_fin = sec_to_ns(s->g.tcp_fin_timeout_s);
	d->to.udp = sec_to_ns(s->g.udp_timeout_s);
	d->to.other = sec_to_ns(s->g.other_timeout_s);
	d->to.min = d->to.tcp;
	if (d->to.tcp_fin < d->to.min)
		d->to.min = d->to.tcp_fin;
	if (d->to.udp < d->to.min)
		d->to.min = d->to.udp;
	if (d->to.other < d->to.min)
		d->to.min = d->to.other;

	/* services, and their lookup table at most half full */
	d->n_svc = s->n_svc;
	d->svc = calloc(s->n_svc ? s->n_svc : 1, sizeof(*d->svc));
	for (slots = 8; slots < 2 * s->n_svc; slots <<= 1)
		;
	d->ht = malloc(slots * sizeof(*d->ht));
	if (!d->svc || !d->ht)
		goto oom;
	d->ht_mask = slots - 1;
	for (i = 0; i < slots; i++)
		d->ht[i] = -1;
	for (i = 0; i < SL_MAX_SERVICES; i++)
		d->svc_of_id[i] = -1;
	for (i = 0; i < s->n_svc; i++) {
		const struct sl_snap_svc *ss = &s->svc[i];
		struct dp_svc *v = &d->svc[i];
		uint32_t size = ss->tbl ? ss->tbl->size : 0, h;

		if (ss->svc.id >= SL_MAX_SERVICES || size > SL_SCHED_TBL_MAX) {
			sl_err(err, errlen, "dpdk engine: service '%s' has an id or table out of range",
			     ss->name);
			goto bad;
		}
		v->key = ss->key;
		v->svc = ss->svc;
		d->svc_of_id[ss->svc.id] = (int16_t)i;
		d->has_nat |= ss->svc.mode == SL_FWD_NAT;
		v->all_down = ss->all_down;
		v->tbl = tbl_alloc(size);
		if (!v->tbl)
			goto oom;
		v->tbl->size = size;
		v->tbl->gen = s->gen;
		if (size)
			memcpy(v->tbl->slot, ss->tbl->slot, size * sizeof(uint16_t));
		for (h = svc_key_hash(&v->key) & d->ht_mask; d->ht[h] >= 0; h = (h + 1) & d->ht_mask)
			if (!memcmp(&d->svc[d->ht[h]].key, &v->key, sizeof(v->key))) {
				sl_err(err, errlen, "dpdk engine: two services on one address, port and protocol ('%s')",
				     ss->name);
				goto bad;
			}
		d->ht[h] = (int32_t)i;
	}

	/* backends, with the next hop's MAC where the snapshot gives none */
	nb = s->max_backend_id;
	if (nb > SL_MAX_BACKENDS) {
		sl_err(err, errlen, "dpdk engine: backend ids out of range");
		goto bad;
	}
	d->max_backend_id = nb;
	d->backends = calloc(nb ? nb : 1, sizeof(*d->backends));
	if (!d->backends)
		goto oom;
	if (nb)
		memcpy(d->backends, s->backends, nb * sizeof(*d->backends));
	for (i = 0; i < nb; i++) {
		static const uint8_t zero[6];
		struct sl_backend *b = &d->backends[i];

		if (!memcmp(b->mac, zero, 6) && o->have_gw_mac && !o->kernel_neigh)
			memcpy(b->mac, o->gw_mac, 6);
	}
	if (tun_hdrs(d, o) < 0)
		goto oom;
	/* slots must name backends that exist */
	for (i = 0; i < d->n_svc; i++) {
		uint32_t k;

		for (k = 0; k < d->svc[i].tbl->size; k++)
			if (d->svc[i].tbl->slot[k] >= nb) {
				sl_err(err, errlen, "dpdk engine: a table slot names an unknown backend");
				goto bad;
			}
	}

	/* the firewall */
	d->n_acl = s->n_acl;
	d->acl_default = s->acl_default;
	d->acl = calloc(s->n_acl ? s->n_acl : 1, sizeof(*d->acl));
	if (!d->acl || s->n_acl > SL_MAX_ACL_RULES)
		goto oom;
	if (s->n_acl)
		memcpy(d->acl, s->acl, s->n_acl * sizeof(*d->acl));
	for (i = 0; i < s->n_acl; i++) {
		d->acl_action[i] = s->acl[i].action;
		d->acl_ctr[i] = acl_ctr[i];
	}
	if (acl_ctx(d, SL_AF_INET, &d->acl4, err, errlen) < 0 ||
	    acl_ctx(d, SL_AF_INET6, &d->acl6, err, errlen) < 0)
		goto bad;
	if (own_addrs(d, o) < 0)
		goto oom;
	/* where NAT replies come to: what a worker hands to another */
	if (dp_handoff_snat_build(d, o, prev) < 0)
		goto oom;
	return d;
oom:
	sl_err(err, errlen, "dpdk engine: out of memory");
bad:
	dp_snap_free(d);
	return NULL;
}

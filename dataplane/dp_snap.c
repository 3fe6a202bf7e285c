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

#include <sluice/hash.h>

#include "dp.h"
#include "engine.h"

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

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
	free(s->acl);
	free(s);
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

struct dp_snap *
dp_snap_build(const struct sl_snapshot *s, const struct dp_opts *o, char *err, size_t errlen)
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
	for (i = 0; i < s->n_svc; i++) {
		const struct sl_snap_svc *ss = &s->svc[i];
		struct dp_svc *v = &d->svc[i];
		uint32_t size = ss->tbl ? ss->tbl->size : 0, h;

		if (ss->svc.id >= SL_MAX_SERVICES || size > SL_SCHED_TBL_MAX) {
			fail(err, errlen, "dpdk engine: service '%s' has an id or table out of range",
			     ss->name);
			goto bad;
		}
		v->key = ss->key;
		v->svc = ss->svc;
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
				fail(err, errlen, "dpdk engine: two services on one address, port and protocol ('%s')",
				     ss->name);
				goto bad;
			}
		d->ht[h] = (int32_t)i;
	}

	/* backends, with the next hop's MAC where the snapshot gives none */
	nb = s->max_backend_id;
	if (nb > SL_MAX_BACKENDS) {
		fail(err, errlen, "dpdk engine: backend ids out of range");
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

		if (!memcmp(b->mac, zero, 6) && o->have_gw_mac)
			memcpy(b->mac, o->gw_mac, 6);
	}
	/* slots must name backends that exist */
	for (i = 0; i < d->n_svc; i++) {
		uint32_t k;

		for (k = 0; k < d->svc[i].tbl->size; k++)
			if (d->svc[i].tbl->slot[k] >= nb) {
				fail(err, errlen, "dpdk engine: a table slot names an unknown backend");
				goto bad;
			}
	}

	/* ACL rules: copied for the next slice, which matches them */
	d->n_acl = s->n_acl;
	d->acl_default = s->acl_default;
	d->acl = calloc(s->n_acl ? s->n_acl : 1, sizeof(*d->acl));
	if (!d->acl)
		goto oom;
	if (s->n_acl)
		memcpy(d->acl, s->acl, s->n_acl * sizeof(*d->acl));
	return d;
oom:
	fail(err, errlen, "dpdk engine: out of memory");
bad:
	dp_snap_free(d);
	return NULL;
}

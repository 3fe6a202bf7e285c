/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * handoff.c - NAT replies to the worker that owns their flow: the rings
 * and the snapshot's SNAT addresses, made off the fast path (the fast path
 * itself is inline in handoff.h; why it exists is said there).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "handoff.h"
#include "sbuf.h"

int
dp_handoff_setup(struct dp_engine *e, char *err, size_t errlen)
{
	static unsigned int seq; /* ring names are process-wide */
	struct dp_handoff *ho;
	uint16_t i;

	e->ho = NULL;
	if (e->n_workers < 2)
		return 0;
	ho = rte_zmalloc("sl_handoff", sizeof(*ho), RTE_CACHE_LINE_SIZE);
	if (!ho)
		return sl_err(err, errlen, "dpdk engine: cannot allocate the hand-off state");
	ho->n_workers = e->n_workers;
	for (i = 0; i < e->n_ports; i++)
		ho->port_idx[e->port[i].port_id] = (uint8_t)i;
	seq++;
	for (i = 0; i < e->n_workers; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "sl_ho%u_%u", seq, i);
		ho->ring[i] = rte_ring_create(name, DP_HANDOFF_RING,
					      (int)rte_lcore_to_socket_id(e->w[i]->lcore_id),
					      RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (!ho->ring[i]) {
			sl_err(err, errlen, "dpdk engine: cannot create the hand-off ring of worker "
			       "%u: %s", i, rte_strerror(rte_errno));
			e->ho = ho;
			dp_handoff_free(e);
			return -1;
		}
	}
	e->ho = ho;
	return 0;
}

void
dp_handoff_free(struct dp_engine *e)
{
	struct dp_handoff *ho = e->ho;
	uint16_t i;
	void *m;

	if (!ho)
		return;
	for (i = 0; i < ho->n_workers; i++) {
		if (!ho->ring[i])
			continue;
		while (rte_ring_dequeue(ho->ring[i], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(ho->ring[i]);
	}
	rte_free(ho);
	e->ho = NULL;
}

static void
snat_add(struct dp_snap *d, const struct sl_addr *a, uint8_t family)
{
	uint32_t i;

	for (i = dp_snat_hash(a) & d->snat_mask; d->snat[i].family != SL_AF_NONE;
	     i = (i + 1) & d->snat_mask)
		if (d->snat[i].family == family && !memcmp(&d->snat[i].addr, a, sizeof(*a)))
			return; /* there already */
	d->snat[i].addr = *a;
	d->snat[i].family = family;
}

int
dp_handoff_snat_build(struct dp_snap *d, const struct dp_opts *o, const struct dp_snap *prev)
{
	uint32_t i, n = 0, slots, carried = 0;

	d->snat = NULL;
	d->snat_mask = 0;
	for (i = 0; i < d->n_svc; i++)
		n += d->svc[i].svc.mode == SL_FWD_NAT;
	if (!n)
		return 0;
	/* the sources nat services had before: their flows' late replies
	 * still come to them (kept up to DP_SNAT_KEPT addresses) */
	if (prev && prev->snat)
		n += DP_SNAT_KEPT;
	/* at most half full, as the service table */
	for (slots = 8; slots < 2 * n; slots <<= 1)
		;
	d->snat = calloc(slots, sizeof(*d->snat));
	if (!d->snat)
		return -1;
	d->snat_mask = slots - 1;
	for (i = 0; i < d->n_svc; i++) {
		const struct dp_svc *v = &d->svc[i];
		uint8_t fam = v->key.family; /* nat keeps the family */

		if (v->svc.mode != SL_FWD_NAT)
			continue;
		/* what forward() in worker.c takes as the source */
		if (v->svc.flags & SL_SVC_F_SNAT_SET)
			snat_add(d, &v->svc.snat, fam);
		else if (fam == SL_AF_INET && o->have_local4)
			snat_add(d, &o->local4, fam);
		else if (fam == SL_AF_INET6 && o->have_local6)
			snat_add(d, &o->local6, fam);
	}
	if (prev && prev->snat)
		for (i = 0; i <= prev->snat_mask && carried < DP_SNAT_KEPT; i++)
			if (prev->snat[i].family != SL_AF_NONE) {
				snat_add(d, &prev->snat[i].addr, prev->snat[i].family);
				carried++;
			}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sched_build.c - round robin, smooth weighted round robin and Maglev
 * tables (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016, section 3.4), with weights.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/hash.h>

#include "sched_build.h"

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int
build_wrr(struct sl_sched_tbl *t, const struct sl_sched_input *in, uint32_t n)
{
	uint32_t *w, g = 0, total = 0, i, k;
	int64_t *cur;

	w = calloc(n, sizeof(*w));
	cur = calloc(n, sizeof(*cur));
	if (!w || !cur) {
		free(w);
		free(cur);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i++)
		g = gcd(g, in[i].weight);
	for (i = 0; i < n; i++) {
		w[i] = in[i].weight / g;
		total += w[i];
	}
	if (total > SL_SCHED_TBL_MAX) {
		/* keep proportions, at least one slot each */
		uint64_t sum = total;

		total = 0;
		for (i = 0; i < n; i++) {
			w[i] = (uint32_t)((uint64_t)w[i] * (SL_SCHED_TBL_MAX - n) / sum);
			if (!w[i])
				w[i] = 1;
			total += w[i];
		}
	}
	/* smooth weighted round robin: each step every backend gains its
	 * weight, the richest is picked and pays the total */
	for (k = 0; k < total; k++) {
		uint32_t best = 0;

		for (i = 0; i < n; i++) {
			cur[i] += w[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		t->slot[k] = in[best].id;
	}
	t->size = total;
	free(w);
	free(cur);
	return 0;
}

static int
cmp_identity(const void *a, const void *b)
{
	const struct sl_sched_input *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (c)
		return c;
	return (int)x->port_be - (int)y->port_be;
}

static int
build_maglev(struct sl_sched_tbl *t, const struct sl_sched_input *in0, uint32_t n, uint32_t m)
{
	struct sl_sched_input *in = malloc(n * sizeof(*in));
	uint32_t *offset = malloc(n * sizeof(uint32_t));
	uint32_t *skip = malloc(n * sizeof(uint32_t));
	uint32_t *next = calloc(n, sizeof(uint32_t));
	uint32_t *credit = calloc(n, sizeof(uint32_t));
	int32_t *entry = malloc(m * sizeof(int32_t));
	uint32_t i, filled = 0, maxw = 0;
	int rc = -1;

	if (!in || !offset || !skip || !next || !credit || !entry) {
		errno = ENOMEM;
		goto out;
	}
	/* the table must not depend on the order backends were added in */
	memcpy(in, in0, n * sizeof(*in));
	qsort(in, n, sizeof(*in), cmp_identity);
	for (i = 0; i < n; i++) {
		offset[i] = sl_backend_hash(&in[i].addr, in[i].port_be, SL_HASH_SEED_OFFSET) % m;
		skip[i] = sl_backend_hash(&in[i].addr, in[i].port_be, SL_HASH_SEED_SKIP) % (m - 1) + 1;
		if (in[i].weight > maxw)
			maxw = in[i].weight;
	}
	for (i = 0; i < m; i++)
		entry[i] = -1;
	/* Each round every backend earns its weight in credit and takes one
	 * slot per maxw of credit, so slots end up in proportion to weights. */
	while (filled < m) {
		for (i = 0; i < n && filled < m; i++) {
			credit[i] += in[i].weight;
			while (credit[i] >= maxw && filled < m) {
				uint32_t c;

				credit[i] -= maxw;
				do {
					c = (uint32_t)(((uint64_t)offset[i] + (uint64_t)next[i] * skip[i]) % m);
					next[i]++;
				} while (entry[c] >= 0);
				entry[c] = (int32_t)i;
				filled++;
			}
		}
	}
	for (i = 0; i < m; i++)
		t->slot[i] = in[entry[i]].id;
	t->size = m;
	rc = 0;
out:
	free(in);
	free(offset);
	free(skip);
	free(next);
	free(credit);
	free(entry);
	return rc;
}

int
sl_sched_build(struct sl_sched_tbl *t, unsigned int kind, const struct sl_sched_input *in,
	       uint32_t n, uint32_t maglev_size)
{
	uint32_t i;

	if (!t || (n && !in) || kind >= SL_SCHED_MAX || n > SL_MAX_SVC_BACKENDS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (in[i].weight == 0 || in[i].weight > SL_WEIGHT_MAX) {
			errno = EINVAL;
			return -1;
		}
	}
	if (kind == SL_SCHED_MAGLEV && (maglev_size < SL_MAGLEV_MIN || maglev_size > SL_SCHED_TBL_MAX)) {
		errno = EINVAL;
		return -1;
	}
	t->size = 0;
	if (n == 0)
		return 0;
	switch (kind) {
	case SL_SCHED_RR:
		for (i = 0; i < n; i++)
			t->slot[i] = in[i].id;
		t->size = n;
		return 0;
	case SL_SCHED_WRR:
		return build_wrr(t, in, n);
	default:
		return build_maglev(t, in, n, maglev_size);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow_table.c - a worker's flow table (see flow_table.h).
 */
#include <string.h>

#include "flow_table.h"

SL_STATIC_ASSERT(sizeof(struct sl_ft_entry) == 64, "a flow entry is one cache line");
SL_STATIC_ASSERT(sizeof(struct sl_ft_bucket) == 64, "a bucket is one cache line");
SL_STATIC_ASSERT(sizeof(struct sl_ft_block) == 64 * (1 + SL_FT_WAYS), "a block is its lines");

uint32_t
sl_ft_slots(uint32_t capacity)
{
	uint32_t n = SL_FT_WAYS;

	while (n < capacity && n < (1u << 31))
		n <<= 1;
	return n;
}

size_t
sl_ft_mem_size(uint32_t capacity)
{
	size_t n = sl_ft_slots(capacity);

	return 64 /* struct sl_ft, padded */ + n / SL_FT_WAYS * sizeof(struct sl_ft_block);
}

struct sl_ft *
sl_ft_init(void *mem, uint32_t capacity)
{
	struct sl_ft *t = mem;
	uint32_t n = sl_ft_slots(capacity), i;

	SL_STATIC_ASSERT(sizeof(struct sl_ft) <= 64, "the table header fits its line");
	memset(t, 0, sizeof(*t));
	t->capacity = n;
	t->mask = n / SL_FT_WAYS - 1;
	t->blk = (struct sl_ft_block *)((uint8_t *)mem + 64);
	memset(t->blk, 0, (size_t)(n / SL_FT_WAYS) * sizeof(*t->blk));
	for (i = 0; i < n; i++)
		sl_ft_at(t, i)->way = (uint8_t)(i % SL_FT_WAYS);
	return t;
}

static inline unsigned int
free_ways(const struct sl_ft_bucket *b)
{
	return sl_ft_match(b, 0);
}

/* Bits set in a way mask (no popcnt instruction in this library's build:
 * __builtin_popcount would be a libgcc call). */
static inline int
ways(unsigned int m)
{
	m = m - ((m >> 1) & 0x55);
	m = (m & 0x33) + ((m >> 2) & 0x33);
	return (int)((m + (m >> 4)) & 0x0f);
}

void
sl_ft_remove(struct sl_ft *t, struct sl_ft_entry *x)
{
	if (!x->used)
		return;
	if (x->flow.nat_port_be && t->gone)
		t->gone(t->gone_ctx, x);
	sl_ft_bucket_of(x)->sig[x->way] = 0;
	x->used = 0;
	t->count--;
	t->changes++;
	t->removals++;
}

/* The least recently seen way of bucket b, and its age in stamps. */
static uint32_t
oldest_way(const struct sl_ft_bucket *b, uint32_t now, uint32_t *age)
{
	uint32_t i, best = 0, a = 0;

	for (i = 0; i < SL_FT_WAYS; i++) {
		uint32_t x = now - b->stamp[i];

		if (i == 0 || x > a) {
			a = x;
			best = i;
		}
	}
	*age = a;
	return best;
}

struct sl_ft_entry *
sl_ft_insert(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash, uint64_t now,
	     int *evicted)
{
	uint32_t b1 = sl_ft_b1(t, hash), b2 = sl_ft_b2(t, hash), b, way, st = sl_ft_stamp(now);
	unsigned int f1 = free_ways(&t->blk[b1].b), f2 = b2 != b1 ? free_ways(&t->blk[b2].b) : 0;
	struct sl_ft_entry *x;

	*evicted = 0;
	if (f1 | f2) {
		/* the first choice while it is not much fuller than the second
		 * (a lookup that finds its key there reads one bucket), else the
		 * less loaded */
		int n1 = ways(f1), n2 = ways(f2);

		if (n1 >= SL_FT_PREFER || n1 >= n2) {
			b = b1;
			way = (uint32_t)__builtin_ctz(f1);
		} else {
			b = b2;
			way = (uint32_t)__builtin_ctz(f2);
		}
	} else {
		uint32_t a1, a2, w1 = oldest_way(&t->blk[b1].b, st, &a1),
				 w2 = oldest_way(&t->blk[b2].b, st, &a2);

		if (b2 != b1 && a2 > a1) {
			b = b2;
			way = w2;
		} else {
			b = b1;
			way = w1;
		}
		sl_ft_remove(t, &t->blk[b].e[way]);
		*evicted = 1;
	}
	x = &t->blk[b].e[way];
	x->key = *k;
	memset(&x->flow, 0, sizeof(x->flow));
	x->acl_epoch = 0;
	x->acl_ctr = 0;
	x->used = 1;
	t->blk[b].b.sig[way] = sl_ft_sig(hash);
	t->blk[b].b.stamp[way] = st;
	t->blk[b].b.tun_sport_be[way] = 0;
	t->count++;
	t->changes++;
	return x;
}

uint32_t
sl_ft_expire(struct sl_ft *t, const struct sl_ft_timeouts *to, uint64_t now, uint32_t max_scan)
{
	uint32_t i = t->sweep, n, removed = 0, st = sl_ft_stamp(now);
	/* a slot's entry is read only if it is idle for longer than the
	 * shortest timeout */
	uint32_t young = (uint32_t)(to->min >> SL_FT_STAMP_SHIFT);

	if (max_scan > t->capacity)
		max_scan = t->capacity;
	for (n = 0; n < max_scan; n++, i = (i + 1) & (t->capacity - 1)) {
		const struct sl_ft_bucket *b = &t->blk[i / SL_FT_WAYS].b;
		struct sl_ft_entry *x;

		if (!b->sig[i % SL_FT_WAYS] || st - b->stamp[i % SL_FT_WAYS] <= young)
			continue;
		x = sl_ft_at(t, i);
		if (x->used && sl_ft_expired(t, to, x, now)) {
			sl_ft_remove(t, x);
			removed++;
		}
	}
	t->sweep = i;
	return removed;
}

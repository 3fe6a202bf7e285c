/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow_table.c - a worker's flow table (see flow_table.h).
 */
#include <string.h>

#include "flow_table.h"

static uint32_t
buckets_for(uint32_t capacity)
{
	uint32_t n = 1;

	while (n < capacity && n < (1u << 31))
		n <<= 1;
	return n;
}

static size_t
align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

size_t
sl_ft_mem_size(uint32_t capacity)
{
	if (capacity == 0)
		capacity = 1;
	return align64(sizeof(struct sl_ft)) + align64((size_t)buckets_for(capacity) * sizeof(uint32_t)) +
	       (size_t)capacity * sizeof(struct sl_ft_entry);
}

struct sl_ft *
sl_ft_init(void *mem, uint32_t capacity)
{
	struct sl_ft *t = mem;
	uint32_t i, nb;

	if (capacity == 0)
		capacity = 1;
	nb = buckets_for(capacity);
	memset(t, 0, sizeof(*t));
	t->capacity = capacity;
	t->mask = nb - 1;
	t->bucket = (uint32_t *)((uint8_t *)mem + align64(sizeof(*t)));
	t->e = (struct sl_ft_entry *)((uint8_t *)t->bucket + align64((size_t)nb * sizeof(uint32_t)));
	for (i = 0; i < nb; i++)
		t->bucket[i] = SL_FT_NIL;
	for (i = 0; i < capacity; i++) {
		memset(&t->e[i], 0, sizeof(t->e[i]));
		t->e[i].next = i + 1 < capacity ? i + 1 : SL_FT_NIL;
		t->e[i].prev = SL_FT_NIL;
		t->e[i].hnext = SL_FT_NIL;
	}
	t->free_head = 0;
	t->lru_head = t->lru_tail = SL_FT_NIL;
	return t;
}

static inline int
key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

struct sl_ft_entry *
sl_ft_lookup(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash)
{
	uint32_t i = t->bucket[hash & t->mask];

	while (i != SL_FT_NIL) {
		struct sl_ft_entry *x = &t->e[i];

		if (x->hash == hash && key_eq(&x->key, k))
			return x;
		i = x->hnext;
	}
	return NULL;
}

static void
lru_unlink(struct sl_ft *t, struct sl_ft_entry *x)
{
	uint32_t idx = (uint32_t)(x - t->e);

	if (x->prev != SL_FT_NIL)
		t->e[x->prev].next = x->next;
	else if (t->lru_head == idx)
		t->lru_head = x->next;
	if (x->next != SL_FT_NIL)
		t->e[x->next].prev = x->prev;
	else if (t->lru_tail == idx)
		t->lru_tail = x->prev;
	x->prev = x->next = SL_FT_NIL;
}

static void
lru_append(struct sl_ft *t, struct sl_ft_entry *x)
{
	uint32_t idx = (uint32_t)(x - t->e);

	x->next = SL_FT_NIL;
	x->prev = t->lru_tail;
	if (t->lru_tail != SL_FT_NIL)
		t->e[t->lru_tail].next = idx;
	else
		t->lru_head = idx;
	t->lru_tail = idx;
}

void
sl_ft_remove(struct sl_ft *t, struct sl_ft_entry *x)
{
	uint32_t idx = (uint32_t)(x - t->e);
	uint32_t *pp = &t->bucket[x->hash & t->mask];

	while (*pp != SL_FT_NIL && *pp != idx)
		pp = &t->e[*pp].hnext;
	if (*pp == idx)
		*pp = x->hnext;
	lru_unlink(t, x);
	x->used = 0;
	x->hnext = SL_FT_NIL;
	x->next = t->free_head;
	t->free_head = idx;
	t->count--;
}

struct sl_ft_entry *
sl_ft_insert(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash, uint64_t now,
	     int *evicted)
{
	struct sl_ft_entry *x;
	uint32_t idx, b;

	*evicted = 0;
	if (t->free_head == SL_FT_NIL) {
		sl_ft_remove(t, &t->e[t->lru_head]);
		*evicted = 1;
	}
	idx = t->free_head;
	x = &t->e[idx];
	t->free_head = x->next;
	x->key = *k;
	memset(&x->flow, 0, sizeof(x->flow));
	x->flow.last_seen_ns = now;
	x->hash = hash;
	b = hash & t->mask;
	x->hnext = t->bucket[b];
	t->bucket[b] = idx;
	x->used = 1;
	lru_append(t, x);
	t->count++;
	return x;
}

void
sl_ft_touch(struct sl_ft *t, struct sl_ft_entry *x, uint64_t now)
{
	x->flow.last_seen_ns = now;
	if (t->lru_tail != (uint32_t)(x - t->e)) {
		lru_unlink(t, x);
		lru_append(t, x);
	}
}

uint32_t
sl_ft_expire(struct sl_ft *t, const struct sl_ft_timeouts *to, uint64_t now, uint32_t max_scan)
{
	uint32_t i = t->lru_head, n = 0, removed = 0;

	/* Entries are ordered by last use: once one is younger than the
	 * shortest timeout, so is every entry after it. */
	while (i != SL_FT_NIL && n < max_scan) {
		struct sl_ft_entry *x = &t->e[i];
		uint32_t next = x->next;

		if (now - x->flow.last_seen_ns <= to->min)
			break;
		if (sl_ft_expired(to, x, now)) {
			sl_ft_remove(t, x);
			removed++;
		}
		i = next;
		n++;
	}
	return removed;
}

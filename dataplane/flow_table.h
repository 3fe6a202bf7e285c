/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow_table.h - one worker's flow table: struct sl_flow_key -> struct
 * sl_flow, with a fixed capacity, idle expiry and eviction of the least
 * recently seen flow when full.
 *
 * Layout: a pool of `capacity` entries, a power-of-two array of bucket
 * heads chaining entries by index, and one doubly linked list of the
 * entries in use ordered by last use (head: least recently seen). Every
 * hit moves its entry to the tail, so the head is always the oldest: that
 * is the one evicted when the pool is empty, and an expiry sweep from the
 * head can stop at the first entry younger than the shortest timeout.
 *
 * Memory: the caller gives it (sl_ft_mem_size bytes, zeroed or not), so
 * that the DPDK engine puts it in hugepages on the worker's socket and the
 * unit test in ordinary memory. No function allocates, locks or logs.
 *
 * Thread safety: one writer (the owning worker). Readers on other threads
 * (`show flows`) may walk the entry pool, whose size never changes, with
 * sl_ft_seq() telling them whether the writer was active meanwhile.
 */
#ifndef SLUICE_DP_FLOW_TABLE_H
#define SLUICE_DP_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <sluice/flow-t.h>
#include <sluice/maps-t.h>

#define SL_FT_NIL UINT32_MAX

struct sl_ft_entry {
	struct sl_flow_key key;   /* 40 bytes */
	struct sl_flow flow;      /* 16 bytes */
	uint32_t hash;            /* sl_flow_hash(key, SL_HASH_SEED_FLOW) */
	uint32_t hnext;           /* next in bucket chain */
	uint32_t prev, next;      /* LRU list when used; free list (next) when not */
	uint32_t used;            /* 1 while in the table */
	uint32_t pad;
};

/* Idle timeouts, in the unit of the clock the caller passes (ns). */
struct sl_ft_timeouts {
	uint64_t tcp, tcp_fin, udp, other;
	uint64_t min;             /* the smallest of the four */
};

struct sl_ft {
	uint32_t capacity;
	uint32_t mask;            /* n_buckets - 1 */
	uint32_t count;
	uint32_t free_head;
	uint32_t lru_head, lru_tail;
	volatile uint32_t seq;    /* odd while the owner writes; dataplane: rw, readers: ro */
	uint32_t pad;
	uint32_t *bucket;         /* n_buckets heads */
	struct sl_ft_entry *e;    /* capacity entries */
};

/* Bytes of memory a table of `capacity` entries needs (capacity >= 1). */
size_t sl_ft_mem_size(uint32_t capacity);
/* Lay a table out in `mem` (sl_ft_mem_size bytes, 64-byte aligned). */
struct sl_ft *sl_ft_init(void *mem, uint32_t capacity);

/* The entry for key, or NULL. Does not touch it. */
struct sl_ft_entry *sl_ft_lookup(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash);

/* Insert key (not already present): a fresh entry with a zeroed flow and
 * last_seen_ns = now, at the LRU tail. When full, the least recently seen
 * entry is removed first and *evicted set to 1. Never fails. */
struct sl_ft_entry *sl_ft_insert(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash,
				 uint64_t now, int *evicted);

/* Mark an entry seen at `now`: it becomes the most recent. */
void sl_ft_touch(struct sl_ft *t, struct sl_ft_entry *x, uint64_t now);

void sl_ft_remove(struct sl_ft *t, struct sl_ft_entry *x);

/* The idle timeout that applies to an entry. */
static inline uint64_t
sl_ft_timeout_of(const struct sl_ft_timeouts *to, const struct sl_ft_entry *x)
{
	if (x->key.proto == 6 /* TCP */)
		return (x->flow.flags & (SL_FLOW_F_FIN_SEEN | SL_FLOW_F_RST_SEEN)) ? to->tcp_fin
										 : to->tcp;
	if (x->key.proto == 17 /* UDP */)
		return to->udp;
	return to->other;
}

static inline int
sl_ft_expired(const struct sl_ft_timeouts *to, const struct sl_ft_entry *x, uint64_t now)
{
	return now - x->flow.last_seen_ns > sl_ft_timeout_of(to, x);
}

/* Remove expired entries, looking at no more than `max_scan` from the
 * oldest. Returns how many were removed. */
uint32_t sl_ft_expire(struct sl_ft *t, const struct sl_ft_timeouts *to, uint64_t now,
		      uint32_t max_scan);

/* Writer brackets around a batch of changes, for concurrent readers. */
static inline void
sl_ft_write_begin(struct sl_ft *t)
{
	t->seq++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
sl_ft_write_end(struct sl_ft *t)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->seq++;
}

#endif /* SLUICE_DP_FLOW_TABLE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reply_table.h - one worker's nat reply table: the key a backend's reply
 * to a nat flow carries (backend:port -> snat:port) -> the client flow's
 * slot in the worker's flow table (flow_table.h).
 *
 * A nat flow needs its reply found by the reply's own 5-tuple. Keeping
 * that as a second flow-table entry cost a new flow three more random
 * cache lines (the reply key's two buckets and its entry) and a full
 * insert; here it is one cell in one bucket of two adjacent lines:
 *   - a cell holds the reply key's sl_ft_hash() (all 32 bits), the flow's
 *     slot + 1 (0: the cell is free) and the firewall's verdict for the
 *     reply direction (the epoch and counter, as sl_ft_entry keeps them);
 *   - a key lives in the one bucket its hash names, in any of its
 *     SL_RT_WAYS cells; a full bucket has no room (the caller tries
 *     another source port);
 *   - a cell stands for a key only through its flow: whoever finds a
 *     cell whose hash matches checks the flow in its slot (alive, a nat
 *     flow on that backend, port and protocol: dataplane/worker_int.h). The
 *     snat address, the one field of the key not checked there, is
 *     covered by the hash: the packet's destination is one of the
 *     snapshot's snat addresses, and CRC-32C tells apart keys that differ
 *     in one 32-bit word (IPv4: exact; IPv6: one chance in 2^32 that two
 *     of our own snat addresses collide for the same backend and port).
 * A flow keeps the index of the cell it holds (two, across a snapshot
 * that changed its reply key: struct sl_ft_flow), and frees them as it
 * leaves the flow table (the table's removal hook, sl_ft.gone), whatever
 * the snapshot says then; a third key frees the oldest. A cell whose flow
 * has another key now may be taken by an insert that needs the room; the
 * flow's reference to it then frees nothing (sl_rt_release checks the
 * slot).
 *
 * Memory: the caller gives it (sl_rt_mem_size bytes, 128-byte aligned),
 * as for the flow table. One writer (the owning worker), no locks.
 */
#ifndef SLUICE_DP_REPLY_TABLE_H
#define SLUICE_DP_REPLY_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <sluice/base-t.h>

#define SL_RT_WAYS 8

struct sl_rt_cell {
	uint32_t hash;            /* the reply key's sl_ft_hash() */
	uint32_t slot1;           /* the client flow's slot + 1; 0: free */
	uint32_t acl_epoch;       /* the reply direction's kept verdict (0: none) */
	uint16_t acl_ctr;
	uint16_t pad;
};

struct sl_rt_bucket {
	struct sl_rt_cell c[SL_RT_WAYS];
} __attribute__((aligned(128)));

struct sl_rt {
	uint32_t mask;            /* buckets - 1 */
	uint32_t count;           /* cells in use */
	struct sl_rt_bucket *bk;
};

/* Bytes a table of at least `cells` cells needs (header included). */
size_t sl_rt_mem_size(uint32_t cells);
/* Lay a table out in `mem` (sl_rt_mem_size bytes, 128-byte aligned). */
struct sl_rt *sl_rt_init(void *mem, uint32_t cells);

static inline struct sl_rt_bucket *
sl_rt_bucket_of(const struct sl_rt *t, uint32_t hash)
{
	/* the flow table takes its buckets from the low bits: the high ones
	 * here, so that a reply key's lines and its own flow-table buckets
	 * (were it looked up there) are not the same rows */
	return &t->bk[(hash >> 11 | hash << 21) & t->mask];
}

/* Ahead of a lookup or an insert: the bucket's two lines. */
static inline void
sl_rt_prefetch(const struct sl_rt *t, uint32_t hash)
{
	const char *p = (const char *)sl_rt_bucket_of(t, hash);

#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*p));
	__asm__ volatile("prefetcht0 %0" : : "m"(*(p + 64)));
#else
	__builtin_prefetch(p, 0, 3);
	__builtin_prefetch(p + 64, 0, 3);
#endif
}

/* The cells in use of a bucket whose hash is `hash`, as bits. */
static inline unsigned int
sl_rt_match(const struct sl_rt_bucket *b, uint32_t hash)
{
#ifdef __SSE2__
	/* four cells at a time: their hash and slot words gathered into a
	 * vector each (the cells are 16 bytes: hash, slot1, ...) */
	const __m128i *v = (const __m128i *)b->c;
	__m128i h = _mm_set1_epi32((int)hash), z = _mm_setzero_si128();
	unsigned int m = 0, j;

	SL_STATIC_ASSERT(sizeof(struct sl_rt_cell) == 16 && offsetof(struct sl_rt_cell, slot1) == 4,
			 "a cell is a vector: hash, slot1, ...");
	for (j = 0; j < SL_RT_WAYS / 4; j++) {
		__m128i t0 = _mm_unpacklo_epi32(_mm_load_si128(v + 4 * j), _mm_load_si128(v + 4 * j + 1));
		__m128i t1 = _mm_unpacklo_epi32(_mm_load_si128(v + 4 * j + 2),
						_mm_load_si128(v + 4 * j + 3));
		__m128i eq = _mm_andnot_si128(_mm_cmpeq_epi32(_mm_unpackhi_epi64(t0, t1), z),
					      _mm_cmpeq_epi32(_mm_unpacklo_epi64(t0, t1), h));

		m |= (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(eq)) << (4 * j);
	}
	return m;
#else
	unsigned int m = 0, i;

	for (i = 0; i < SL_RT_WAYS; i++)
		m |= (unsigned int)(b->c[i].hash == hash && b->c[i].slot1 != 0) << i;
	return m;
#endif
}

/* A cell's index + 1, as a flow keeps it (0 stands for none): cells
 * follow each other across buckets (reply_table.c asserts the sizes). */
static inline uint32_t
sl_rt_ref(const struct sl_rt *t, const struct sl_rt_cell *c)
{
	return (uint32_t)((size_t)((const char *)c - (const char *)t->bk) /
			  sizeof(struct sl_rt_cell)) + 1;
}

/* Free the cell `ref` names (sl_rt_ref; 0: none) if flow slot `slot`
 * still holds it: another flow may have taken it since (see above). */
static inline void
sl_rt_release(struct sl_rt *t, uint32_t ref, uint32_t slot)
{
	uint32_t i = ref - 1;
	struct sl_rt_cell *c;

	if (i >= (t->mask + 1) * SL_RT_WAYS)
		return;
	c = &t->bk[i / SL_RT_WAYS].c[i % SL_RT_WAYS];
	if (c->slot1 == slot + 1) {
		c->slot1 = 0;
		t->count--;
	}
}

#endif /* SLUICE_DP_REPLY_TABLE_H */

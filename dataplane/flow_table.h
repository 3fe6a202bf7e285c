/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow_table.h - one worker's flow table: struct sl_flow_key -> struct
 * sl_ft_flow, with a fixed number of slots, idle expiry and, when a new flow
 * finds no free slot, eviction of the least recently seen candidate.
 *
 * Layout, built for the cache (a hit touches one bucket line and one entry
 * line of the same block, which the worker prefetches a burst ahead):
 *   - `capacity` slots (a power of two, >= SL_FT_WAYS), as blocks of one
 *     bucket line and its SL_FT_WAYS entries (576 bytes). Slot i is way
 *     i % SL_FT_WAYS of block i / SL_FT_WAYS. A bucket and its entries
 *     side by side: once the bucket is near, its entries are a near load
 *     too (same page: no second address translation, which is what a
 *     random load costs most in a VM; perf/README.md).
 *   - a bucket line holds per way a 16-bit signature of the entry's hash
 *     (0: the way is free) and a 32-bit stamp of when the entry was last
 *     seen (SL_FT_STAMP_SHIFT units of the clock), so that a lookup
 *     compares keys only on a matching signature and an eviction reads no
 *     entry at all.
 *   - a key may live in two blocks (two choices, from its hash); insert
 *     takes the first while it has SL_FT_PREFER free ways or is no fuller
 *     than the second (so that most lookups read one bucket), else the
 *     second. With both full, the least recently seen of
 *     their 2 x SL_FT_WAYS entries is evicted: the table keeps its oldest
 *     flows out first, per pair of buckets, with no list to maintain, so
 *     that a hit writes only lines the lookup already read. Two choices
 *     keep a table free of evictions until it is 70% to 75% full (less
 *     the larger it is); a table offered as many flows as it has slots
 *     keeps about 96% of them. Size it with that room.
 *   - a nat flow's reply is found through the worker's reply table
 *     (reply_table.h), whose cell holds the flow's slot: the table tells
 *     its owner (`gone`) when such a flow leaves, so that the cell goes
 *     with it.
 * There is no global order: expiry sweeps the slots in turn with a cursor
 * (sl_ft_expire), reading only bucket stamps for slots that are young.
 *
 * Memory: the caller gives it (sl_ft_mem_size bytes, zeroed or not), so
 * that the DPDK engine puts it in hugepages on the worker's socket and the
 * unit test in ordinary memory. No function allocates, locks or logs.
 *
 * Thread safety: one writer (the owning worker). Readers on other threads
 * (`show flows`) may walk the entries, whose number and place never
 * change, with sl_ft_seq() telling them whether the writer was active
 * meanwhile.
 */
#ifndef SLUICE_DP_FLOW_TABLE_H
#define SLUICE_DP_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

#include <sluice/flow-t.h>
#include <sluice/hash.h>
#include <sluice/maps-t.h>

#define SL_FT_NIL UINT32_MAX
#define SL_FT_WAYS 8
#define SL_FT_STAMP_SHIFT 20      /* bucket stamps count 2^20 ns (about 1 ms) */
#define SL_FT_PREFER 5            /* free ways that keep an insert in the first bucket */

/*
 * A flow's state in this table: the XDP engine's struct sl_flow without
 * its clock (when an entry was last seen is its bucket's stamp), with the
 * nat reply cells it holds in its worker's reply table (reply_table.h),
 * so that they leave with it whatever the snapshot says by then.
 */
struct sl_ft_flow {
	uint16_t backend_id;
	uint16_t svc_id;
	uint16_t nat_port_be;     /* nat: the source port toward the backend */
	uint8_t flags;            /* SL_FLOW_F_* */
	uint8_t pad;
	uint32_t reply1;          /* nat: its reply key's cell + 1 (0: none) */
	uint32_t reply1_old;      /* nat: the cell of the key it had before a
				   * snapshot changed it (late replies) + 1 */
};

/*
 * One slot: one cache line.
 *   flow: the flow's state.
 *   acl_epoch, acl_ctr: the firewall let this key in under the snapshot
 *     whose dp_snap.acl_epoch this is (never 0), through the rule counted
 *     at acl_ctr: while the epoch holds, the verdict and its counter are
 *     known without classifying again (the verdict is a function of the
 *     5-tuple and the rules, and every apply has a new epoch).
 */
struct sl_ft_entry {
	struct sl_flow_key key;   /* 40 bytes */
	struct sl_ft_flow flow;   /* 16 bytes */
	uint32_t acl_epoch;       /* 0: no verdict kept */
	uint16_t acl_ctr;
	uint8_t used;             /* 1 while in the table */
	uint8_t way;              /* its way in its bucket: set once (sl_ft_init) */
} __attribute__((aligned(64)));

/* Eight slots' signatures and stamps: one cache line. */
struct sl_ft_bucket {
	uint16_t sig[SL_FT_WAYS];   /* 0: free */
	uint32_t stamp[SL_FT_WAYS]; /* last seen, in 2^SL_FT_STAMP_SHIFT ns, wrapping */
	uint16_t tun_sport_be[SL_FT_WAYS]; /* tunnel: the GUE source port, 0 until computed */
} __attribute__((aligned(64)));

/* A bucket and its ways' entries. */
struct sl_ft_block {
	struct sl_ft_bucket b;
	struct sl_ft_entry e[SL_FT_WAYS];
};

/* Idle timeouts, in the unit of the clock the caller passes (ns). */
struct sl_ft_timeouts {
	uint64_t tcp, tcp_fin, udp, other;
	uint64_t min;             /* the smallest of the four */
};

struct sl_ft {
	uint32_t capacity;        /* slots: a power of two */
	uint32_t mask;            /* buckets - 1 */
	uint32_t count;           /* slots in use */
	uint32_t sweep;           /* the next slot an expiry sweep looks at */
	volatile uint32_t seq;    /* odd while the owner writes; dataplane: rw, readers: ro */
	uint32_t changes;         /* inserts and removals so far (wrapping): a lookup's
				   * result stands while this has not moved */
	uint32_t removals;        /* removals so far, evictions too (wrapping): an entry
				   * a lookup found stands while this has not moved */
	struct sl_ft_block *blk;  /* capacity / SL_FT_WAYS */
	/* called with an entry that has a nat port (flow.nat_port_be) as it
	 * leaves the table, however it leaves, before its slot is reused
	 * (NULL: nobody asks); an entry without a nat port holds no reply
	 * cells (the worker keeps it so: worker_nat.c) */
	void (*gone)(void *ctx, const struct sl_ft_entry *x);
	void *gone_ctx;
};

/* The slots a table asked for `capacity` flows has: capacity rounded up to
 * a power of two, at least SL_FT_WAYS. */
uint32_t sl_ft_slots(uint32_t capacity);
/* Bytes of memory such a table needs. */
size_t sl_ft_mem_size(uint32_t capacity);
/* Lay a table out in `mem` (sl_ft_mem_size bytes, 64-byte aligned). */
struct sl_ft *sl_ft_init(void *mem, uint32_t capacity);

/* Slot i's entry, and an entry's slot and bucket. */
static inline struct sl_ft_entry *
sl_ft_at(const struct sl_ft *t, uint32_t i)
{
	return &t->blk[i / SL_FT_WAYS].e[i % SL_FT_WAYS];
}

static inline uint32_t
sl_ft_block_of(const struct sl_ft *t, const struct sl_ft_entry *x)
{
	return (uint32_t)((size_t)((const uint8_t *)x - (const uint8_t *)t->blk) /
			  sizeof(struct sl_ft_block));
}

/* An entry's bucket, without the division sl_ft_block_of() makes: the
 * line before its block's first entry. */
static inline struct sl_ft_bucket *
sl_ft_bucket_of(const struct sl_ft_entry *x)
{
	return (struct sl_ft_bucket *)(uintptr_t)(x - x->way) - 1;
}

static inline uint32_t
sl_ft_index(const struct sl_ft *t, const struct sl_ft_entry *x)
{
	uint32_t b = sl_ft_block_of(t, x);

	return b * SL_FT_WAYS + (uint32_t)(x - t->blk[b].e);
}

/* ---- hashing into buckets (inline: the worker's per-packet part) ---- */

#define SL_FT_HASH_SEED 0x51f7ab1eu

/*
 * The table's hash of a key: where it lives, and its signature. Only the
 * table needs it (scheduling, NAT ports and GUE source ports use
 * sl_flow_hash(), whose values the XDP engine shares), so it is the
 * cheapest good one at hand: CRC32-C over the key's words (SSE4.2, two
 * instructions for an IPv4 key whose upper address words are zero, as
 * the parser and the NAT code leave them), else sl_flow_hash(). CRC is
 * linear: someone who picks many 5-tuples could make them share buckets,
 * which costs them their own flows (the least recently seen of a pair
 * of buckets go), not others' at large.
 */
static inline uint32_t
sl_ft_hash(const struct sl_flow_key *k)
{
#ifdef __SSE4_2__
	uint64_t w[5];
	uint32_t h;

	memcpy(w, k, sizeof(w));
	if (k->family == SL_AF_INET) {
		/* src.w[0] and dst.w[0]; ports, proto, family */
		h = (uint32_t)_mm_crc32_u64(SL_FT_HASH_SEED, (w[0] & 0xffffffffu) | (w[2] << 32));
		h = (uint32_t)_mm_crc32_u64(h, w[4]);
	} else {
		h = (uint32_t)_mm_crc32_u64(SL_FT_HASH_SEED, w[0]);
		h = (uint32_t)_mm_crc32_u64(h, w[1]);
		h = (uint32_t)_mm_crc32_u64(h, w[2]);
		h = (uint32_t)_mm_crc32_u64(h, w[3]);
		h = (uint32_t)_mm_crc32_u64(h, w[4]);
	}
	return h;
#else
	return sl_flow_hash(k, SL_FT_HASH_SEED);
#endif
}

static inline uint16_t
sl_ft_sig(uint32_t hash)
{
	uint16_t s = (uint16_t)(hash >> 16);

	return s ? s : 1;
}

static inline uint32_t
sl_ft_b1(const struct sl_ft *t, uint32_t hash)
{
	return hash & t->mask;
}

/* The second choice: from the signature (hash bits the first does not
 * use for tables of up to 2^16 buckets), never the first bucket itself. */
static inline uint32_t
sl_ft_b2(const struct sl_ft *t, uint32_t hash)
{
	uint32_t x = (uint32_t)sl_ft_sig(hash) * 0x9e3779b1u;

	return (hash ^ ((x >> 7) | 1u)) & t->mask;
}

static inline uint32_t
sl_ft_stamp(uint64_t now)
{
	return (uint32_t)(now >> SL_FT_STAMP_SHIFT);
}

/* Ways of a bucket whose signature is `sig`, as bits. */
static inline unsigned int
sl_ft_match(const struct sl_ft_bucket *b, uint16_t sig)
{
#ifdef __SSE2__
	__m128i v = _mm_load_si128((const __m128i *)b->sig);
	__m128i c = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig));

	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(c, _mm_setzero_si128()));
#else
	unsigned int m = 0, i;

	for (i = 0; i < SL_FT_WAYS; i++)
		m |= (unsigned int)(b->sig[i] == sig) << i;
	return m;
#endif
}

/* Word i of a key, loaded where it lies (a copy of the whole key first
 * costs GCC a trip through the stack). */
static inline uint64_t
sl_ft_key_word(const struct sl_flow_key *k, int i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)k + 8 * i, sizeof(w));
	return w;
}

static inline int
sl_ft_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	SL_STATIC_ASSERT(sizeof(struct sl_flow_key) == 40, "a flow key is five words");
	return !((sl_ft_key_word(a, 0) ^ sl_ft_key_word(b, 0)) |
		 (sl_ft_key_word(a, 1) ^ sl_ft_key_word(b, 1)) |
		 (sl_ft_key_word(a, 2) ^ sl_ft_key_word(b, 2)) |
		 (sl_ft_key_word(a, 3) ^ sl_ft_key_word(b, 3)) |
		 (sl_ft_key_word(a, 4) ^ sl_ft_key_word(b, 4)));
}

/* A prefetch the compiler keeps: GCC 12 deletes __builtin_prefetch() in
 * code like sl_ft_prefetch_entry() as dead (its result is unused). */
static inline void
sl_ft_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 0, 3);
#endif
}

/* Ahead of a lookup: the key's first bucket (where most keys live) and,
 * with `both`, its second. The worker asks for both once the table is
 * half full: from then on many keys live in their second bucket, and a
 * second bucket looked for only after the first came in would be a wait
 * of its own. */
static inline void
sl_ft_prefetch_bucket(const struct sl_ft *t, uint32_t hash, int both)
{
	sl_ft_prefetch(&t->blk[sl_ft_b1(t, hash)].b);
	if (both)
		sl_ft_prefetch(&t->blk[sl_ft_b2(t, hash)].b);
}

/* Once the buckets are near: the entry whose signature matches in the
 * first bucket, else in the second, else (a new key) the entry an insert
 * would take in the first; and if the second bucket was not asked for yet
 * and the key is not in the first, the second bucket. */
static inline void
sl_ft_prefetch_entry(const struct sl_ft *t, uint32_t hash, int both)
{
	uint16_t sig = sl_ft_sig(hash);
	const struct sl_ft_block *b1 = &t->blk[sl_ft_b1(t, hash)], *b2;
	unsigned int m = sl_ft_match(&b1->b, sig);

	if (m) {
		sl_ft_prefetch(&b1->e[__builtin_ctz(m)]);
		return;
	}
	b2 = &t->blk[sl_ft_b2(t, hash)];
	if (!both) {
		sl_ft_prefetch(&b2->b);
	} else {
		m = sl_ft_match(&b2->b, sig);
		if (m) {
			sl_ft_prefetch(&b2->e[__builtin_ctz(m)]);
			return;
		}
	}
	m = sl_ft_match(&b1->b, 0);
	if (m)
		sl_ft_prefetch(&b1->e[__builtin_ctz(m)]);
}

static inline struct sl_ft_entry *
sl_ft_lookup_bucket(struct sl_ft *t, uint32_t b, uint16_t sig, const struct sl_flow_key *k)
{
	struct sl_ft_block *bk = &t->blk[b];
	unsigned int m = sl_ft_match(&bk->b, sig);

	while (m) {
		struct sl_ft_entry *x = &bk->e[__builtin_ctz(m)];

		if (sl_ft_key_eq(&x->key, k))
			return x;
		m &= m - 1;
	}
	return NULL;
}

/* The entry for key, or NULL. Does not touch it. */
static inline __attribute__((always_inline)) struct sl_ft_entry *
sl_ft_lookup(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash)
{
	uint16_t sig = sl_ft_sig(hash);
	struct sl_ft_entry *x = sl_ft_lookup_bucket(t, sl_ft_b1(t, hash), sig, k);

	return x ? x : sl_ft_lookup_bucket(t, sl_ft_b2(t, hash), sig, k);
}

/* Insert key (not already present): a fresh entry with a zeroed flow,
 * seen now. When both its buckets are full, the least
 * recently seen entry of the two is removed first (ties: the first found)
 * and *evicted set to 1. Never fails. */
struct sl_ft_entry *sl_ft_insert(struct sl_ft *t, const struct sl_flow_key *k, uint32_t hash,
				 uint64_t now, int *evicted);

/* Mark an entry seen at `now`: its bucket stamp, which the lookup has just
 * read (the entry's line stays clean). */
static inline void
sl_ft_touch(struct sl_ft *t, struct sl_ft_entry *x, uint64_t now)
{
	(void)t;
	sl_ft_bucket_of(x)->stamp[x->way] = sl_ft_stamp(now);
}

/* An entry's stamp in its bucket: for a caller that both reads it (the
 * entry's idle time, sl_ft_idle_of_stamp) and then marks the entry seen. */
static inline uint32_t *
sl_ft_stamp_of(struct sl_ft *t, struct sl_ft_entry *x)
{
	(void)t;
	return &sl_ft_bucket_of(x)->stamp[x->way];
}

/* The tunnel GUE source port kept for an entry (0: none yet). */
static inline uint16_t *
sl_ft_tun_sport(struct sl_ft *t, struct sl_ft_entry *x)
{
	(void)t;
	return &sl_ft_bucket_of(x)->tun_sport_be[x->way];
}

/* How long an entry has been idle at `now`, in ns, to a stamp unit
 * (2^SL_FT_STAMP_SHIFT ns): from the stamps, so either way by less than
 * one unit. */
static inline uint64_t
sl_ft_idle_of_stamp(uint32_t stamp, uint64_t now)
{
	return (uint64_t)(uint32_t)(sl_ft_stamp(now) - stamp) << SL_FT_STAMP_SHIFT;
}

static inline uint64_t
sl_ft_idle(const struct sl_ft *t, const struct sl_ft_entry *x, uint64_t now)
{
	(void)t;
	return sl_ft_idle_of_stamp(sl_ft_bucket_of(x)->stamp[x->way], now);
}

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

/* Idle for longer than its timeout (to a stamp unit). */
static inline int
sl_ft_expired(const struct sl_ft *t, const struct sl_ft_timeouts *to, const struct sl_ft_entry *x,
	      uint64_t now)
{
	return sl_ft_idle(t, x, now) > sl_ft_timeout_of(to, x);
}

/* Remove expired entries among the next `max_scan` slots after the
 * table's sweep cursor (wrapping; a slot is looked at no more than once a
 * call), and move the cursor past them. Only slots whose bucket stamp is
 * older than the shortest timeout have their entry read. Returns how many
 * were removed. */
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

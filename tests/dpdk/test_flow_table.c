/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_flow_table.c - the DPDK engine's per-lcore flow table, alone (it
 * has no DPDK in it): insert, lookup, expiry, eviction of the least
 * recently seen when a flow's buckets are full, counts, the `gone` hook;
 * and the nat reply table's layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sluice/hash.h>

#include "flow_table.h"
#include "reply_table.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define FT_TEST_CAP 1000

static struct sl_ft *
ft_new(uint32_t cap)
{
	void *mem = aligned_alloc(64, (sl_ft_mem_size(cap) + 63) & ~(size_t)63);

	assert_non_null(mem);
	return sl_ft_init(mem, cap);
}

static struct sl_flow_key
key(uint32_t n, uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src.w[0] = 0x0a000000u + n;
	k.dst.w[0] = 0xc6336400u;
	k.sport_be = (uint16_t)(1024 + n);
	k.dport_be = 80;
	k.proto = proto;
	k.family = SL_AF_INET;
	return k;
}

static uint32_t
h(const struct sl_flow_key *k)
{
	return sl_flow_hash(k, SL_HASH_SEED_FLOW);
}

static const struct sl_ft_timeouts to = {
	.tcp = 300 * SEC, .tcp_fin = 10 * SEC, .udp = 30 * SEC, .other = 30 * SEC, .min = 10 * SEC,
};

static void
test_insert_lookup(void **state)
{
	struct sl_ft *t = ft_new(64);
	struct sl_flow_key k = key(1, 6), k2 = key(2, 6);
	struct sl_ft_entry *x;
	int ev;

	(void)state;
	assert_null(sl_ft_lookup(t, &k, h(&k)));
	x = sl_ft_insert(t, &k, h(&k), 100, &ev);
	assert_int_equal(ev, 0);
	x->flow.backend_id = 7;
	x->flow.svc_id = 3;
	assert_int_equal(t->count, 1);
	x = sl_ft_lookup(t, &k, h(&k));
	assert_non_null(x);
	assert_int_equal(x->flow.backend_id, 7);
	assert_int_equal(x->flow.svc_id, 3);
	assert_int_equal(sl_ft_idle(t, x, 100), 0);
	assert_null(sl_ft_lookup(t, &k2, h(&k2)));
	x->flow.reply1 = 5;
	sl_ft_remove(t, x);
	assert_int_equal(t->count, 0);
	/* a key inserted again starts from a zeroed flow */
	x = sl_ft_insert(t, &k, h(&k), 100, &ev);
	assert_int_equal(x->flow.reply1, 0);
	assert_int_equal(x->flow.backend_id, 0);
	sl_ft_remove(t, x);
	assert_null(sl_ft_lookup(t, &k, h(&k)));
	free(t);
}

/* Keys with one hash share their two buckets: told apart by the whole key
 * (the signature matches for all), and when the 16 slots are taken the
 * 17th evicts. */
static void
test_collisions(void **state)
{
	struct sl_ft *t = ft_new(1024);
	uint32_t i;
	int ev;

	(void)state;
	for (i = 0; i < 2 * SL_FT_WAYS; i++) {
		struct sl_flow_key k = key(i, 17);

		sl_ft_insert(t, &k, 42, (uint64_t)i * MS, &ev)->flow.backend_id = (uint16_t)i;
		assert_int_equal(ev, 0);
	}
	assert_int_equal(t->count, 2 * SL_FT_WAYS);
	for (i = 0; i < 2 * SL_FT_WAYS; i += 3) {
		struct sl_flow_key k = key(i, 17);
		struct sl_ft_entry *x = sl_ft_lookup(t, &k, 42);

		assert_non_null(x);
		assert_int_equal(x->flow.backend_id, i);
		sl_ft_remove(t, x);
		assert_null(sl_ft_lookup(t, &k, 42));
		/* and back, in the slot just freed: no eviction */
		sl_ft_insert(t, &k, 42, (uint64_t)(100 + i) * MS, &ev)->flow.backend_id = (uint16_t)i;
		assert_int_equal(ev, 0);
	}
	for (i = 0; i < 2 * SL_FT_WAYS; i++) {
		struct sl_flow_key k = key(i, 17);

		assert_non_null(sl_ft_lookup(t, &k, 42));
	}
	/* a 17th flow with that hash: the least recently seen goes (flow 1) */
	{
		struct sl_flow_key k = key(1000, 17), k1 = key(1, 17);

		sl_ft_insert(t, &k, 42, 500 * MS, &ev);
		assert_int_equal(ev, 1);
		assert_int_equal(t->count, 2 * SL_FT_WAYS);
		assert_null(sl_ft_lookup(t, &k1, 42));
		assert_non_null(sl_ft_lookup(t, &k, 42));
	}
	free(t);
}

/* A table fills to most of its slots before the first eviction, and loses
 * no flow that it did not count as evicted. */
static void
test_fill(void **state)
{
	struct sl_ft *t = ft_new(1 << 16);
	uint32_t i, evicted = 0, first = 0;
	int ev;

	(void)state;
	assert_int_equal(t->capacity, 1 << 16);
	for (i = 0; i < (1 << 16); i++) {
		struct sl_flow_key k = key(i, 6);

		sl_ft_insert(t, &k, h(&k), i, &ev);
		if (ev && !first)
			first = i;
		evicted += (uint32_t)ev;
	}
	/* two choices of 8 ways: the first eviction comes at 70% to 75% full
	 * (74% for these keys; 69% at 2^22 slots), and a table offered as
	 * many flows as it has slots keeps over 95% of them */
	assert_true(first >= (1 << 16) * 70 / 100);
	assert_true(evicted <= (1 << 16) / 20);
	assert_int_equal(t->count + evicted, 1 << 16);
	/* every flow still in is found, every evicted one is not: none lost */
	for (i = 0; i < (1 << 16); i++) {
		struct sl_flow_key k = key(i, 6);

		if (!sl_ft_lookup(t, &k, h(&k)))
			evicted--;
	}
	assert_int_equal(evicted, 0);
	free(t);
}

static void
test_expiry(void **state)
{
	struct sl_ft *t = ft_new(64);
	struct sl_flow_key tcp = key(1, 6), fin = key(2, 6), udp = key(3, 17);
	struct sl_ft_entry *x;
	int ev;

	(void)state;
	sl_ft_insert(t, &tcp, h(&tcp), 0, &ev);
	x = sl_ft_insert(t, &fin, h(&fin), 0, &ev);
	x->flow.flags |= SL_FLOW_F_FIN_SEEN;
	sl_ft_insert(t, &udp, h(&udp), 0, &ev);

	/* nothing is older than the shortest timeout yet */
	assert_int_equal(sl_ft_expire(t, &to, 10 * SEC, 100), 0);
	assert_int_equal(t->count, 3);
	/* the FIN flow goes after tcp-fin, though an older TCP flow stays */
	assert_int_equal(sl_ft_expire(t, &to, 11 * SEC, 100), 1);
	assert_null(sl_ft_lookup(t, &fin, h(&fin)));
	assert_int_equal(t->count, 2);
	/* UDP after 30 s */
	assert_int_equal(sl_ft_expire(t, &to, 31 * SEC, 100), 1);
	assert_null(sl_ft_lookup(t, &udp, h(&udp)));
	/* a touched TCP flow lives on */
	x = sl_ft_lookup(t, &tcp, h(&tcp));
	sl_ft_touch(t, x, 200 * SEC);
	/* idle times from the stamps: to about a millisecond */
	assert_true(sl_ft_idle(t, x, 250 * SEC) > 50 * SEC - 2 * MS);
	assert_true(sl_ft_idle(t, x, 250 * SEC) < 50 * SEC + 2 * MS);
	assert_int_equal(sl_ft_expire(t, &to, 301 * SEC, 100), 0);
	assert_false(sl_ft_expired(t, &to, x, 500 * SEC - 2 * MS));
	assert_true(sl_ft_expired(t, &to, x, 500 * SEC + 2 * MS));
	assert_int_equal(sl_ft_expire(t, &to, 500 * SEC - 2 * MS, 100), 0);
	assert_int_equal(sl_ft_expire(t, &to, 500 * SEC + 2 * MS, 100), 1);
	assert_int_equal(t->count, 0);
	free(t);
}

/* A sweep looks at no more slots than it is told, goes on where the last
 * one stopped, and a whole turn finds every expired flow. */
static void
test_expiry_bounded(void **state)
{
	struct sl_ft *t = ft_new(128);
	uint32_t i, in_first = 0, removed;
	int ev;

	(void)state;
	for (i = 0; i < 100; i++) {
		struct sl_flow_key k = key(i, 17);

		sl_ft_insert(t, &k, h(&k), 0, &ev);
		assert_int_equal(ev, 0);
	}
	for (i = 0; i < 32; i++)
		in_first += sl_ft_at(t, i)->used;
	removed = sl_ft_expire(t, &to, 100 * SEC, 32);
	assert_int_equal(removed, in_first);
	for (i = 0; i < 32; i++)
		assert_int_equal(sl_ft_at(t, i)->used, 0);
	assert_int_equal(t->count, 100 - removed);
	/* the next 32 are the next sweep's */
	for (i = 32, in_first = 0; i < 64; i++)
		in_first += sl_ft_at(t, i)->used;
	assert_int_equal(sl_ft_expire(t, &to, 100 * SEC, 32), in_first);
	assert_int_equal(sl_ft_expire(t, &to, 100 * SEC, 1000), 100 - removed - in_first);
	assert_int_equal(t->count, 0);
	free(t);
}

/* When a new flow's two buckets are full, the least recently seen of
 * their flows goes, and only it; a touch makes a flow young again. */
static void
test_evict_oldest(void **state)
{
	struct sl_ft *t = ft_new(FT_TEST_CAP);
	struct sl_flow_key k[2 * SL_FT_WAYS], kn = key(100000, 6);
	uint32_t i, hash = 0x12345678u;
	int ev;

	(void)state;
	/* 16 flows on one hash (its two buckets), seen 1 ms apart */
	for (i = 0; i < 2 * SL_FT_WAYS; i++) {
		k[i] = key(i, 6);
		sl_ft_insert(t, &k[i], hash, (1000 + i) * MS, &ev);
		assert_int_equal(ev, 0);
	}
	/* flow 0 is seen again: flow 1 is now the oldest */
	sl_ft_touch(t, sl_ft_lookup(t, &k[0], hash), 5000 * MS);
	sl_ft_insert(t, &kn, hash, 6000 * MS, &ev);
	assert_int_equal(ev, 1);
	assert_int_equal(t->count, 2 * SL_FT_WAYS);
	assert_null(sl_ft_lookup(t, &k[1], hash));
	for (i = 0; i < 2 * SL_FT_WAYS; i++)
		if (i != 1)
			assert_non_null(sl_ft_lookup(t, &k[i], hash));
	assert_non_null(sl_ft_lookup(t, &kn, hash));
	/* and again: flow 2 next */
	kn = key(100001, 6);
	sl_ft_insert(t, &kn, hash, 6001 * MS, &ev);
	assert_int_equal(ev, 1);
	assert_null(sl_ft_lookup(t, &k[2], hash));
	assert_non_null(sl_ft_lookup(t, &k[3], hash));
	/* a flow with another hash has room elsewhere: no eviction */
	kn = key(100002, 6);
	sl_ft_insert(t, &kn, h(&kn), 6002 * MS, &ev);
	assert_int_equal(ev, 0);
	free(t);
}

/* The `gone` hook: called for an entry with a nat port as it leaves,
 * however it leaves (removed, expired, evicted), and for no other. */
static int gone_calls;
static struct sl_flow_key gone_last;

static void
gone(void *ctx, const struct sl_ft_entry *x)
{
	assert_ptr_equal(ctx, &gone_calls);
	assert_true(x->used);
	assert_int_not_equal(x->flow.nat_port_be, 0);
	gone_calls++;
	gone_last = x->key;
}

static void
test_gone_hook(void **state)
{
	struct sl_ft *t = ft_new(FT_TEST_CAP);
	struct sl_flow_key k[2 * SL_FT_WAYS + 1];
	struct sl_ft_entry *x;
	uint32_t i, hash = 0x2468ace0u;
	int ev;

	(void)state;
	t->gone = gone;
	t->gone_ctx = &gone_calls;
	/* a nat flow removed; a flow without a nat port removed */
	k[0] = key(1, 6);
	x = sl_ft_insert(t, &k[0], h(&k[0]), 1000 * MS, &ev);
	x->flow.nat_port_be = 4321;
	sl_ft_remove(t, x);
	assert_int_equal(gone_calls, 1);
	assert_memory_equal(&gone_last, &k[0], sizeof(k[0]));
	x = sl_ft_insert(t, &k[0], h(&k[0]), 1000 * MS, &ev);
	sl_ft_remove(t, x);
	assert_int_equal(gone_calls, 1);
	/* expired by the sweep */
	k[1] = key(2, 17);
	x = sl_ft_insert(t, &k[1], h(&k[1]), 1000 * MS, &ev);
	x->flow.nat_port_be = 4322;
	assert_int_equal(sl_ft_expire(t, &to, 1000 * MS + 31 * SEC, t->capacity), 1);
	assert_int_equal(gone_calls, 2);
	assert_memory_equal(&gone_last, &k[1], sizeof(k[1]));
	/* evicted: the oldest of a full pair of buckets, a nat flow */
	for (i = 0; i < 2 * SL_FT_WAYS; i++) {
		k[i] = key(100 + i, 6);
		x = sl_ft_insert(t, &k[i], hash, (2000 + i) * MS, &ev);
		x->flow.nat_port_be = (uint16_t)(5000 + i);
	}
	k[2 * SL_FT_WAYS] = key(999, 6);
	sl_ft_insert(t, &k[2 * SL_FT_WAYS], hash, 3000 * MS, &ev);
	assert_int_equal(ev, 1);
	assert_int_equal(gone_calls, 3);
	assert_memory_equal(&gone_last, &k[0], sizeof(k[0]));
	free(t);
}

/* The nat reply table's layout: a key's bucket from its hash, cells
 * matched by hash only while in use, named by an index a flow keeps and
 * released through it only while that flow's slot holds them. */
static void
test_reply_table(void **state)
{
	size_t sz = sl_rt_mem_size(1000);
	struct sl_rt *t = sl_rt_init(aligned_alloc(128, (sz + 127) & ~(size_t)127), 1000);
	struct sl_rt_bucket *b;
	uint32_t hash = 0x9abcdef1u, ref;

	(void)state;
	assert_int_equal(t->mask + 1, 128); /* 1000 cells: 128 buckets of 8 */
	assert_int_equal((uintptr_t)t->bk % 128, 0);
	b = sl_rt_bucket_of(t, hash);
	assert_int_equal(sl_rt_match(b, hash), 0);
	b->c[3].hash = hash;
	b->c[3].slot1 = 42;
	b->c[5].hash = hash;
	b->c[5].slot1 = 0; /* free: never matches */
	b->c[6].hash = hash + 1;
	b->c[6].slot1 = 43;
	t->count = 2;
	assert_int_equal(sl_rt_match(b, hash), 1u << 3);
	assert_ptr_equal(sl_rt_bucket_of(t, hash), b);
	ref = sl_rt_ref(t, &b->c[3]);
	assert_int_equal(ref, (uint32_t)(b - t->bk) * SL_RT_WAYS + 3 + 1);
	assert_int_equal(sl_rt_ref(t, &t->bk[0].c[0]), 1);
	sl_rt_release(t, ref, 40); /* not that slot: nothing */
	sl_rt_release(t, 0, 41);   /* no cell */
	sl_rt_release(t, (t->mask + 1) * SL_RT_WAYS + 1, 41); /* past the end */
	assert_int_equal(b->c[3].slot1, 42);
	assert_int_equal(t->count, 2);
	sl_rt_release(t, ref, 41);
	assert_int_equal(b->c[3].slot1, 0);
	assert_int_equal(t->count, 1);
	assert_int_equal(sl_rt_match(b, hash), 0);
	assert_int_equal(b->c[6].slot1, 43);
	free(t);
}

/* sl_rt_match() (vectors where the machine has them) against one cell at
 * a time, on buckets of cells in use or free, with the hash looked for,
 * one like it, or another; acl fields at random (never read by it). */
static void
test_reply_match(void **state)
{
	struct sl_rt_bucket *b = aligned_alloc(128, sizeof(*b));
	uint64_t x = 88172645463325252ull;
	int round, i;

	(void)state;
	for (round = 0; round < 200000; round++) {
		uint32_t hash, want = 0;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		hash = (uint32_t)(x >> 32);
		for (i = 0; i < SL_RT_WAYS; i++) {
			uint32_t r;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			r = (uint32_t)x;
			b->c[i].hash = r % 3 == 0 ? hash : r % 3 == 1 ? hash ^ (1u << (r >> 27)) : r;
			b->c[i].slot1 = (r >> 8) % 4 ? (uint32_t)(x >> 40) | 1 : 0;
			b->c[i].acl_epoch = (uint32_t)(x >> 16);
			b->c[i].acl_ctr = (uint16_t)(x >> 48);
			if (b->c[i].hash == hash && b->c[i].slot1)
				want |= 1u << i;
		}
		assert_int_equal(sl_rt_match(b, hash), want);
	}
	free(b);
}

/* The smallest table (one bucket), and counts through insert/remove cycles. */
static void
test_counts(void **state)
{
	struct sl_ft *t = ft_new(1);
	struct sl_flow_key a = key(1, 6), b = key(2, 6);
	uint32_t i;
	int ev;

	(void)state;
	assert_int_equal(t->capacity, SL_FT_WAYS);
	assert_int_equal(sl_ft_slots(1000), 1024);
	for (i = 0; i < SL_FT_WAYS; i++) {
		struct sl_flow_key k = key(10 + i, 6);

		sl_ft_insert(t, &k, h(&k), i * MS, &ev);
		assert_int_equal(ev, 0);
	}
	assert_int_equal(t->count, SL_FT_WAYS);
	for (i = 0; i < 10; i++) {
		sl_ft_insert(t, &a, h(&a), (100 + i) * MS, &ev);
		assert_int_equal(ev, 1);
		assert_int_equal(t->count, SL_FT_WAYS);
		sl_ft_insert(t, &b, h(&b), (100 + i) * MS, &ev);
		assert_int_equal(ev, 1);
		assert_int_equal(t->count, SL_FT_WAYS);
		assert_non_null(sl_ft_lookup(t, &a, h(&a)));
		sl_ft_remove(t, sl_ft_lookup(t, &a, h(&a)));
		sl_ft_remove(t, sl_ft_lookup(t, &b, h(&b)));
		assert_int_equal(t->count, SL_FT_WAYS - 2);
		assert_null(sl_ft_lookup(t, &a, h(&a)));
		assert_null(sl_ft_lookup(t, &b, h(&b)));
		/* two older flows made room: put two back */
		{
			struct sl_flow_key c = key(1000 + 2 * i, 6), d = key(1001 + 2 * i, 6);

			sl_ft_insert(t, &c, h(&c), (100 + i) * MS, &ev);
			assert_int_equal(ev, 0);
			sl_ft_insert(t, &d, h(&d), (100 + i) * MS, &ev);
			assert_int_equal(ev, 0);
		}
	}
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_expiry_bounded),
		cmocka_unit_test(test_evict_oldest),
		cmocka_unit_test(test_gone_hook),
		cmocka_unit_test(test_reply_table),
		cmocka_unit_test(test_reply_match),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

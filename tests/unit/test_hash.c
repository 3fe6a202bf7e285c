/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_hash.c - flow hashing: stable values (the hash is part of the
 * contract between sluice nodes: maglev only agrees across nodes if they
 * hash alike), sensitivity to every field, spread, and the symmetric form.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sluice/hash.h>

/* computed once, by the first version of sl_flow_hash */
#define GOLDEN_FLOW 0xfbb1a513u
#define GOLDEN_ZERO 0xc2067ae9u
#define GOLDEN_BE_OFF 0x8097a117u
#define GOLDEN_BE_SKIP 0x68c82687u

static struct sl_flow_key
k4(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src.w[0] = htonl(src);
	k.dst.w[0] = htonl(dst);
	k.sport_be = htons(sp);
	k.dport_be = htons(dp);
	k.proto = proto;
	k.family = SL_AF_INET;
	return k;
}

static void
test_golden_values(void **state)
{
	struct sl_flow_key a = k4(0xc0000201, 0xc633640a, 40000, 80, 6);
	struct sl_flow_key z;
	struct sl_addr be = {.w = {htonl(0x0a00010b), 0, 0, 0}};

	memset(&z, 0, sizeof(z));
	/* Pinned: a change here changes which backend maglev picks on every
	 * node. If it must change, it is a flag day for mixed clusters. */
	print_message("flow %08x zero %08x backend %08x %08x\n",
		      sl_flow_hash(&a, SL_HASH_SEED_FLOW), sl_flow_hash(&z, 0),
		      sl_backend_hash(&be, htons(80), SL_HASH_SEED_OFFSET),
		      sl_backend_hash(&be, htons(80), SL_HASH_SEED_SKIP));
	assert_int_equal(sl_flow_hash(&a, SL_HASH_SEED_FLOW), GOLDEN_FLOW);
	assert_int_equal(sl_flow_hash(&z, 0), GOLDEN_ZERO);
	assert_int_equal(sl_backend_hash(&be, htons(80), SL_HASH_SEED_OFFSET), GOLDEN_BE_OFF);
	assert_int_equal(sl_backend_hash(&be, htons(80), SL_HASH_SEED_SKIP), GOLDEN_BE_SKIP);
}

static void
test_every_field_matters(void **state)
{
	struct sl_flow_key base = k4(0x0a000001, 0x0a000002, 1000, 80, 6), k;
	uint32_t h0 = sl_flow_hash(&base, 1);
	size_t byte;
	int bit;

	/* flip each bit of each defined field: the hash changes */
	for (byte = 0; byte < offsetof(struct sl_flow_key, pad); byte++) {
		for (bit = 0; bit < 8; bit++) {
			k = base;
			((uint8_t *)&k)[byte] ^= (uint8_t)(1 << bit);
			assert_int_not_equal(sl_flow_hash(&k, 1), h0);
		}
	}
	assert_int_not_equal(sl_flow_hash(&base, 2), h0); /* and the seed */
}

static void
test_avalanche(void **state)
{
	uint64_t flipped = 0, trials = 0;
	uint32_t i;
	int bit;

	for (i = 0; i < 2000; i++) {
		struct sl_flow_key k = k4(0x0a000000 + i * 7919, 0xc633640a, (uint16_t)(i * 31), 443, 6);
		uint32_t h = sl_flow_hash(&k, SL_HASH_SEED_FLOW);

		for (bit = 0; bit < 32; bit++) {
			struct sl_flow_key m = k;

			m.src.w[0] ^= 1u << bit;
			flipped += (uint64_t)__builtin_popcount(h ^ sl_flow_hash(&m, SL_HASH_SEED_FLOW));
			trials++;
		}
	}
	print_message("avalanche: %.2f of 32 output bits flip per input bit\n",
		      (double)flipped / (double)trials);
	assert_true((double)flipped / (double)trials > 15.0);
	assert_true((double)flipped / (double)trials < 17.0);
}

/* Sequential clients (the worst case for weak hashes) spread evenly. */
static void
test_spread(void **state)
{
	enum { BUCKETS = 1024, N = 1 << 20 };
	static uint32_t count[BUCKETS];
	uint32_t i, min = UINT32_MAX, max = 0;

	memset(count, 0, sizeof(count));
	for (i = 0; i < N; i++) {
		struct sl_flow_key k = k4(0x0a000000 + (i >> 6), 0xc633640a,
					  (uint16_t)(32768 + (i & 63)), 80, 6);

		count[sl_flow_hash(&k, SL_HASH_SEED_FLOW) % BUCKETS]++;
	}
	for (i = 0; i < BUCKETS; i++) {
		if (count[i] < min)
			min = count[i];
		if (count[i] > max)
			max = count[i];
	}
	print_message("spread over %d buckets: min %u max %u (mean %d)\n", BUCKETS, min, max,
		      N / BUCKETS);
	/* mean 1024, sd 32: +-15% is over 4.5 sd */
	assert_true(min > (N / BUCKETS) * 85 / 100);
	assert_true(max < (N / BUCKETS) * 115 / 100);
}

static void
test_symmetric(void **state)
{
	uint32_t i, same_dir = 0;

	for (i = 0; i < 10000; i++) {
		struct sl_flow_key a = k4(0x0a000000 + i, 0x0b000000 + i * 3, (uint16_t)(1024 + i),
					  (uint16_t)(80 + i % 7), 6);
		struct sl_flow_key b = a;

		b.src = a.dst;
		b.dst = a.src;
		b.sport_be = a.dport_be;
		b.dport_be = a.sport_be;
		assert_int_equal(sl_flow_hash_sym(&a, 5), sl_flow_hash_sym(&b, 5));
		if (sl_flow_hash(&a, 5) == sl_flow_hash(&b, 5))
			same_dir++;
	}
	assert_true(same_dir < 5); /* the directional hash tells them apart */
}

/* The IPv4 form gives the very same value as the general one. */
static void
test_v4_same(void **state)
{
	uint32_t i, x = 0x12345678u;

	(void)state;
	for (i = 0; i < 100000; i++) {
		struct sl_flow_key k;

		x = x * 1664525u + 1013904223u;
		k = k4(x, x * 2654435761u, (uint16_t)(x >> 7), (uint16_t)(x >> 19),
		       (uint8_t)(i % 3 == 0 ? 6 : i % 3 == 1 ? 17 : 1));
		assert_int_equal(sl_flow_hash_v4(&k, SL_HASH_SEED_FLOW),
				 sl_flow_hash(&k, SL_HASH_SEED_FLOW));
		assert_int_equal(sl_flow_hash_v4(&k, 0), sl_flow_hash(&k, 0));
		assert_int_equal(sl_flow_hash_v4(&k, x), sl_flow_hash(&k, x));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_values),
		cmocka_unit_test(test_every_field_matters),
		cmocka_unit_test(test_avalanche),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_symmetric),
		cmocka_unit_test(test_v4_same),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sched.c - scheduling tables: round robin, smooth weighted round
 * robin and Maglev (spread against weights, disruption when a backend
 * goes, independence from the order backends were added in).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sluice/hash.h>
#include <sluice/sched.h>

#include "sched_build.h"

static struct sl_sched_tbl *
new_tbl(void)
{
	struct sl_sched_tbl *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	return t;
}

static void
backends(struct sl_sched_input *in, uint32_t n, const uint16_t *weights)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		memset(&in[i], 0, sizeof(in[i]));
		in[i].id = (uint16_t)(100 + i);
		in[i].weight = weights ? weights[i] : 1;
		in[i].addr.w[0] = htonl(0x0a000000 + 0x100 + i);
		in[i].port_be = htons(80);
	}
}

static void
test_rr(void **state)
{
	struct sl_sched_tbl *t = new_tbl();
	struct sl_sched_input in[3];
	uint32_t cursor = 0, i;

	backends(in, 3, NULL);
	assert_int_equal(sl_sched_build(t, SL_SCHED_RR, in, 3, 0), 0);
	assert_int_equal(t->size, 3);
	for (i = 0; i < 10; i++)
		assert_int_equal(sl_sched_pick(t, SL_SCHED_RR, 12345, &cursor), 100 + i % 3);
	/* a cursor left past the end by a bigger table wraps */
	cursor = 1000;
	assert_int_equal(sl_sched_pick(t, SL_SCHED_RR, 0, &cursor), 100);
	/* empty: no backend */
	assert_int_equal(sl_sched_build(t, SL_SCHED_RR, NULL, 0, 0), 0);
	assert_int_equal(sl_sched_pick(t, SL_SCHED_RR, 0, &cursor), -1);
	assert_int_equal(sl_sched_pick(t, SL_SCHED_MAGLEV, 0, &cursor), -1);
	free(t);
}

static void
test_wrr_smooth(void **state)
{
	static const uint16_t w[] = {5, 1, 1};
	static const uint16_t want[] = {100, 100, 101, 100, 102, 100, 100};
	struct sl_sched_tbl *t = new_tbl();
	struct sl_sched_input in[3];
	uint32_t i;

	backends(in, 3, w);
	assert_int_equal(sl_sched_build(t, SL_SCHED_WRR, in, 3, 0), 0);
	assert_int_equal(t->size, 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(t->slot[i], want[i]);
	free(t);
}

static void
test_wrr_gcd_and_scale(void **state)
{
	struct sl_sched_tbl *t = new_tbl();
	struct sl_sched_input *in = calloc(SL_MAX_SVC_BACKENDS, sizeof(*in));
	uint16_t *w = calloc(SL_MAX_SVC_BACKENDS, sizeof(*w));
	uint32_t count[SL_MAX_SVC_BACKENDS] = {0}, i, total_w = 0;
	double worst = 0;

	w[0] = 20, w[1] = 40, w[2] = 60;
	backends(in, 3, w);
	assert_int_equal(sl_sched_build(t, SL_SCHED_WRR, in, 3, 0), 0);
	assert_int_equal(t->size, 6); /* 1:2:3 */

	/* weights that sum past the table: scaled, in proportion */
	for (i = 0; i < SL_MAX_SVC_BACKENDS; i++) {
		w[i] = (uint16_t)(i % 2 ? 256 : 255);
		total_w += w[i];
	}
	backends(in, SL_MAX_SVC_BACKENDS, w);
	assert_int_equal(sl_sched_build(t, SL_SCHED_WRR, in, SL_MAX_SVC_BACKENDS, 0), 0);
	assert_true(t->size <= SL_SCHED_TBL_MAX);
	for (i = 0; i < t->size; i++)
		count[t->slot[i] - 100]++;
	for (i = 0; i < SL_MAX_SVC_BACKENDS; i++) {
		double share = (double)count[i] / t->size, want = (double)w[i] / total_w;
		double dev = share / want - 1;

		assert_true(count[i] > 0);
		if (dev < 0)
			dev = -dev;
		if (dev > worst)
			worst = dev;
	}
	print_message("wrr scaled to %u slots, worst share deviation %.3f%%\n", t->size, worst * 100);
	assert_true(worst < 0.02);
	free(in);
	free(w);
	free(t);
}

/* Share of the table each backend got vs its weight: worst deviation. */
static double
maglev_spread(const uint16_t *w, uint32_t n, uint32_t m)
{
	struct sl_sched_tbl *t = new_tbl();
	struct sl_sched_input *in = calloc(n, sizeof(*in));
	uint32_t *count = calloc(n, sizeof(*count)), i, wsum = 0;
	double worst = 0;

	backends(in, n, w);
	assert_int_equal(sl_sched_build(t, SL_SCHED_MAGLEV, in, n, m), 0);
	assert_int_equal(t->size, m);
	for (i = 0; i < m; i++) {
		assert_true(t->slot[i] >= 100 && t->slot[i] < 100 + n);
		count[t->slot[i] - 100]++;
	}
	for (i = 0; i < n; i++)
		wsum += in[i].weight;
	for (i = 0; i < n; i++) {
		double want = (double)m * in[i].weight / wsum;
		double dev = (count[i] - want) / want;

		if (dev < 0)
			dev = -dev;
		if (dev > worst)
			worst = dev;
	}
	free(in);
	free(count);
	free(t);
	return worst;
}

static void
test_maglev_spread(void **state)
{
	static const uint16_t w4[] = {1, 2, 3, 4};
	static uint16_t w100[100], w1000[1000];
	double d;
	uint32_t i;

	d = maglev_spread(NULL, 2, 65537);
	print_message("maglev 65537 slots, 2 equal backends: worst deviation %.4f%%\n", d * 100);
	assert_true(d < 0.01);
	d = maglev_spread(NULL, 10, 65537);
	print_message("maglev 65537 slots, 10 equal backends: worst deviation %.4f%%\n", d * 100);
	assert_true(d < 0.01);
	d = maglev_spread(w4, 4, 65537);
	print_message("maglev 65537 slots, weights 1:2:3:4: worst deviation %.4f%%\n", d * 100);
	assert_true(d < 0.01);
	for (i = 0; i < 100; i++)
		w100[i] = (uint16_t)(1 + i % 10);
	d = maglev_spread(w100, 100, 65537);
	print_message("maglev 65537 slots, 100 backends weights 1..10: worst deviation %.4f%%\n", d * 100);
	assert_true(d < 0.01);
	for (i = 0; i < 1000; i++)
		w1000[i] = 1;
	d = maglev_spread(w1000, 1000, 65537);
	print_message("maglev 65537 slots, 1000 equal backends: worst deviation %.4f%%\n", d * 100);
	assert_true(d < 0.02); /* 65.5 slots each: one slot is 1.5% */
}

/* Fraction of slots that change when backend `gone` is removed. */
static double
maglev_disruption(uint32_t n, uint32_t gone, uint32_t m, double *moved_other)
{
	struct sl_sched_tbl *a = new_tbl(), *b = new_tbl();
	struct sl_sched_input *in = calloc(n, sizeof(*in)), *less = calloc(n, sizeof(*in));
	uint32_t i, k = 0, changed = 0, other = 0;

	backends(in, n, NULL);
	for (i = 0; i < n; i++)
		if (i != gone)
			less[k++] = in[i];
	assert_int_equal(sl_sched_build(a, SL_SCHED_MAGLEV, in, n, m), 0);
	assert_int_equal(sl_sched_build(b, SL_SCHED_MAGLEV, less, n - 1, m), 0);
	for (i = 0; i < m; i++) {
		if (a->slot[i] != b->slot[i]) {
			changed++;
			if (a->slot[i] != in[gone].id)
				other++; /* a flow that did not need to move */
		}
	}
	*moved_other = (double)other / m;
	free(a);
	free(b);
	free(in);
	free(less);
	return (double)changed / m;
}

static void
test_maglev_disruption(void **state)
{
	static const uint32_t ns[] = {3, 5, 10, 50, 100};
	size_t i;

	for (i = 0; i < SL_ARRAY_SIZE(ns); i++) {
		uint32_t n = ns[i];
		double other, f = maglev_disruption(n, n / 2, 65537, &other);

		print_message("maglev remove 1 of %3u: %.4f of slots moved (1/N = %.4f, "
			      "needless %.4f)\n", n, f, 1.0 / n, other);
		assert_true(f >= 1.0 / n * 0.95);
		assert_true(f <= 1.0 / n + 0.02);
	}
}

static void
test_maglev_order_independent(void **state)
{
	struct sl_sched_tbl *a = new_tbl(), *b = new_tbl();
	struct sl_sched_input in[20], rev[20];
	uint32_t i;

	backends(in, 20, NULL);
	for (i = 0; i < 20; i++)
		rev[i] = in[19 - i];
	assert_int_equal(sl_sched_build(a, SL_SCHED_MAGLEV, in, 20, 4093), 0);
	assert_int_equal(sl_sched_build(b, SL_SCHED_MAGLEV, rev, 20, 4093), 0);
	assert_memory_equal(a->slot, b->slot, 4093 * sizeof(a->slot[0]));
	free(a);
	free(b);
}

static void
test_maglev_pick(void **state)
{
	struct sl_sched_tbl *t = new_tbl();
	struct sl_sched_input in[4];
	uint32_t cursor = 0, i;

	backends(in, 4, NULL);
	assert_int_equal(sl_sched_build(t, SL_SCHED_MAGLEV, in, 4, 251), 0);
	for (i = 0; i < 1000; i++) {
		uint32_t h = i * 2654435761u;

		assert_int_equal(sl_sched_pick(t, SL_SCHED_MAGLEV, h, &cursor), t->slot[h % 251]);
	}
	assert_int_equal(cursor, 0); /* maglev does not walk */
	/* more backends than slots: still a full, valid table */
	struct sl_sched_input many[20];
	backends(many, 20, NULL);
	assert_int_equal(sl_sched_build(t, SL_SCHED_MAGLEV, many, 20, 7), 0);
	assert_int_equal(t->size, 7);
	free(t);
}

static void
test_bad_arguments(void **state)
{
	struct sl_sched_tbl *t = new_tbl();
	struct sl_sched_input in[2];

	backends(in, 2, NULL);
	in[1].weight = 0;
	errno = 0;
	assert_int_equal(sl_sched_build(t, SL_SCHED_WRR, in, 2, 0), -1);
	assert_int_equal(errno, EINVAL);
	in[1].weight = SL_WEIGHT_MAX + 1;
	assert_int_equal(sl_sched_build(t, SL_SCHED_RR, in, 2, 0), -1);
	in[1].weight = 1;
	assert_int_equal(sl_sched_build(t, SL_SCHED_MAGLEV, in, 2, 3), -1);
	assert_int_equal(sl_sched_build(t, SL_SCHED_MAGLEV, in, 2, SL_SCHED_TBL_MAX + 2), -1);
	assert_int_equal(sl_sched_build(t, SL_SCHED_MAX, in, 2, 0), -1);
	assert_int_equal(sl_sched_build(t, SL_SCHED_RR, NULL, 2, 0), -1);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr),
		cmocka_unit_test(test_wrr_smooth),
		cmocka_unit_test(test_wrr_gcd_and_scale),
		cmocka_unit_test(test_maglev_spread),
		cmocka_unit_test(test_maglev_disruption),
		cmocka_unit_test(test_maglev_order_independent),
		cmocka_unit_test(test_maglev_pick),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}

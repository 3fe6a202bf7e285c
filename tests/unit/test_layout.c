/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_layout.c - the shared contracts at run time: byte-order helpers,
 * drop-reason names, and the layouts that BPF maps and the DPDK engine
 * share (the sizes are also _Static_assert-ed in the headers).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <sluice/counters-t.h>
#include <sluice/flow-t.h>
#include <sluice/maps-t.h>
#include <sluice/proto-t.h>

static const char *const labels[] = {
#define X(n, l) l,
	SL_DROP_REASONS(X)
#undef X
};

static void
test_byte_order(void **state)
{
	assert_int_equal(sl_htons(0x1234), htons(0x1234));
	assert_int_equal(sl_ntohl(0x12345678), ntohl(0x12345678));
	assert_int_equal(SL_HTONS(0x86DD), htons(0x86DD));
}

static void
test_drop_labels(void **state)
{
	size_t i, j;

	assert_int_equal(SL_ARRAY_SIZE(labels), SL_DROP_MAX);
	assert_string_equal(labels[SL_DROP_NONE], "none");
	for (i = 0; i < SL_DROP_MAX; i++) {
		assert_true(strlen(labels[i]) > 0);
		for (const char *c = labels[i]; *c; c++) /* Prometheus label-safe */
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (j = i + 1; j < SL_DROP_MAX; j++)
			assert_string_not_equal(labels[i], labels[j]);
	}
}

static void
test_shared_layouts(void **state)
{
	/* what the XDP maps and the DPDK tables agree on */
	assert_int_equal(sizeof(struct sl_flow_key), 40);
	assert_int_equal(offsetof(struct sl_flow_key, dst), 16);
	assert_int_equal(sizeof(struct sl_svc_key), 20);
	assert_int_equal(sizeof(struct sl_svc), 32);
	assert_int_equal(sizeof(struct sl_backend), 32);
	assert_int_equal(sizeof(struct sl_flow), 16);
	assert_int_equal(sizeof(struct sl_core_counters) % SL_CACHE_LINE, 0);
	assert_int_equal(offsetof(struct sl_core_counters, drops), 128);
	assert_int_equal(offsetof(struct sl_sched_tbl, slot), 8);
	/* wire formats */
	assert_int_equal(offsetof(struct sl_ip4hdr, saddr), 12);
	assert_int_equal(offsetof(struct sl_ip6hdr, daddr), 24);
	assert_int_equal(offsetof(struct sl_tcphdr, flags), 13);
	assert_int_equal(offsetof(struct sl_tcphdr, check), 16);
	assert_int_equal(offsetof(struct sl_udphdr, check), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byte_order),
		cmocka_unit_test(test_drop_labels),
		cmocka_unit_test(test_shared_layouts),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}

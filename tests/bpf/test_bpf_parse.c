/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_bpf_parse.c - the shared parser and flow hash, compiled by clang for
 * BPF and run by the kernel through BPF_PROG_TEST_RUN, against the same
 * code compiled by gcc, on the shared corpus: every fixture, every bad
 * fixture, every truncation of every fixture and thousands of corrupted
 * packets. Any difference fails with both results and the packet.
 *
 * Needs CAP_BPF (root): without it the test exits 77 (skip) and says so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <sluice/hash.h>
#include <sluice/parse.h>

#include "fixtures.h"
#include "parse_probe.skel.h"
#include "xorshift.h"

struct probe_out {
	int32_t rc;
	uint32_t hash;
	uint32_t hash_sym;
	uint32_t wire_len;
	struct sl_pkt pkt;
};

static struct parse_probe *skel;
static size_t compared;

static void
compare(const char *what, const uint8_t *frame, size_t len)
{
	struct probe_out got, want;
	uint8_t out[PB_MAX_LEN];
	__u32 zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = (__u32)len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.parse_probe), &opts);
	if (err) {
		fprintf(stderr, "%s: BPF_PROG_TEST_RUN failed: %s\n", what, strerror(errno));
		fail();
	}
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.probe_out), &zero, &got), 0);

	memset(&want, 0, sizeof(want));
	want.wire_len = (uint32_t)len;
	want.rc = sl_parse(frame, frame + len, (uint32_t)len, &want.pkt);
	want.hash = want.rc ? 0 : sl_flow_hash(&want.pkt.key, SL_HASH_SEED_FLOW);
	want.hash_sym = want.rc ? 0 : sl_flow_hash_sym(&want.pkt.key, SL_HASH_SEED_FLOW);

	if (memcmp(&got, &want, sizeof(got)) ||
	    opts.retval != (want.rc ? XDP_DROP : XDP_PASS) ||
	    opts.data_size_out != len || memcmp(out, frame, len)) {
		fprintf(stderr, "%s (%zu bytes): BPF rc %d hash %08x, gcc rc %d hash %08x, "
			"verdict %u\n", what, len, got.rc, got.hash, want.rc, want.hash, opts.retval);
		pkt_hexdump("packet", frame, len);
		pkt_hexdump("bpf result", (const uint8_t *)&got, sizeof(got));
		pkt_hexdump("gcc result", (const uint8_t *)&want, sizeof(want));
		fail();
	}
	compared++;
}

static int
setup(void **state)
{
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: loading a BPF program needs CAP_BPF (run as root)\n");
		exit(77);
	}
	skel = parse_probe__open_and_load();
	err = errno;
	if (!skel) {
		/* as root, a refusal is the verifier's: a failure, not a skip */
		fprintf(stderr, "cannot load parse_probe: %s\n", strerror(err));
		return -1;
	}
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.parse_probe), &info, &len))
			print_message("parse_probe: %u instructions, %u verified (limit 1000000)\n",
				      info.xlated_prog_len / 8, info.verified_insns);
	}
	return 0;
}

static int
teardown(void **state)
{
	parse_probe__destroy(skel);
	return 0;
}

static void
test_fixtures(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i, cut;

	for (i = 0; i < n_parse_fixtures; i++) {
		size_t len = pkt_build(&parse_fixtures[i].spec, f, sizeof(f), NULL);

		assert_true(len > 0);
		compare(parse_fixtures[i].name, f, len);
		/* every truncation the kernel accepts as a frame (>= 14 bytes) */
		for (cut = 14; cut < len; cut++)
			compare(parse_fixtures[i].name, f, cut);
	}
	for (i = 0; i < n_bad_fixtures; i++) {
		size_t len = bad_fixture_build(&bad_fixtures[i], f, sizeof(f));

		assert_true(len > 0);
		compare(bad_fixtures[i].name, f, len);
	}
	print_message("%zu packets: BPF and gcc agree\n", compared);
}

static void
test_corrupted(void **state)
{
	uint8_t f[PB_MAX_LEN];
	uint64_t rng = 0x243f6a8885a308d3ull;
	size_t iter, start = compared;

	for (iter = 0; iter < 20000; iter++) {
		size_t len, k, flips;

		xorshift64(&rng);
		len = pkt_build(&parse_fixtures[rng % n_parse_fixtures].spec, f, sizeof(f), NULL);
		flips = 1 + (rng >> 8) % 4;
		for (k = 0; k < flips; k++) {
			xorshift64(&rng);
			f[rng % len] = (uint8_t)(rng >> 32);
		}
		compare("corrupted", f, len);
	}
	print_message("%zu corrupted packets: BPF and gcc agree\n", compared - start);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corrupted),
	};

	return cmocka_run_group_tests_name("bpf-parse", tests, setup, teardown);
}

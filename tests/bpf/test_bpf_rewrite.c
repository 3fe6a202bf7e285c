/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_bpf_rewrite.c - the shared rewrites (sluice/rewrite.h) compiled for
 * BPF and run by the kernel, against the same code compiled by gcc: NAT
 * on every TCP/UDP fixture, DSR on every fixture, and the four tunnel
 * kinds on every IP fixture. Output bytes and verdicts must be identical.
 * Needs CAP_BPF (root): exits 77 without it.
 */
#include <arpa/inet.h>
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

#include <sluice/rewrite.h>

#include "fixtures.h"
#include "rewrite_probe.skel.h"

#define PROBE_ICMP_NAT 100

struct rewrite_args {
	uint32_t mode;
	uint16_t sport_be, dport_be;
	struct sl_addr saddr, daddr;
	uint8_t dst_mac[6], src_mac[6];
	struct sl_encap encap;
};

static struct rewrite_probe *skel;

/* What the probe does, done by gcc's build of the same code. */
static int
reference(const struct rewrite_args *a, uint8_t *buf, size_t len, size_t *out_off, size_t *out_len)
{
	struct sl_pkt p;
	uint32_t room;
	int start;

	if (sl_parse(buf + 64, buf + 64 + len, (uint32_t)len, &p))
		return XDP_DROP;
	*out_off = 64;
	*out_len = len;
	if (a->mode == SL_FWD_DSR)
		return sl_rw_dsr(buf + 64, buf + 64 + len, a->dst_mac, a->src_mac) ? XDP_ABORTED : XDP_TX;
	if (a->mode == SL_FWD_NAT)
		return sl_rw_nat(buf + 64, buf + 64 + len, &p, &a->saddr, a->sport_be, &a->daddr,
				 a->dport_be) ? XDP_ABORTED : XDP_TX;
	if (a->mode == PROBE_ICMP_NAT)
		return sl_rw_icmp_nat(buf + 64, buf + 64 + len, &p, &a->encap.src, &a->encap.dst,
				      &a->saddr, a->sport_be, &a->daddr, a->dport_be)
			? XDP_ABORTED : XDP_TX;
	room = sl_encap_len(a->encap.tunnel, a->encap.family);
	start = sl_rw_encap(buf + 64 - room, buf + 64 + len, room, &p, &a->encap);
	if (start < 0)
		return XDP_ABORTED;
	*out_off = 64 - room + (size_t)start;
	*out_len = len + room - (size_t)start;
	return XDP_TX;
}

static size_t compared, icmp_translated;

static void
compare(const char *what, const struct rewrite_args *a, const uint8_t *frame, size_t len)
{
	uint8_t out[PB_MAX_LEN + 128], ref[PB_MAX_LEN + 128];
	size_t roff = 0, rlen = 0;
	__u32 zero = 0;
	int want;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = (__u32)len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1);

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.rewrite_args), &zero, a, 0), 0);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.rewrite_probe), &opts), 0);
	memset(ref, 0, sizeof(ref));
	memcpy(ref + 64, frame, len);
	want = reference(a, ref, len, &roff, &rlen);
	if (opts.retval != (__u32)want ||
	    (want == XDP_TX && (opts.data_size_out != rlen || memcmp(out, ref + roff, rlen)))) {
		fprintf(stderr, "%s (mode %u): BPF verdict %u, gcc %d\n", what, a->mode, opts.retval,
			want);
		pkt_hexdump("in", frame, len);
		pkt_hexdump("bpf out", out, opts.data_size_out);
		pkt_hexdump("gcc out", ref + roff, rlen);
		fail();
	}
	compared++;
	icmp_translated += a->mode == PROBE_ICMP_NAT && want == XDP_TX;
}

static void
addr_of(int family, const char *s, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, s, a->b), 1);
}

static void
test_rewrites(void **state)
{
	uint8_t f[PB_MAX_LEN];
	size_t i;

	for (i = 0; i < n_parse_fixtures; i++) {
		const struct parse_fixture *fx = &parse_fixtures[i];
		const struct pkt_spec *s = &fx->spec;
		struct rewrite_args a;
		size_t len = pkt_build(s, f, sizeof(f), NULL);
		int fam = s->family ? s->family : 4, t, of;

		memset(&a, 0, sizeof(a));
		memcpy(a.dst_mac, "\x02\xbe\x00\x00\x00\x11", 6);
		memcpy(a.src_mac, "\x02\x51\x00\x00\x00\x01", 6);
		a.mode = SL_FWD_DSR;
		compare(fx->name, &a, f, len);
		a.mode = SL_FWD_NAT;
		addr_of(fam, fam == 4 ? "10.0.0.1" : "fd00::1", &a.saddr);
		addr_of(fam, fam == 4 ? "10.0.1.11" : "fd00:1::11", &a.daddr);
		a.sport_be = htons(40001);
		a.dport_be = htons(8080);
		compare(fx->name, &a, f, len); /* refused alike when not TCP/UDP */
		/* ICMP errors' nat: refused alike when not an error quoting TCP/UDP */
		a.mode = PROBE_ICMP_NAT;
		addr_of(fam, fam == 4 ? "192.0.2.1" : "2001:db8::1", &a.encap.src);
		addr_of(fam, fam == 4 ? "203.0.113.2" : "2001:db8:feed::2", &a.encap.dst);
		compare(fx->name, &a, f, len);
		if (!s->family)
			continue;
		for (t = SL_TUN_IPIP; t <= SL_TUN_GUE; t++) {
			for (of = 0; of < 2; of++) {
				a.mode = SL_FWD_TUNNEL;
				memset(&a.encap, 0, sizeof(a.encap));
				a.encap.tunnel = (uint8_t)t;
				a.encap.family = of ? SL_AF_INET6 : SL_AF_INET;
				addr_of(of ? 6 : 4, of ? "fd00:5::1" : "10.5.0.1", &a.encap.src);
				addr_of(of ? 6 : 4, of ? "fd00:5::21" : "10.5.0.21", &a.encap.dst);
				a.encap.gue_port_be = htons(6080);
				a.encap.sport_be = htons(0xc001);
				memcpy(a.encap.dst_mac, a.dst_mac, 6);
				memcpy(a.encap.src_mac, a.src_mac, 6);
				compare(fx->name, &a, f, len);
			}
		}
	}
	print_message("%zu rewrites (%zu ICMP errors translated): BPF and gcc put out the same "
		      "bytes\n", compared, icmp_translated);
	assert_true(icmp_translated >= 2);
}

static int
setup(void **state)
{
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: loading a BPF program needs CAP_BPF (run as root)\n");
		exit(77);
	}
	skel = rewrite_probe__open_and_load();
	err = errno;
	if (!skel) {
		/* as root, a refusal is the verifier's: a failure, not a skip */
		fprintf(stderr, "cannot load rewrite_probe: %s\n", strerror(err));
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	rewrite_probe__destroy(skel);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrites),
	};

	return cmocka_run_group_tests_name("bpf-rewrite", tests, setup, teardown);
}

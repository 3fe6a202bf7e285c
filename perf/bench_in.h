/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_in.h - what xdp_bench hands bench_wrap.bpf.c for a run: the frame
 * to restore before every iteration and how to pick each iteration's flow.
 * Types only; compiles under gcc and clang -target bpf.
 */
#ifndef SLUICE_PERF_BENCH_IN_H
#define SLUICE_PERF_BENCH_IN_H

#include <linux/types.h>

#define BENCH_FRAME_MAX 256
/* Stepping by a stride coprime with n, modulo n, visits all n flows once
 * a round; xdp_bench takes the odd number nearest 0.618 n that is (a
 * small stride, as 1000003 % 1000000 = 3 was, visits flows made one after
 * the other nearly in order: entries handed out in that order would be
 * read from end to end). */

/* Flow f is client 10.X.(f >> 15).(f >> 15 >> 8), source port 1024 + (f & 0x7fff). */
struct bench_in {
	__u32 len;          /* of frame */
	__u32 n_flows;      /* 0: the same flow every time */
	__u32 unique;       /* 1: a new flow every time (n_flows ignored) */
	__u32 src_off;      /* offset of the IPv4 source address */
	__u32 sport_off;    /* offset of the source port */
	__u32 stride;       /* < n_flows, coprime with it */
	__u32 cursor;       /* the next established flow, < n_flows */
	__u32 pad;
	__u64 counter;      /* iterations so far */
	__u8 frame[BENCH_FRAME_MAX];
};

#endif /* SLUICE_PERF_BENCH_IN_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_wrap.bpf.c - makes BPF_PROG_TEST_RUN's `repeat` measure what it
 * claims to. The kernel runs every iteration on the buffer the previous
 * one left (rewritten, maybe grown by encapsulation), so a rewriting
 * program would be timed on its own output from the second iteration on.
 * This wrapper puts the original frame back first (shrinking the head if
 * the last iteration grew it), optionally gives it the next flow's source
 * address and port, and tail-calls the program under test. Its own cost
 * (picking flows from 1000 included) is measured by tail-calling
 * `mac_swap` instead, and subtracted.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_in.h"

#define FRAME_MAX BENCH_FRAME_MAX

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_in);
} bench_in SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	struct bench_in *in;
	__u32 zero = 0, len, cur;
	__u64 i;

	in = bpf_map_lookup_elem(&bench_in, &zero);
	if (!in)
		return XDP_ABORTED;
	len = in->len;
	if (len < 14 || len > FRAME_MAX)
		return XDP_ABORTED;
	cur = (__u32)bpf_xdp_get_buff_len(ctx);
	if (cur != len && bpf_xdp_adjust_head(ctx, (int)cur - (int)len))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, in->frame, len))
		return XDP_ABORTED;
	i = in->counter++;
	if (in->unique || in->n_flows) {
		void *data = (void *)(long)ctx->data;
		void *data_end = (void *)(long)ctx->data_end;
		__u32 flow, so = in->sport_off, ao = in->src_off + 2;
		__u8 *pp, *hp;

		/* established flows in an order unlike the one they were made
		 * in (bench_in.h): packets of many flows do not arrive in the
		 * order of the flows' first packets, nor find their entries
		 * side by side in memory. No division: it would cost more
		 * than some of the programs measured. */
		if (in->unique) {
			flow = (__u32)i;
		} else {
			flow = in->cursor;
			in->cursor = flow + in->stride >= in->n_flows ? flow + in->stride - in->n_flows
								     : flow + in->stride;
		}
		if (so > FRAME_MAX - 2 || ao > FRAME_MAX - 2)
			return XDP_ABORTED;
		pp = (__u8 *)data + so;
		hp = (__u8 *)data + ao;
		if ((void *)(pp + 2) > data_end || (void *)(hp + 2) > data_end)
			return XDP_ABORTED;
		pp[0] = (__u8)((1024 + (flow & 0x7fff)) >> 8);
		pp[1] = (__u8)(1024 + (flow & 0x7fff));
		hp[0] = (__u8)(flow >> 23);
		hp[1] = (__u8)(flow >> 15);
	}
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

/* The limit: swap the Ethernet addresses and send the frame back. */
SEC("xdp")
int mac_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *e = data, t[6];

	if ((void *)(e + 14) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(t, e, 6);
	__builtin_memcpy(e, e + 6, 6);
	__builtin_memcpy(e + 6, t, 6);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_wrap.bpf.c - makes BPF_PROG_TEST_RUN's `repeat` measure what it
 * claims to. The kernel runs every iteration on the buffer the previous
 * one left (rewritten, maybe grown by encapsulation), so a rewriting
 * program would be timed on its own output from the second iteration on.
 * This wrapper puts the original frame back first (shrinking the head if
 * the last iteration grew it), optionally gives it the next flow's source
 * address and port, and tail-calls the program under test. Its own cost is
 * measured by tail-calling `mac_swap` instead, and subtracted.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define FRAME_MAX 256

struct bench_in {
	__u32 len;          /* of frame */
	__u32 n_flows;      /* 0: the same flow every time */
	__u32 unique;       /* 1: a new flow every time (n_flows ignored) */
	__u32 src_off;      /* offset of the IPv4 source address */
	__u32 sport_off;    /* offset of the source port */
	__u32 pad;
	__u64 counter;      /* iterations so far */
	__u8 frame[FRAME_MAX];
};

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
		__u32 flow = in->unique ? (__u32)i : (__u32)(i % in->n_flows);
		__u16 port = (__u16)(1024 + flow % 60000);
		__u16 host = (__u16)(flow / 60000);
		__u8 p[2] = {(__u8)(port >> 8), (__u8)port};
		__u8 h[2] = {(__u8)(host >> 8), (__u8)host};

		if (in->sport_off > FRAME_MAX - 2 || in->src_off > FRAME_MAX - 4)
			return XDP_ABORTED;
		bpf_xdp_store_bytes(ctx, in->sport_off, p, 2);
		bpf_xdp_store_bytes(ctx, in->src_off + 2, h, 2);
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

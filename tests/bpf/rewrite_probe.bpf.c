/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rewrite_probe.bpf.c - parse, then rewrite as the `rewrite_args` map says
 * (nat, dsr or tunnel), with the shared code of sluice/rewrite.h, and send
 * the packet back (XDP_TX), so a test can compare the bytes with what the
 * same code compiled by gcc produces.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/rewrite.h>

#define PROBE_ICMP_NAT 100  /* sl_rw_icmp_nat: outer encap.src/dst, quote saddr... */

struct rewrite_args {
	uint32_t mode;          /* enum sl_fwd_mode: nat, dsr, tunnel; or PROBE_ICMP_NAT */
	uint16_t sport_be, dport_be;
	struct sl_addr saddr, daddr;
	uint8_t dst_mac[6], src_mac[6];
	struct sl_encap encap;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rewrite_args);
} rewrite_args SEC(".maps");

SEC("xdp")
int rewrite_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct rewrite_args *a;
	struct sl_pkt p;
	__u32 zero = 0;
	int start;

	a = bpf_map_lookup_elem(&rewrite_args, &zero);
	if (!a)
		return XDP_ABORTED;
	if (sl_parse(data, data_end, (uint32_t)bpf_xdp_get_buff_len(ctx), &p))
		return XDP_DROP;
	if (a->mode == SL_FWD_DSR)
		return sl_rw_dsr(data, data_end, a->dst_mac, a->src_mac) ? XDP_ABORTED : XDP_TX;
	if (a->mode == SL_FWD_NAT)
		return sl_rw_nat(data, data_end, &p, &a->saddr, a->sport_be, &a->daddr, a->dport_be)
			? XDP_ABORTED : XDP_TX;
	if (a->mode == PROBE_ICMP_NAT)
		return sl_rw_icmp_nat(data, data_end, &p, &a->encap.src, &a->encap.dst, &a->saddr,
				      a->sport_be, &a->daddr, a->dport_be) ? XDP_ABORTED : XDP_TX;
	{
		uint32_t room = sl_encap_len(a->encap.tunnel, a->encap.family);

		if (bpf_xdp_adjust_head(ctx, -(int)room))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		start = sl_rw_encap(data, data_end, room, &p, &a->encap);
		if (start < 0)
			return XDP_ABORTED;
		if (start && bpf_xdp_adjust_head(ctx, start))
			return XDP_ABORTED;
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

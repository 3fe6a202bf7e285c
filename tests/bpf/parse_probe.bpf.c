/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse_probe.bpf.c - runs the shared parser (sluice/parse.h) and flow hash
 * inside an XDP program and stores what they found, so that a test can
 * check, packet by packet, that the verifier accepts the shared code and
 * that it finds in BPF exactly what it finds when gcc compiles it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/hash.h>
#include <sluice/parse.h>

struct probe_out {
	int32_t rc;
	uint32_t hash;
	uint32_t hash_sym;
	uint32_t wire_len;
	struct sl_pkt pkt;
};

/* One slot: the result of the last run. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_out);
} probe_out SEC(".maps");

SEC("xdp")
int parse_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct probe_out *o;
	__u32 zero = 0;

	o = bpf_map_lookup_elem(&probe_out, &zero);
	if (!o)
		return XDP_ABORTED;
	o->wire_len = (uint32_t)bpf_xdp_get_buff_len(ctx);
	o->rc = sl_parse(data, data_end, o->wire_len, &o->pkt);
	o->hash = o->rc ? 0 : sl_flow_hash(&o->pkt.key, SL_HASH_SEED_FLOW);
	o->hash_sym = o->rc ? 0 : sl_flow_hash_sym(&o->pkt.key, SL_HASH_SEED_FLOW);
	return o->rc ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

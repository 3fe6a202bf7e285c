/* SPDX-License-Identifier: BSD-3-Clause */
/* xdp_pass.bpf.c - attached to the far end of a veth so that frames which
 * sluice redirects or transmits into the veth are delivered (the kernel
 * delivers XDP frames into a veth only when its peer has XDP). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

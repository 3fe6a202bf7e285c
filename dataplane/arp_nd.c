/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp_nd.c - the engine answers ARP requests and IPv6 neighbour
 * solicitations for the addresses it owns on the wire: every service's
 * VIP, the --local-ip addresses (tunnel source, default NAT source) and
 * each nat service's snat address. Those addresses are nobody else's on
 * a NIC that DPDK owns, so nobody else would answer.
 *
 * Everything else of the kind (requests for the host's own addresses,
 * replies, router advertisements) goes to the kernel through the
 * exception port, which carries the port's MAC: the kernel answers for
 * its addresses and learns its neighbours there, and the daemon reads the
 * backends' MACs from its tables.
 *
 * A reply is made in the request's own mbuf and sent back out the port it
 * came in on. This is the slow path: a linear look over the owned
 * addresses, no allocation, no system call.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <sluice/parse.h>
#include <sluice/proto-t.h>

#include "dp.h"

#define ND_NS   135
#define ND_NA   136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NA_F_SOLICITED 0x40000000u
#define ND_NA_F_OVERRIDE  0x20000000u

struct nd_msg {          /* NS and NA: ICMPv6 header, flags, target */
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	uint32_t flags_be;
	uint8_t target[16];
} __attribute__((packed));

struct nd_opt_lla {
	uint8_t type;
	uint8_t len;     /* units of 8 bytes */
	uint8_t mac[6];
} __attribute__((packed));

int
dp_owns4(const struct dp_snap *s, uint32_t a_be)
{
	uint32_t i;

	for (i = 0; i < s->n_own4; i++)
		if (s->own4[i] == a_be)
			return 1;
	return 0;
}

int
dp_owns6(const struct dp_snap *s, const uint8_t *a)
{
	uint32_t i;

	for (i = 0; i < s->n_own6; i++)
		if (!memcmp(s->own6[i].b, a, 16))
			return 1;
	return 0;
}

static int
answer_arp(const struct dp_snap *s, struct rte_mbuf *m, const struct sl_pkt *p,
	   const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a;
	uint32_t tip;

	if (m->data_len < p->l3_off + sizeof(*a))
		return 0;
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, p->l3_off);
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != 6 ||
	    a->arp_plen != 4 || a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return 0;
	tip = a->arp_data.arp_tip;
	if (!dp_owns4(s, tip))
		return 0;
	/* the request, turned around: we are the sender now */
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = *mac;
	a->arp_data.arp_sip = tip;
	eth->dst_addr = a->arp_data.arp_tha;
	eth->src_addr = *mac;
	return 1;
}

/* A neighbour solicitation for one of our IPv6 addresses becomes the
 * advertisement that answers it. The message is rebuilt in place: the
 * frame may have carried options we do not keep. */
static int
answer_ns(const struct dp_snap *s, struct rte_mbuf *m, const struct sl_pkt *p,
	  const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6;
	struct nd_msg *nd;
	struct nd_opt_lla *o;
	uint8_t target[16];
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	uint32_t len;
	int dad;

	/* RFC 4861 7.1.1: hop limit 255, code 0, no extension headers here */
	if (p->flags & (SL_PKT_F_IP6_EXT | SL_PKT_F_FRAG) || p->ttl != 255 || p->icmp_code ||
	    m->nb_segs != 1 || m->data_len < p->l4_off + sizeof(*nd) ||
	    p->l3_len < sizeof(*ip6) + sizeof(*nd))
		return 0;
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, p->l3_off);
	nd = rte_pktmbuf_mtod_offset(m, struct nd_msg *, p->l4_off);
	if (nd->target[0] == 0xff || !dp_owns6(s, nd->target))
		return 0;
	memcpy(target, nd->target, 16);
	dad = !memcmp(ip6->src_addr, unspec, 16);

	len = (uint32_t)p->l4_off + sizeof(*nd) + sizeof(*o);
	if (len > (uint32_t)(m->buf_len - m->data_off))
		return 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(sizeof(*nd) + sizeof(*o));
	ip6->proto = SL_IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	/* a duplicate-address probe is answered to all nodes, unsolicited */
	memcpy(ip6->dst_addr, dad ? all_nodes : ip6->src_addr, 16);
	memcpy(ip6->src_addr, target, 16);
	nd->type = ND_NA;
	nd->code = 0;
	nd->flags_be = rte_cpu_to_be_32(ND_NA_F_OVERRIDE | (dad ? 0 : ND_NA_F_SOLICITED));
	memcpy(nd->target, target, 16);
	o = (struct nd_opt_lla *)(nd + 1);
	o->type = ND_OPT_TLLA;
	o->len = 1;
	memcpy(o->mac, mac->addr_bytes, 6);
	nd->cksum = 0;
	nd->cksum = rte_ipv6_udptcp_cksum(ip6, nd);
	if (dad) {
		static const struct rte_ether_addr all_nodes_mac = {
			.addr_bytes = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};

		eth->dst_addr = all_nodes_mac;
	} else {
		eth->dst_addr = eth->src_addr;
	}
	eth->src_addr = *mac;
	return 1;
}

int
dp_answer_neigh(const struct dp_snap *s, struct rte_mbuf *m, const struct sl_pkt *p,
		const struct rte_ether_addr *mac)
{
	if (!s)
		return 0;
	if (p->key.family == SL_AF_NONE && p->eth_proto == SL_ETH_P_ARP)
		return answer_arp(s, m, p, mac);
	if (sl_pkt_is_nd(p) && p->icmp_type == ND_NS && (p->flags & SL_PKT_F_L4))
		return answer_ns(s, m, p, mac);
	return 0;
}

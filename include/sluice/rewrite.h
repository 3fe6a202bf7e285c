/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rewrite.h - what both engines do to a packet once a backend is chosen:
 *   dsr:    Ethernet addresses only;
 *   nat:    addresses and ports, with the IPv4 header and TCP/UDP checksums
 *           updated incrementally (RFC 1624);
 *   tunnel: an outer IPv4/IPv6 header (IP-in-IP, or UDP + GUE) written in
 *           front of the packet, in room the engine has made (DPDK:
 *           rte_pktmbuf_prepend; XDP: bpf_xdp_adjust_head).
 * Same code in the DPDK engine and the XDP program, so that both put the
 * same bytes on the wire. Every write is bounds-checked against data_end;
 * a function returns 0, or -1 if the packet is not what it was told.
 *
 * Checksums are summed over 16-bit words as they lie in memory: the
 * one's complement sum does not depend on byte order (RFC 1071), so no
 * swapping is needed.
 */
#ifndef SLUICE_REWRITE_H
#define SLUICE_REWRITE_H

#include "base-t.h"
#include "maps-t.h"
#include "parse.h"
#include "proto-t.h"

/* Where the headers a rewrite touches may lie: Ethernet with two tags, and
 * an L4 header within the first SL_L4_OFF_MAX bytes (IPv4 options, IPv6
 * extension headers). A packet with its L4 header further in is refused. */
#define SL_L3_OFF_MAX (14 + 4 * SL_VLAN_MAX)
#define SL_L4_OFF_MAX 1024

static SL_ALWAYS_INLINE uint16_t
sl_csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A checksum field after one 16-bit word it covers went from `from` to `to`. */
static SL_ALWAYS_INLINE uint16_t
sl_csum_update16(uint16_t check, uint16_t from, uint16_t to)
{
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~from;
	s += to;
	return (uint16_t)~sl_csum_fold(s);
}

/* ... after a 32-bit word went from `from` to `to`. */
static SL_ALWAYS_INLINE uint16_t
sl_csum_update32(uint16_t check, uint32_t from, uint32_t to)
{
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~(uint16_t)from;
	s += (uint16_t)~(uint16_t)(from >> 16);
	s += (uint16_t)to;
	s += (uint16_t)(to >> 16);
	return (uint16_t)~sl_csum_fold(s);
}

/* ... after an address (1 word for IPv4, 4 for IPv6) changed. */
static SL_ALWAYS_INLINE uint16_t
sl_csum_update_addr(uint16_t check, const struct sl_addr *from, const struct sl_addr *to,
		    int words)
{
	int i;

SL_UNROLL
	for (i = 0; i < 4; i++)
		if (i < words)
			check = sl_csum_update32(check, from->w[i], to->w[i]);
	return check;
}

/* What a 32-bit word going from `from` to `to` adds to a sum that becomes
 * RFC 1624's ~HC + ~m + m': its two 16-bit words' complements and new
 * values (at most 0x3fffc: some 16000 fit a 32-bit sum before
 * sl_csum_fold(); sl_rw_nat adds 9 for IPv6). */
static SL_ALWAYS_INLINE uint32_t
sl_csum_add32(uint32_t from, uint32_t to)
{
	return (uint32_t)(uint16_t)~from + (uint16_t)(~from >> 16) + (uint16_t)to + (to >> 16);
}

/* ... what an address going from `from` to `to` adds (1 word for IPv4, 4
 * for IPv6). */
static SL_ALWAYS_INLINE uint32_t
sl_csum_add_addr(const struct sl_addr *from, const struct sl_addr *to, int words)
{
	uint32_t s = sl_csum_add32(from->w[0], to->w[0]);
	int i;

	if (words == 1)
		return s;
SL_UNROLL
	for (i = 1; i < 4; i++)
		s += sl_csum_add32(from->w[i], to->w[i]);
	return s;
}

/* The Internet checksum of a 20-byte IPv4 header (check field as zero). */
static SL_ALWAYS_INLINE uint16_t
sl_ip4_csum(const struct sl_ip4hdr *ip)
{
	const uint16_t *w = (const uint16_t *)ip;
	uint32_t s = 0;
	int i;

SL_UNROLL
	for (i = 0; i < 10; i++)
		if (i != 5)
			s += w[i];
	return (uint16_t)~sl_csum_fold(s);
}

/* dsr: the frame goes to the backend's MAC from ours; IP is untouched. */
static SL_ALWAYS_INLINE int
sl_rw_dsr(void *data, void *data_end, const uint8_t *dst_mac, const uint8_t *src_mac)
{
	struct sl_ethhdr *eth = (struct sl_ethhdr *)data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->dst, dst_mac, SL_ETH_ALEN);
	__builtin_memcpy(eth->src, src_mac, SL_ETH_ALEN);
	return 0;
}

/*
 * nat: give the packet new source and destination addresses and ports (all
 * network order; IPv4 in w[0]), updating checksums. `p` is what sl_parse()
 * found in this very packet: TCP or UDP with its L4 header (SL_PKT_F_L4),
 * not a later fragment, at most SL_L4_OFF_MAX bytes in. A UDP/IPv4 packet
 * without a checksum keeps none.
 */
static SL_ALWAYS_INLINE int
sl_rw_nat(void *data, void *data_end, const struct sl_pkt *p, const struct sl_addr *saddr,
	  uint16_t sport_be, const struct sl_addr *daddr, uint16_t dport_be)
{
	uint64_t l3_off = p->l3_off, l4_off = p->l4_off;
	uint32_t d;
	uint32_t old_ports, new_ports;
	uint16_t *check;
	int words = p->key.family == SL_AF_INET ? 1 : 4;
	uint8_t *l3, *l4;

	/* bounds the BPF verifier can see before pointers are made */
	SL_BARRIER_VAR(l3_off);
	SL_BARRIER_VAR(l4_off);
	if (l3_off > SL_L3_OFF_MAX || l4_off > SL_L4_OFF_MAX)
		return -1;
	l3 = (uint8_t *)data + l3_off;
	l4 = (uint8_t *)data + l4_off;
	if (!(p->flags & SL_PKT_F_L4) ||
	    (p->key.proto != SL_IPPROTO_TCP && p->key.proto != SL_IPPROTO_UDP))
		return -1;
	/* both ports lead TCP's and UDP's headers; the checksum is at 16 or 6 */
	if (p->key.proto == SL_IPPROTO_TCP) {
		if ((void *)(l4 + sizeof(struct sl_tcphdr)) > data_end)
			return -1;
		check = &((struct sl_tcphdr *)l4)->check;
	} else {
		if ((void *)(l4 + sizeof(struct sl_udphdr)) > data_end)
			return -1;
		check = &((struct sl_udphdr *)l4)->check;
	}
	/* RFC 1624's HC' = ~(~HC + ~m + m'), summed once over every word that
	 * changed: the addresses (d: IPv4's header and the L4 pseudo-header
	 * both) and the ports (the L4 header). The IP header first: its bounds
	 * are the last check, and nothing is written before all have passed. */
	d = sl_csum_add_addr(&p->key.src, saddr, words) + sl_csum_add_addr(&p->key.dst, daddr, words);
	if (words == 1) {
		struct sl_ip4hdr *ip = (struct sl_ip4hdr *)l3;

		if ((void *)(ip + 1) > data_end)
			return -1;
		ip->check = (uint16_t)~sl_csum_fold((uint16_t)~ip->check + d);
		ip->saddr = saddr->w[0];
		ip->daddr = daddr->w[0];
	} else {
		struct sl_ip6hdr *ip6 = (struct sl_ip6hdr *)l3;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		__builtin_memcpy(ip6->saddr, saddr->b, 16);
		__builtin_memcpy(ip6->daddr, daddr->b, 16);
	}
	__builtin_memcpy(&old_ports, l4, 4);
	((uint16_t *)l4)[0] = sport_be;
	((uint16_t *)l4)[1] = dport_be;
	__builtin_memcpy(&new_ports, l4, 4);
	/* a UDP/IPv4 packet without a checksum keeps none */
	if (p->key.proto == SL_IPPROTO_TCP || *check || words == 4) {
		uint16_t c = (uint16_t)~sl_csum_fold((uint16_t)~*check + d +
						     sl_csum_add32(old_ports, new_ports));

		if (p->key.proto == SL_IPPROTO_UDP && c == 0)
			c = 0xffff;
		*check = c;
	}
	return 0;
}

/*
 * nat of an ICMP error about a translated flow: the error's outer addresses
 * become osrc -> odst, and the packet it quotes (TCP or UDP, as sl_parse
 * found it in p->inner) gets the addresses and ports it had on the other
 * side of the translation: isrc:isport -> idst:idport. Every checksum the
 * change touches is updated incrementally: the outer IPv4 header, the
 * quoted IPv4 header, the quoted TCP/UDP checksum when the quote holds it,
 * and the ICMP checksum over all of that (ICMPv6's also over the outer
 * addresses). The quote must be of the outer family, with no IPv6
 * extension headers (the parser gives no ports then).
 */
static SL_ALWAYS_INLINE int
sl_rw_icmp_nat(void *data, void *data_end, const struct sl_pkt *p, const struct sl_addr *osrc,
	       const struct sl_addr *odst, const struct sl_addr *isrc, uint16_t isport_be,
	       const struct sl_addr *idst, uint16_t idport_be)
{
	uint64_t l3_off = p->l3_off, l4_off = p->l4_off, ihl;
	int words = p->key.family == SL_AF_INET ? 1 : 4, v6 = words == 4, udp0 = 0;
	struct sl_icmphdr *ic;
	uint8_t *l3, *in3, *in4;
	uint16_t c, *l4check = 0, *ports;
	uint32_t lcheck_off;

	SL_BARRIER_VAR(l3_off);
	SL_BARRIER_VAR(l4_off);
	if (l3_off > SL_L3_OFF_MAX || l4_off > SL_L4_OFF_MAX)
		return -1;
	if ((p->flags & (SL_PKT_F_ICMP_ERR | SL_PKT_F_L4)) != (SL_PKT_F_ICMP_ERR | SL_PKT_F_L4) ||
	    p->inner.family != p->key.family ||
	    (p->inner.proto != SL_IPPROTO_TCP && p->inner.proto != SL_IPPROTO_UDP))
		return -1;
	l3 = (uint8_t *)data + l3_off;
	ic = (struct sl_icmphdr *)((uint8_t *)data + l4_off);
	in3 = (uint8_t *)(ic + 1);
	if ((void *)(ic + 1) > data_end)
		return -1;
	c = ic->check;

	/* the outer header; ICMPv6 sums the outer addresses too */
	if (!v6) {
		struct sl_ip4hdr *ip = (struct sl_ip4hdr *)l3;

		if ((void *)(ip + 1) > data_end)
			return -1;
		ip->check = sl_csum_update32(ip->check, ip->saddr, osrc->w[0]);
		ip->check = sl_csum_update32(ip->check, ip->daddr, odst->w[0]);
		ip->saddr = osrc->w[0];
		ip->daddr = odst->w[0];
	} else {
		struct sl_ip6hdr *ip6 = (struct sl_ip6hdr *)l3;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		c = sl_csum_update_addr(c, &p->key.src, osrc, 4);
		c = sl_csum_update_addr(c, &p->key.dst, odst, 4);
		__builtin_memcpy(ip6->saddr, osrc->b, 16);
		__builtin_memcpy(ip6->daddr, odst->b, 16);
	}

	/* the quoted IP header */
	if (!v6) {
		struct sl_ip4hdr *ip = (struct sl_ip4hdr *)in3;
		uint16_t old;

		if ((void *)(ip + 1) > data_end)
			return -1;
		ihl = (uint64_t)(ip->ver_ihl & 0xf) * 4;
		SL_BARRIER_VAR(ihl);
		if (ihl < sizeof(*ip) || ihl > 60)
			return -1;
		old = ip->check;
		ip->check = sl_csum_update32(ip->check, ip->saddr, isrc->w[0]);
		ip->check = sl_csum_update32(ip->check, ip->daddr, idst->w[0]);
		c = sl_csum_update16(c, old, ip->check);
		c = sl_csum_update32(c, ip->saddr, isrc->w[0]);
		c = sl_csum_update32(c, ip->daddr, idst->w[0]);
		ip->saddr = isrc->w[0];
		ip->daddr = idst->w[0];
	} else {
		struct sl_ip6hdr *ip6 = (struct sl_ip6hdr *)in3;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		ihl = sizeof(*ip6);
		c = sl_csum_update_addr(c, &p->inner.src, isrc, 4);
		c = sl_csum_update_addr(c, &p->inner.dst, idst, 4);
		__builtin_memcpy(ip6->saddr, isrc->b, 16);
		__builtin_memcpy(ip6->daddr, idst->b, 16);
	}

	/* the quoted ports, and the quoted checksum where the quote has it */
	in4 = in3 + ihl;
	ports = (uint16_t *)in4;
	if ((void *)(ports + 2) > data_end)
		return -1;
	lcheck_off = p->inner.proto == SL_IPPROTO_TCP ? 16 : 6;
	if ((void *)(in4 + lcheck_off + 2) <= data_end) {
		l4check = (uint16_t *)(in4 + lcheck_off);
		udp0 = p->inner.proto == SL_IPPROTO_UDP && *l4check == 0 && !v6;
	}
	if (l4check && !udp0) {
		uint16_t old = *l4check, n = old;

		n = sl_csum_update16(n, ports[0], isport_be);
		n = sl_csum_update16(n, ports[1], idport_be);
		n = sl_csum_update_addr(n, &p->inner.src, isrc, words);
		n = sl_csum_update_addr(n, &p->inner.dst, idst, words);
		if (p->inner.proto == SL_IPPROTO_UDP && n == 0)
			n = 0xffff;
		c = sl_csum_update16(c, old, n);
		*l4check = n;
	}
	c = sl_csum_update16(c, ports[0], isport_be);
	c = sl_csum_update16(c, ports[1], idport_be);
	ports[0] = isport_be;
	ports[1] = idport_be;
	ic->check = c;
	return 0;
}

/*
 * The flow an ICMP error is about, as both engines look it up: an error
 * (SL_PKT_F_ICMP_ERR) whose quote is TCP or UDP of the outer family with its
 * ports (not a later fragment: the parser gives those none, and no service
 * or backend has port 0) is about the packet it quotes, q = p->inner, which
 * went the other way: *r becomes q reversed (src = q.dst, sport = q.dport,
 * ...), the key of a NAT reply entry (an error from the backend's side about
 * what sluice sent a backend) or of a forward flow (an error from the
 * client's side about what was sent to the client). Returns 1 then, and 0
 * for an error sluice leaves to the host. Pure function of *p.
 */
static SL_ALWAYS_INLINE int
sl_icmp_err_key(const struct sl_pkt *p, struct sl_flow_key *r)
{
	if ((p->flags & (SL_PKT_F_ICMP_ERR | SL_PKT_F_L4)) != (SL_PKT_F_ICMP_ERR | SL_PKT_F_L4) ||
	    p->inner.family != p->key.family ||
	    (p->inner.proto != SL_IPPROTO_TCP && p->inner.proto != SL_IPPROTO_UDP) ||
	    !p->inner.sport_be || !p->inner.dport_be)
		return 0;
	r->src = p->inner.dst;
	r->dst = p->inner.src;
	r->sport_be = p->inner.dport_be;
	r->dport_be = p->inner.sport_be;
	r->proto = p->inner.proto;
	r->family = p->inner.family;
	r->pad = 0;
	return 1;
}

/*
 * nat's source port for a new flow: the engines try SL_NAT_PORT_TRIES
 * ports in this order (from the flow's hash, 1024..65535) and take the
 * first that no other client's flow holds toward the same backend. Both
 * engines pick the same port for the same flow.
 *
 * The stride comes from the hash too (odd, so the 16 tries are distinct
 * modulo 64512 = 2^10 x 63): flows whose first ports are near share no
 * further tries, as they did with one stride for all (7919: a flow whose
 * first port was another's second tried 15 of the same ports; at a third
 * of a backend's ports in use, dpdk_bench saw a few SYNs in a million
 * find no free port).
 */
#define SL_NAT_PORT_TRIES 16
#define SL_NAT_HASH_SEED  0x6e6174u

static SL_ALWAYS_INLINE uint16_t
sl_nat_port_be(uint32_t flow_hash, uint32_t try_no)
{
	uint32_t stride = (flow_hash >> 16) | 1u;

	return sl_htons((uint16_t)(1024 + (flow_hash + try_no * stride) % 64512));
}

/* Room a tunnel needs in front of the packet's IP header. */
static SL_ALWAYS_INLINE uint32_t
sl_encap_len(uint8_t tunnel, uint8_t outer_family)
{
	uint32_t ip = outer_family == SL_AF_INET ? sizeof(struct sl_ip4hdr) : sizeof(struct sl_ip6hdr);

	return tunnel == SL_TUN_GUE
		? ip + sizeof(struct sl_udphdr) + sizeof(struct sl_guehdr) : ip;
}

/* What a tunnel's outer header says. Addresses network order. */
struct sl_encap {
	struct sl_addr src;     /* this node's tunnel source */
	struct sl_addr dst;     /* the backend */
	uint8_t family;         /* of src and dst */
	uint8_t tunnel;         /* enum sl_tunnel_type */
	uint16_t gue_port_be;   /* GUE: UDP destination port */
	uint16_t sport_be;      /* GUE: UDP source port (flow entropy) */
	uint8_t dst_mac[6];     /* next hop */
	uint8_t src_mac[6];
};

/*
 * tunnel: `data` is where the frame starts once the engine has made `room`
 * bytes (exactly sl_encap_len()) in front of it; `p` is what sl_parse()
 * found before the room was made. Writes a fresh Ethernet header (no VLAN
 * tags: the tunnel is routed) and the outer headers right before the
 * inner IP header, so the frame becomes
 *   Ethernet | outer IP | [UDP | GUE] | the original IP packet.
 * The inner packet is not changed; its length is p->l3_len. The outer
 * IPv4 header has DF set and a full checksum; the GUE UDP checksum is
 * zero (RFC 6935 allows it over IPv6 for tunnels).
 * Returns the offset from data where the new frame starts: 0, or the size
 * of the VLAN tags the original frame had, which the engine then trims.
 * -1 if the packet is not what it was told.
 */
static SL_ALWAYS_INLINE int
sl_rw_encap(void *data, void *data_end, uint32_t room, const struct sl_pkt *p,
	    const struct sl_encap *e)
{
	uint8_t inner_proto = p->key.family == SL_AF_INET ? SL_IPPROTO_IPIP : SL_IPPROTO_IPV6;
	uint32_t gue = e->tunnel == SL_TUN_GUE ? sizeof(struct sl_udphdr) + sizeof(struct sl_guehdr) : 0;
	uint32_t ip_len = e->family == SL_AF_INET ? sizeof(struct sl_ip4hdr) : sizeof(struct sl_ip6hdr);
	uint32_t trim, payload;
	struct sl_ethhdr *eth;
	uint8_t *cur;

	/* the old L2 header: Ethernet and up to SL_VLAN_MAX tags */
	if (p->n_vlan > SL_VLAN_MAX || p->l3_off != sizeof(*eth) + 4u * p->n_vlan)
		return -1;
	if (room != ip_len + gue)
		return -1;
	/* the new frame starts where the outer headers end right before the
	 * inner IP header: `trim` bytes in, the size of the old VLAN tags
	 * (computed from the tag count, a bound the BPF verifier can see) */
	trim = (uint32_t)p->n_vlan << 2;
	SL_BARRIER_VAR(trim);
	if (trim > 4 * SL_VLAN_MAX)
		return -1;
	cur = (uint8_t *)data + trim;
	if (cur + sizeof(*eth) + room > (uint8_t *)data_end)
		return -1;
	eth = (struct sl_ethhdr *)cur;
	__builtin_memcpy(eth->dst, e->dst_mac, SL_ETH_ALEN);
	__builtin_memcpy(eth->src, e->src_mac, SL_ETH_ALEN);
	eth->proto_be = e->family == SL_AF_INET ? SL_HTONS(SL_ETH_P_IP) : SL_HTONS(SL_ETH_P_IPV6);
	cur += sizeof(*eth);
	payload = (uint32_t)p->l3_len + gue;

	if (e->family == SL_AF_INET) {
		struct sl_ip4hdr *ip = (struct sl_ip4hdr *)cur;

		if ((void *)(ip + 1) > data_end || payload + sizeof(*ip) > 0xffff)
			return -1;
		ip->ver_ihl = 0x45;
		ip->tos = 0;
		ip->tot_len_be = sl_htons((uint16_t)(payload + sizeof(*ip)));
		ip->id_be = 0;
		ip->frag_off_be = SL_HTONS(SL_IP4_DF);
		ip->ttl = 64;
		ip->proto = gue ? SL_IPPROTO_UDP : inner_proto;
		ip->check = 0;
		ip->saddr = e->src.w[0];
		ip->daddr = e->dst.w[0];
		ip->check = sl_ip4_csum(ip);
		cur += sizeof(*ip);
	} else {
		struct sl_ip6hdr *ip6 = (struct sl_ip6hdr *)cur;

		if ((void *)(ip6 + 1) > data_end || payload > 0xffff)
			return -1;
		ip6->ver_tc_flow_be = sl_htonl(0x60000000);
		ip6->payload_len_be = sl_htons((uint16_t)payload);
		ip6->nexthdr = gue ? SL_IPPROTO_UDP : inner_proto;
		ip6->hop_limit = 64;
		__builtin_memcpy(ip6->saddr, e->src.b, 16);
		__builtin_memcpy(ip6->daddr, e->dst.b, 16);
		cur += sizeof(*ip6);
	}
	if (gue) {
		struct sl_udphdr *uh = (struct sl_udphdr *)cur;
		struct sl_guehdr *gh = (struct sl_guehdr *)(uh + 1);

		if ((void *)(gh + 1) > data_end)
			return -1;
		uh->sport_be = e->sport_be;
		uh->dport_be = e->gue_port_be;
		uh->len_be = sl_htons((uint16_t)payload);
		uh->check = 0;
		gh->ver_c_hlen = 0;  /* version 0, data message, no extension fields */
		gh->proto = inner_proto;
		gh->flags_be = 0;
	}
	return (int)trim;
}

#endif /* SLUICE_REWRITE_H */

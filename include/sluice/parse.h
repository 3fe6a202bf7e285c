/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.h - the packet parser both engines run: Ethernet (up to two 802.1Q /
 * 802.1ad tags), IPv4 with options, IPv6 with extension headers, TCP, UDP,
 * ICMP and ICMPv6, and the packet quoted inside an ICMP error.
 *
 * Written for `clang -target bpf` as much as for gcc: every header read is
 * preceded by a check of the cursor against `data_end` (what the verifier
 * wants), loops have constant bounds, nothing recurses, and nothing is
 * read past `data_end`. Lengths the packet claims (IP total length, UDP
 * length, TCP data offset) are checked against what is really there.
 *
 * Contract of sl_parse():
 *   - `data`..`data_end` is the contiguous part of the frame that holds the
 *     headers; `wire_len` is the whole frame's length (DPDK: pkt_len of a
 *     multi-segment mbuf; XDP: data_end - data).
 *   - returns 0 (SL_DROP_NONE) and fills *p for a packet the engine may
 *     handle, or an enum sl_drop_reason for a malformed or truncated one.
 *   - a frame that is not IP (ARP, LLDP, ...) returns 0 with p->l3_off set
 *     and p->key.family == SL_AF_NONE: it belongs to the host.
 *   - Thread safety: pure function of its inputs.
 */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include "base-t.h"
#include "counters-t.h"
#include "flow-t.h"
#include "proto-t.h"

#define SL_VLAN_MAX    2 /* tags the parser walks; a third is dropped */
#define SL_IP6_EXT_MAX 8 /* extension headers the parser walks */

/* struct sl_pkt flags */
#define SL_PKT_F_FRAG       0x01 /* a fragment (first or later) */
#define SL_PKT_F_FRAG_LATER 0x02 /* a non-first fragment: no L4 header */
#define SL_PKT_F_IP4_OPTS   0x04 /* IPv4 header carries options */
#define SL_PKT_F_IP6_EXT    0x08 /* IPv6 extension headers present */
#define SL_PKT_F_ICMP_ERR   0x10 /* ICMP error: p->inner is the quoted flow */
#define SL_PKT_F_L4         0x20 /* l4_off points at a parsed L4 header */

/* What the parser found. Offsets are from the start of the frame. */
struct sl_pkt {
	struct sl_flow_key key;   /* this packet's 5-tuple */
	struct sl_flow_key inner; /* SL_PKT_F_ICMP_ERR: the quoted packet's 5-tuple, as quoted */
	uint16_t l3_off;
	uint16_t l4_off;          /* valid with SL_PKT_F_L4 */
	uint16_t l3_len;          /* IP total length (IPv6: 40 + payload length) */
	uint16_t eth_proto;       /* host order, after VLAN tags */
	uint16_t vlan_tci;        /* outer tag, host order, 0 when untagged */
	uint8_t n_vlan;
	uint8_t flags;            /* SL_PKT_F_* */
	uint8_t tcp_flags;        /* TCP only */
	uint8_t ttl;              /* IPv4 TTL or IPv6 hop limit */
	uint8_t icmp_type;        /* ICMP and ICMPv6 only */
	uint8_t icmp_code;
};

/* Result of walking one IP header and its extension headers. */
struct sl_l3 {
	const uint8_t *l4;  /* first byte after the IP headers */
	uint32_t rem;       /* bytes of IP payload from l4 on */
	uint8_t proto;      /* upper-layer protocol */
	uint8_t flags;      /* SL_PKT_F_FRAG* , IP4_OPTS, IP6_EXT */
	uint8_t ttl;
	uint16_t len;       /* IP total length */
};

/*
 * Parse an IPv4 header at `cur`. `rem` is what the frame holds from `cur`
 * on. `quoted`: the header is inside an ICMP error, where the quoted
 * packet is cut short on purpose, so its total length is not checked
 * against what is there.
 */
static SL_ALWAYS_INLINE int
sl_parse_ip4(const uint8_t *cur, const uint8_t *end, uint32_t rem, int quoted,
	     struct sl_flow_key *k, struct sl_l3 *r)
{
	const struct sl_ip4hdr *ip = (const struct sl_ip4hdr *)cur;
	uint32_t hl, tot;
	uint16_t frag;

	if ((const uint8_t *)(ip + 1) > end || rem < sizeof(*ip))
		return SL_DROP_IP4_TRUNC;
	if ((ip->ver_ihl >> 4) != 4)
		return SL_DROP_IP4_VERSION;
	hl = (uint32_t)(ip->ver_ihl & 0x0f) << 2;
	if (hl < sizeof(*ip))
		return SL_DROP_IP4_IHL;
	if (cur + hl > end || rem < hl)
		return SL_DROP_IP4_TRUNC;
	tot = sl_ntohs(ip->tot_len_be);
	if (tot < hl)
		return SL_DROP_IP4_LEN;
	if (!quoted) {
		if (tot > rem)
			return SL_DROP_IP4_TRUNC;
		rem = tot;
	} else if (tot < rem) {
		rem = tot;
	}
	r->rem = rem - hl;
	r->len = (uint16_t)tot;
	r->proto = ip->proto;
	r->ttl = ip->ttl;
	r->flags = hl > sizeof(*ip) ? SL_PKT_F_IP4_OPTS : 0;
	frag = sl_ntohs(ip->frag_off_be);
	if (frag & (SL_IP4_MF | SL_IP4_OFFMASK))
		r->flags |= SL_PKT_F_FRAG;
	if (frag & SL_IP4_OFFMASK)
		r->flags |= SL_PKT_F_FRAG_LATER;
	r->l4 = cur + hl;

	k->src.w[0] = ip->saddr;
	k->dst.w[0] = ip->daddr;
	k->proto = ip->proto;
	k->family = SL_AF_INET;
	return SL_DROP_NONE;
}

/*
 * Parse an IPv6 header and walk its extension headers (hop-by-hop first
 * only, routing, fragment, destination options, AH, mobility), at most
 * SL_IP6_EXT_MAX of them; in a quoted packet, none. Same arguments as
 * sl_parse_ip4().
 */
static SL_ALWAYS_INLINE int
sl_parse_ip6(const uint8_t *cur, const uint8_t *end, uint32_t rem, int quoted,
	     struct sl_flow_key *k, struct sl_l3 *r)
{
	const struct sl_ip6hdr *ip6 = (const struct sl_ip6hdr *)cur;
	uint32_t plen;
	uint8_t nh;
	int i;

	if ((const uint8_t *)(ip6 + 1) > end || rem < sizeof(*ip6))
		return SL_DROP_IP6_TRUNC;
	if ((*(const uint8_t *)ip6 >> 4) != 6)
		return SL_DROP_IP6_VERSION;
	plen = sl_ntohs(ip6->payload_len_be);
	rem -= sizeof(*ip6);
	if (!quoted) {
		if (plen > rem)
			return SL_DROP_IP6_TRUNC;
		rem = plen;
	} else if (plen < rem) {
		rem = plen;
	}
	r->len = (uint16_t)(plen + sizeof(*ip6));
	r->ttl = ip6->hop_limit;
	r->flags = 0;
	__builtin_memcpy(k->src.b, ip6->saddr, 16);
	__builtin_memcpy(k->dst.b, ip6->daddr, 16);
	k->family = SL_AF_INET6;
	nh = ip6->nexthdr;
	cur += sizeof(*ip6);

SL_UNROLL
	for (i = 0; i < SL_IP6_EXT_MAX; i++) {
		/* A quote (inside an ICMPv6 error) is not walked: with both
		 * walks the BPF verifier's paths multiply past its limit. A
		 * quoted packet with extension headers reports the first
		 * extension header as its protocol, and no ports. */
		if (quoted)
			break;
		const struct sl_ip6_ext *ext = (const struct sl_ip6_ext *)cur;
		const struct sl_ip6_frag *fh = (const struct sl_ip6_frag *)cur;
		uint32_t len;

		if (nh == SL_IP6_NH_HOPOPTS && i != 0)
			return SL_DROP_IP6_HBH_POS;
		if (nh == SL_IP6_NH_HOPOPTS || nh == SL_IP6_NH_ROUTING ||
		    nh == SL_IP6_NH_DSTOPTS || nh == SL_IP6_NH_MH ||
		    nh == SL_IP6_NH_AH) {
			if ((const uint8_t *)(ext + 1) > end || rem < sizeof(*ext))
				return SL_DROP_IP6_EXT_TRUNC;
			if (nh == SL_IP6_NH_AH)
				len = ((uint32_t)ext->hdrlen + 2) << 2;
			else
				len = ((uint32_t)ext->hdrlen + 1) << 3;
			if (cur + len > end || rem < len)
				return SL_DROP_IP6_EXT_TRUNC;
			nh = ext->nexthdr;
			cur += len;
			rem -= len;
			r->flags |= SL_PKT_F_IP6_EXT;
		} else if (nh == SL_IP6_NH_FRAGMENT) {
			uint16_t off;

			if ((const uint8_t *)(fh + 1) > end || rem < sizeof(*fh))
				return SL_DROP_IP6_EXT_TRUNC;
			off = sl_ntohs(fh->frag_off_be);
			nh = fh->nexthdr;
			cur += sizeof(*fh);
			rem -= sizeof(*fh);
			r->flags |= SL_PKT_F_IP6_EXT | SL_PKT_F_FRAG;
			if (off & 0xfff8) {
				/* a later fragment: what follows is payload */
				r->flags |= SL_PKT_F_FRAG_LATER;
				break;
			}
		} else {
			break;
		}
	}
	if (i == SL_IP6_EXT_MAX &&
	    (nh == SL_IP6_NH_HOPOPTS || nh == SL_IP6_NH_ROUTING ||
	     nh == SL_IP6_NH_DSTOPTS || nh == SL_IP6_NH_MH ||
	     nh == SL_IP6_NH_AH || nh == SL_IP6_NH_FRAGMENT))
		return SL_DROP_IP6_EXT_DEPTH;

	r->l4 = cur;
	r->rem = rem;
	r->proto = nh;
	k->proto = nh;
	return SL_DROP_NONE;
}

static SL_ALWAYS_INLINE int
sl_parse_l3(uint16_t eth_proto, const uint8_t *cur, const uint8_t *end,
	    uint32_t rem, int quoted, struct sl_flow_key *k, struct sl_l3 *r)
{
	if (eth_proto == SL_ETH_P_IP)
		return sl_parse_ip4(cur, end, rem, quoted, k, r);
	return sl_parse_ip6(cur, end, rem, quoted, k, r);
}

static SL_ALWAYS_INLINE int
sl_icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == SL_AF_INET)
		return type == SL_ICMP_DEST_UNREACH || type == SL_ICMP_SOURCE_QUENCH ||
		       type == SL_ICMP_REDIRECT || type == SL_ICMP_TIME_EXCEEDED ||
		       type == SL_ICMP_PARAMPROB;
	return type >= SL_ICMP6_DEST_UNREACH && type <= SL_ICMP6_PARAMPROB;
}

/*
 * IPv6 neighbour discovery (router solicitation and advertisement,
 * neighbour solicitation and advertisement, redirect: ICMPv6 133..137) is
 * the link's plumbing, like ARP: both engines hand it to the host (the
 * DPDK engine first answers solicitations for its own addresses) and the
 * firewall never sees it, so a default-deny policy cannot cut the host
 * off its IPv6 neighbours.
 */
static SL_ALWAYS_INLINE int
sl_pkt_is_nd(const struct sl_pkt *p)
{
	return p->key.family == SL_AF_INET6 && p->key.proto == SL_IPPROTO_ICMPV6 &&
	       p->icmp_type >= 133 && p->icmp_type <= 137;
}

/* A drop reason met inside an ICMP error's quote becomes an ICMP reason. */
static SL_ALWAYS_INLINE int
sl_quoted_reason(int rc)
{
	if (rc == SL_DROP_IP4_TRUNC || rc == SL_DROP_IP6_TRUNC ||
	    rc == SL_DROP_IP6_EXT_TRUNC)
		return SL_DROP_ICMP_INNER_TRUNC;
	return SL_DROP_ICMP_INNER_BAD;
}

/*
 * The packet quoted by an ICMP error: its IP header and the first 8 bytes
 * of its L4 header (RFC 792 and RFC 4443 guarantee that much), enough for
 * the ports of TCP and UDP and the identifier of an echo.
 */
static SL_ALWAYS_INLINE int
sl_parse_quoted(const uint8_t *cur, const uint8_t *end, uint32_t rem,
		uint8_t family, struct sl_pkt *p)
{
	struct sl_l3 r = {0};
	const uint8_t *v = cur;
	int rc;

	if (v + 1 > end || rem < 1)
		return SL_DROP_ICMP_INNER_TRUNC;
	if ((*v >> 4) != family)
		return SL_DROP_ICMP_INNER_BAD;
	rc = sl_parse_l3(family == SL_AF_INET ? SL_ETH_P_IP : SL_ETH_P_IPV6,
			 cur, end, rem, 1, &p->inner, &r);
	if (rc)
		return sl_quoted_reason(rc);
	if (!(r.flags & SL_PKT_F_FRAG_LATER) &&
	    (r.proto == SL_IPPROTO_TCP || r.proto == SL_IPPROTO_UDP ||
	     r.proto == SL_IPPROTO_ICMP || r.proto == SL_IPPROTO_ICMPV6)) {
		const struct sl_udphdr *u = (const struct sl_udphdr *)r.l4;

		if ((const uint8_t *)(u + 1) > end || r.rem < sizeof(*u))
			return SL_DROP_ICMP_INNER_TRUNC;
		if (r.proto == SL_IPPROTO_TCP || r.proto == SL_IPPROTO_UDP) {
			p->inner.sport_be = u->sport_be;
			p->inner.dport_be = u->dport_be;
		} else {
			const struct sl_icmphdr *ic = (const struct sl_icmphdr *)r.l4;

			p->inner.sport_be = ic->echo.id_be;
		}
	}
	p->flags |= SL_PKT_F_ICMP_ERR;
	return SL_DROP_NONE;
}

/* TCP, UDP, ICMP, ICMPv6 at r->l4; other protocols have no ports. */
static SL_ALWAYS_INLINE int
sl_parse_l4(const uint8_t *start, const uint8_t *end, const struct sl_l3 *r,
	    struct sl_pkt *p)
{
	const uint8_t *cur = r->l4;
	uint32_t rem = r->rem;

	if (r->flags & SL_PKT_F_FRAG_LATER)
		return SL_DROP_NONE;

	if (r->proto == SL_IPPROTO_TCP) {
		const struct sl_tcphdr *th = (const struct sl_tcphdr *)cur;
		uint32_t doff;

		if ((const uint8_t *)(th + 1) > end || rem < sizeof(*th))
			return SL_DROP_TCP_TRUNC;
		doff = (uint32_t)(th->doff_res >> 4) << 2;
		if (doff < sizeof(*th))
			return SL_DROP_TCP_DOFF;
		if (cur + doff > end || rem < doff)
			return SL_DROP_TCP_TRUNC;
		p->key.sport_be = th->sport_be;
		p->key.dport_be = th->dport_be;
		p->tcp_flags = th->flags;
	} else if (r->proto == SL_IPPROTO_UDP) {
		const struct sl_udphdr *uh = (const struct sl_udphdr *)cur;
		uint32_t ulen;

		if ((const uint8_t *)(uh + 1) > end || rem < sizeof(*uh))
			return SL_DROP_UDP_TRUNC;
		ulen = sl_ntohs(uh->len_be);
		if (ulen < sizeof(*uh) || ulen > rem)
			return SL_DROP_UDP_LEN;
		p->key.sport_be = uh->sport_be;
		p->key.dport_be = uh->dport_be;
	} else if ((r->proto == SL_IPPROTO_ICMP && p->key.family == SL_AF_INET) ||
		   (r->proto == SL_IPPROTO_ICMPV6 && p->key.family == SL_AF_INET6)) {
		const struct sl_icmphdr *ic = (const struct sl_icmphdr *)cur;

		if ((const uint8_t *)(ic + 1) > end || rem < sizeof(*ic))
			return SL_DROP_ICMP_TRUNC;
		p->icmp_type = ic->type;
		p->icmp_code = ic->code;
		if (sl_icmp_is_error(p->key.family, ic->type)) {
			int rc;

			if (r->flags & SL_PKT_F_FRAG)
				return SL_DROP_NONE; /* quote may span fragments */
			rc = sl_parse_quoted(cur + sizeof(*ic), end, rem - sizeof(*ic),
					     p->key.family, p);
			if (rc)
				return rc;
		} else if (ic->type == SL_ICMP_ECHO || ic->type == SL_ICMP_ECHOREPLY ||
			   ic->type == SL_ICMP6_ECHO_REQUEST ||
			   ic->type == SL_ICMP6_ECHO_REPLY) {
			p->key.sport_be = ic->echo.id_be;
		}
	} else {
		return SL_DROP_NONE; /* no ports: GRE, ESP, SCTP, ... */
	}
	p->l4_off = (uint16_t)(cur - start);
	p->flags |= SL_PKT_F_L4;
	return SL_DROP_NONE;
}

static SL_ALWAYS_INLINE int
sl_parse(const void *data, const void *data_end, uint32_t wire_len, struct sl_pkt *p)
{
	const uint8_t *start = (const uint8_t *)data;
	const uint8_t *end = (const uint8_t *)data_end;
	const uint8_t *cur = start;
	const struct sl_ethhdr *eth = (const struct sl_ethhdr *)cur;
	struct sl_l3 r = {0};
	uint16_t proto;
	uint32_t l2;
	int i, rc;

	__builtin_memset(p, 0, sizeof(*p));
	if ((const uint8_t *)(eth + 1) > end || wire_len < sizeof(*eth))
		return SL_DROP_ETH_TRUNC;
	proto = sl_ntohs(eth->proto_be);
	cur += sizeof(*eth);

SL_UNROLL
	for (i = 0; i < SL_VLAN_MAX; i++) {
		const struct sl_vlanhdr *vh = (const struct sl_vlanhdr *)cur;

		if (proto != SL_ETH_P_8021Q && proto != SL_ETH_P_8021AD)
			break;
		if ((const uint8_t *)(vh + 1) > end)
			return SL_DROP_VLAN_TRUNC;
		if (i == 0)
			p->vlan_tci = sl_ntohs(vh->tci_be);
		p->n_vlan++;
		proto = sl_ntohs(vh->proto_be);
		cur += sizeof(*vh);
	}
	if (proto == SL_ETH_P_8021Q || proto == SL_ETH_P_8021AD)
		return SL_DROP_VLAN_DEPTH;

	l2 = (uint32_t)(cur - start);
	if (wire_len < l2)
		return SL_DROP_VLAN_TRUNC;
	p->eth_proto = proto;
	p->l3_off = (uint16_t)l2;
	if (proto != SL_ETH_P_IP && proto != SL_ETH_P_IPV6)
		return SL_DROP_NONE; /* ARP, LLDP, ...: for the host */

	rc = sl_parse_l3(proto, cur, end, wire_len - l2, 0, &p->key, &r);
	if (rc)
		return rc;
	p->l3_len = r.len;
	p->ttl = r.ttl;
	p->flags |= r.flags;
	return sl_parse_l4(start, end, &r, p);
}

/*
 * sl_parse(), with a short way through for the commonest frame: untagged
 * IPv4 without options, not a fragment, TCP or UDP, all of it within
 * data_end. Returns and fills exactly what sl_parse() would for every
 * input (any other frame, or one that fails a check, takes sl_parse()),
 * so engines may call either. For engines that parse in user space; the
 * XDP program keeps sl_parse() (fewer paths for the verifier).
 */
static SL_ALWAYS_INLINE int
sl_parse_fast(const void *data, const void *data_end, uint32_t wire_len, struct sl_pkt *p)
{
	const uint8_t *start = (const uint8_t *)data;
	const uint8_t *end = (const uint8_t *)data_end;
	const struct sl_ethhdr *eth = (const struct sl_ethhdr *)start;
	const struct sl_ip4hdr *ip = (const struct sl_ip4hdr *)(eth + 1);
	const uint8_t *l4 = (const uint8_t *)(ip + 1);
	uint32_t tot, rem;

	/* Ethernet + IPv4 + 8 bytes of L4 in the frame and on the wire */
	if (end - start < (long)(sizeof(*eth) + sizeof(*ip) + 8) || wire_len < sizeof(*eth) + sizeof(*ip) ||
	    eth->proto_be != SL_HTONS(SL_ETH_P_IP) || ip->ver_ihl != 0x45 ||
	    (ip->frag_off_be & SL_HTONS(SL_IP4_MF | SL_IP4_OFFMASK)))
		return sl_parse(data, data_end, wire_len, p);
	tot = sl_ntohs(ip->tot_len_be);
	rem = tot - sizeof(*ip); /* what the IP packet holds after its header */
	if (tot < sizeof(*ip) + 8 || tot > wire_len - sizeof(*eth))
		return sl_parse(data, data_end, wire_len, p);
	if (ip->proto == SL_IPPROTO_TCP) {
		const struct sl_tcphdr *th = (const struct sl_tcphdr *)l4;
		uint32_t doff;

		if (rem < sizeof(*th) || (const uint8_t *)(th + 1) > end)
			return sl_parse(data, data_end, wire_len, p);
		doff = (uint32_t)(th->doff_res >> 4) << 2;
		if (doff < sizeof(*th) || l4 + doff > end || rem < doff)
			return sl_parse(data, data_end, wire_len, p);
		__builtin_memset(p, 0, sizeof(*p));
		p->key.sport_be = th->sport_be;
		p->key.dport_be = th->dport_be;
		p->tcp_flags = th->flags;
	} else if (ip->proto == SL_IPPROTO_UDP) {
		const struct sl_udphdr *uh = (const struct sl_udphdr *)l4;
		uint32_t ulen = sl_ntohs(uh->len_be);

		if (ulen < sizeof(*uh) || ulen > rem)
			return sl_parse(data, data_end, wire_len, p);
		__builtin_memset(p, 0, sizeof(*p));
		p->key.sport_be = uh->sport_be;
		p->key.dport_be = uh->dport_be;
	} else {
		return sl_parse(data, data_end, wire_len, p);
	}
	p->key.src.w[0] = ip->saddr;
	p->key.dst.w[0] = ip->daddr;
	p->key.proto = ip->proto;
	p->key.family = SL_AF_INET;
	p->eth_proto = SL_ETH_P_IP;
	p->l3_off = sizeof(*eth);
	p->l4_off = sizeof(*eth) + sizeof(*ip);
	p->l3_len = (uint16_t)tot;
	p->ttl = ip->ttl;
	p->flags = SL_PKT_F_L4;
	return SL_DROP_NONE;
}

#endif /* SLUICE_PARSE_H */

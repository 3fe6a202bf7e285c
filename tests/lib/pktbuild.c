/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sluice/counters-t.h>
#include <sluice/proto-t.h>

#include "pktbuild.h"

static void
mark(struct pkt_layout *l, size_t off, const char *name, int cut)
{
	if (l->n_mark < PB_MAX_MARKS) {
		l->mark[l->n_mark] = off;
		l->mark_name[l->n_mark] = name;
		l->mark_cut[l->n_mark] = cut;
		l->n_mark++;
	}
}

uint16_t
pkt_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
pseudo_sum(int family, const uint8_t *l3, uint8_t proto, size_t l4len)
{
	uint32_t sum = 0;
	size_t alen = family == 4 ? 4 : 16, i;
	const uint8_t *src = family == 4 ? l3 + 12 : l3 + 8;

	for (i = 0; i < 2 * alen; i += 2)
		sum += (uint32_t)(src[i] << 8 | src[i + 1]);
	sum += proto;
	sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	return sum;
}

/* Build an IP packet (no Ethernet) at out; returns its length. */
static size_t
build_ip(const struct pkt_spec *s, uint8_t *out, size_t cap, struct pkt_layout *lay,
	 size_t base)
{
	size_t hl, l4off, l4len, len, i;
	uint8_t *l4;

	if (s->family == 4) {
		struct sl_ip4hdr *ip = (struct sl_ip4hdr *)out;

		hl = 20 + (size_t)s->ip4_opts;
		if (cap < hl)
			return 0;
		memset(out, 0, hl);
		ip->ver_ihl = (uint8_t)(0x40 | (hl / 4));
		ip->ttl = s->ttl ? s->ttl : 64;
		ip->proto = s->proto;
		ip->id_be = htons(0x1234);
		ip->frag_off_be = htons((uint16_t)(s->frag_off | (s->more_frags ? SL_IP4_MF : 0)));
		if (inet_pton(AF_INET, s->src, &ip->saddr) != 1 ||
		    inet_pton(AF_INET, s->dst, &ip->daddr) != 1)
			return 0;
		for (i = 20; i < hl; i++)
			out[i] = 1; /* NOP options */
		if (lay)
			mark(lay, base, "ipv4", SL_DROP_IP4_TRUNC);
		if (lay && s->ip4_opts)
			mark(lay, base + 20, "ipv4-options", SL_DROP_IP4_TRUNC);
		l4off = hl;
	} else {
		struct sl_ip6hdr *ip6 = (struct sl_ip6hdr *)out;
		size_t off = 40;
		uint8_t *prev_nh = &ip6->nexthdr;

		if (cap < 40)
			return 0;
		memset(out, 0, 40);
		ip6->ver_tc_flow_be = htonl(0x60000000);
		ip6->hop_limit = s->ttl ? s->ttl : 64;
		if (inet_pton(AF_INET6, s->src, ip6->saddr) != 1 ||
		    inet_pton(AF_INET6, s->dst, ip6->daddr) != 1)
			return 0;
		if (lay)
			mark(lay, base, "ipv6", SL_DROP_IP6_TRUNC);
		for (int e = 0; e < s->n_ext; e++) {
			uint8_t t = s->ext[e];
			size_t elen;

			*prev_nh = t;
			if (t == SL_IP6_NH_FRAGMENT) {
				elen = 8;
			} else if (t == SL_IP6_NH_AH) {
				elen = 16; /* (hdrlen + 2) * 4 with hdrlen 2 */
			} else {
				elen = s->ext_len ? (size_t)s->ext_len : 8;
			}
			if (off + elen > cap)
				return 0;
			memset(out + off, 0, elen);
			if (t == SL_IP6_NH_FRAGMENT) {
				uint16_t fo = (uint16_t)(s->frag_off << 3 | (s->more_frags ? 1 : 0));

				out[off + 2] = (uint8_t)(fo >> 8);
				out[off + 3] = (uint8_t)fo;
			} else if (t == SL_IP6_NH_AH) {
				out[off + 1] = 2;
			} else {
				out[off + 1] = (uint8_t)(elen / 8 - 1);
				if (t != SL_IP6_NH_ROUTING)
					out[off + 2] = 1, out[off + 3] = (uint8_t)(elen - 4); /* PadN */
			}
			if (lay)
				mark(lay, base + off, "ipv6-ext", SL_DROP_IP6_EXT_TRUNC);
			prev_nh = &out[off];
			off += elen;
		}
		*prev_nh = s->proto;
		l4off = off;
	}
	l4 = out + l4off;
	if (lay)
		lay->l4 = base + l4off;

	/* L4 */
	if (s->frag_off) {
		l4len = (size_t)s->payload;
		if (l4off + l4len > cap)
			return 0;
		memset(l4, 0xab, l4len);
		if (lay)
			mark(lay, base + l4off, "fragment-payload", 0);
	} else if (s->proto == SL_IPPROTO_TCP) {
		struct sl_tcphdr *th = (struct sl_tcphdr *)l4;
		size_t thl = 20 + (size_t)s->tcp_opts;

		l4len = thl + (size_t)s->payload;
		if (l4off + l4len > cap)
			return 0;
		memset(l4, 0, thl);
		th->sport_be = htons(s->sport);
		th->dport_be = htons(s->dport);
		th->seq_be = htonl(1000);
		th->doff_res = (uint8_t)((thl / 4) << 4);
		th->flags = s->tcp_flags ? s->tcp_flags : SL_TCP_SYN;
		th->window_be = htons(65535);
		for (i = 20; i < thl; i++)
			l4[i] = 1; /* NOP */
		memset(l4 + thl, 'p', (size_t)s->payload);
		if (lay) {
			mark(lay, base + l4off, "tcp", SL_DROP_TCP_TRUNC);
			mark(lay, base + l4off + thl, "payload", 0);
		}
	} else if (s->proto == SL_IPPROTO_UDP) {
		struct sl_udphdr *uh = (struct sl_udphdr *)l4;

		l4len = 8 + (size_t)s->payload;
		if (l4off + l4len > cap)
			return 0;
		uh->sport_be = htons(s->sport);
		uh->dport_be = htons(s->dport);
		uh->len_be = htons((uint16_t)l4len);
		uh->check = 0;
		memset(l4 + 8, 'u', (size_t)s->payload);
		if (lay) {
			mark(lay, base + l4off, "udp", SL_DROP_UDP_TRUNC);
			mark(lay, base + l4off + 8, "payload", SL_DROP_UDP_LEN);
		}
	} else if ((s->proto == SL_IPPROTO_ICMP && s->family == 4) ||
		   (s->proto == SL_IPPROTO_ICMPV6 && s->family == 6)) {
		struct sl_icmphdr *ic = (struct sl_icmphdr *)l4;

		memset(l4, 0, 8);
		ic->type = s->icmp_type;
		ic->code = s->icmp_code;
		l4len = 8;
		if (lay)
			mark(lay, base + l4off, "icmp", SL_DROP_ICMP_TRUNC);
		if (s->quote) {
			uint8_t q[PB_MAX_LEN];
			struct pkt_layout ql = {0};
			size_t qlen = build_ip(s->quote, q, sizeof(q), &ql, 0), take;

			if (!qlen)
				return 0;
			take = s->quote_len ? (size_t)s->quote_len : ql.l4 + 8;
			if (take > qlen)
				take = qlen;
			if (l4off + 8 + take > cap)
				return 0;
			memcpy(l4 + 8, q, take);
			if (lay) {
				size_t qmin = ql.l4 ? ql.l4 + 8 : ql.ip_end;

				/* sluice does not walk a quote's IPv6 extension
				 * headers: its fixed header is all it needs */
				if (s->quote->family == 6 && s->quote->n_ext)
					qmin = 40;

				for (int m = 0; m < ql.n_mark; m++)
					if (ql.mark[m] < take && ql.mark[m] < qmin)
						mark(lay, base + l4off + 8 + ql.mark[m], "quoted",
						     SL_DROP_ICMP_INNER_TRUNC);
				if (qmin < take)
					mark(lay, base + l4off + 8 + qmin, "quoted-rest", 0);
			}
			l4len += take;
		} else {
			ic->echo.id_be = htons(s->sport);
			ic->echo.seq_be = htons(1);
			memset(l4 + 8, 'i', (size_t)s->payload);
			l4len += (size_t)s->payload;
			if (lay)
				mark(lay, base + l4off + 8, "payload", 0);
		}
		if (l4off + l4len > cap)
			return 0;
	} else {
		l4len = (size_t)s->payload;
		if (l4off + l4len > cap)
			return 0;
		memset(l4, 'x', l4len);
		if (lay) {
			lay->l4 = 0;
			mark(lay, base + l4off, "payload", 0);
		}
	}
	len = l4off + l4len;
	if (lay)
		lay->ip_end = base + len;

	/* lengths and checksums */
	if (s->family == 4) {
		struct sl_ip4hdr *ip = (struct sl_ip4hdr *)out;

		ip->tot_len_be = htons((uint16_t)len);
		ip->check = 0;
		ip->check = htons(pkt_csum(out, l4off, 0));
	} else {
		struct sl_ip6hdr *ip6 = (struct sl_ip6hdr *)out;

		ip6->payload_len_be = htons((uint16_t)(len - 40));
	}
	if (!s->frag_off && !s->more_frags) {
		uint16_t c;

		if (s->proto == SL_IPPROTO_TCP) {
			c = pkt_csum(l4, l4len, pseudo_sum(s->family, out, s->proto, l4len));
			l4[16] = (uint8_t)(c >> 8), l4[17] = (uint8_t)c;
		} else if (s->proto == SL_IPPROTO_UDP) {
			c = pkt_csum(l4, l4len, pseudo_sum(s->family, out, s->proto, l4len));
			if (!c)
				c = 0xffff;
			l4[6] = (uint8_t)(c >> 8), l4[7] = (uint8_t)c;
		} else if (s->proto == SL_IPPROTO_ICMP && s->family == 4) {
			c = pkt_csum(l4, l4len, 0);
			l4[2] = (uint8_t)(c >> 8), l4[3] = (uint8_t)c;
		} else if (s->proto == SL_IPPROTO_ICMPV6 && s->family == 6) {
			c = pkt_csum(l4, l4len, pseudo_sum(s->family, out, s->proto, l4len));
			l4[2] = (uint8_t)(c >> 8), l4[3] = (uint8_t)c;
		}
	}
	return len;
}

size_t
pkt_build(const struct pkt_spec *s, uint8_t *out, size_t cap, struct pkt_layout *lay)
{
	size_t off = 0, iplen;
	uint16_t et;
	int v;

	if (lay)
		memset(lay, 0, sizeof(*lay));
	if (cap < 14)
		return 0;
	memset(out, 0, 14);
	memcpy(out, "\x02\x00\x00\x00\x00\x02", 6);     /* dst: us */
	memcpy(out + 6, "\x02\x00\x00\x00\x00\x01", 6); /* src: client router */
	if (lay)
		mark(lay, 0, "ethernet", SL_DROP_ETH_TRUNC);
	off = 12;
	et = s->ethertype ? s->ethertype : s->family == 6 ? SL_ETH_P_IPV6 :
		s->family == 4 ? SL_ETH_P_IP : 0x88b5;
	for (v = 0; v < s->n_vlan; v++) {
		uint16_t tpid = (v == 0 && s->qinq) ? SL_ETH_P_8021AD : SL_ETH_P_8021Q;

		if (off + 4 > cap)
			return 0;
		out[off] = (uint8_t)(tpid >> 8), out[off + 1] = (uint8_t)tpid;
		out[off + 2] = (uint8_t)(s->vlan_tci[v] >> 8), out[off + 3] = (uint8_t)s->vlan_tci[v];
		off += 4;
		if (lay)
			mark(lay, off - 2, "vlan", SL_DROP_VLAN_TRUNC);
	}
	out[off] = (uint8_t)(et >> 8), out[off + 1] = (uint8_t)et;
	off += 2;
	if (lay)
		lay->l3 = off;
	if (s->family == 4 || s->family == 6) {
		iplen = build_ip(s, out + off, cap - off, lay, off);
		if (!iplen)
			return 0;
	} else {
		iplen = (size_t)s->payload;
		if (off + iplen > cap)
			return 0;
		memset(out + off, 'a', iplen);
		if (lay)
			mark(lay, off, "payload", 0);
	}
	if (lay)
		lay->ip_end = off + iplen;
	off += iplen;
	if (off + (size_t)s->pad > cap)
		return 0;
	memset(out + off, 0, (size_t)s->pad);
	off += (size_t)s->pad;
	if (lay)
		lay->len = off;
	return off;
}

void
pkt_icmp4_set_mtu(uint8_t *f, size_t len, uint16_t mtu)
{
	uint8_t *ic = f + 14 + 20;
	uint16_t c;

	ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	ic[2] = ic[3] = 0;
	c = pkt_csum(ic, len - 14 - 20, 0);
	ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
}

void
pkt_set_ip_end(uint8_t *f, const struct pkt_layout *lay, int family, size_t new_end)
{
	uint8_t *ip = f + lay->l3;
	size_t len = new_end - lay->l3;

	if (family == 4) {
		size_t hl = (size_t)(ip[0] & 0xf) * 4;

		ip[2] = (uint8_t)(len >> 8), ip[3] = (uint8_t)len;
		ip[10] = ip[11] = 0;
		if (hl <= len) {
			uint16_t c = pkt_csum(ip, hl, 0);

			ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
		}
	} else {
		size_t pl = len >= 40 ? len - 40 : 0;

		ip[4] = (uint8_t)(pl >> 8), ip[5] = (uint8_t)pl;
	}
}

int
pkt_verify_csums(const uint8_t *f, size_t len, const struct pkt_layout *lay, int family,
		 uint8_t proto)
{
	const uint8_t *ip = f + lay->l3;
	size_t iplen, hl, l4len;

	if (family == 4) {
		hl = (size_t)(ip[0] & 0xf) * 4;
		iplen = (size_t)(ip[2] << 8 | ip[3]);
		if (pkt_csum(ip, hl, 0) != 0)
			return -1;
	} else {
		iplen = 40 + (size_t)(ip[4] << 8 | ip[5]);
	}
	if (lay->l3 + iplen > len || !lay->l4)
		return lay->l3 + iplen > len ? -1 : 0;
	l4len = lay->l3 + iplen - lay->l4;
	if (proto == SL_IPPROTO_UDP && family == 4 && !f[lay->l4 + 6] && !f[lay->l4 + 7])
		return 0; /* no checksum */
	if (proto == SL_IPPROTO_TCP || proto == SL_IPPROTO_UDP || proto == SL_IPPROTO_ICMPV6)
		return pkt_csum(f + lay->l4, l4len, pseudo_sum(family, ip, proto, l4len)) == 0 ? 0 : -1;
	if (proto == SL_IPPROTO_ICMP)
		return pkt_csum(f + lay->l4, l4len, 0) == 0 ? 0 : -1;
	return 0;
}

void
pkt_hexdump(const char *title, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "%s (%zu bytes):", title, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fprintf(stderr, "\n");
}

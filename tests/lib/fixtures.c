/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <sluice/counters-t.h>
#include <sluice/parse.h>

#include "fixtures.h"

#define C4 "192.0.2.1"
#define V4 "198.51.100.10"
#define C6 "2001:db8::1"
#define V6 "2001:db8:100::10"
#define TCP SL_IPPROTO_TCP
#define UDP SL_IPPROTO_UDP

static const struct pkt_spec q_tcp4 = {.family = 4, .src = V4, .dst = C4, .proto = TCP,
				       .sport = 80, .dport = 40000, .tcp_flags = 0x12};
static const struct pkt_spec q_udp4 = {.family = 4, .src = V4, .dst = C4, .proto = UDP,
				       .sport = 53, .dport = 53000, .payload = 40};
static const struct pkt_spec q_echo4 = {.family = 4, .src = V4, .dst = C4,
					.proto = SL_IPPROTO_ICMP, .icmp_type = 0, .sport = 0x77};
static const struct pkt_spec q_tcp4_opts = {.family = 4, .src = V4, .dst = C4, .proto = TCP,
					    .ip4_opts = 8, .sport = 443, .dport = 41000};
static const struct pkt_spec q_tcp6 = {.family = 6, .src = V6, .dst = C6, .proto = TCP,
				       .sport = 443, .dport = 50000, .payload = 1200};
static const struct pkt_spec q_udp6_ext = {.family = 6, .src = V6, .dst = C6, .proto = UDP,
					   .n_ext = 1, .ext = {SL_IP6_NH_DSTOPTS},
					   .sport = 53, .dport = 5353, .payload = 8};

#define F4(...) {.family = 4, .src = C4, .dst = V4, __VA_ARGS__}
#define F6(...) {.family = 6, .src = C6, .dst = V6, __VA_ARGS__}

const struct parse_fixture parse_fixtures[] = {
	{"tcp4 syn", F4(.proto = TCP, .sport = 40000, .dport = 80), SL_PKT_F_L4},
	{"tcp4 ack with payload", F4(.proto = TCP, .sport = 40001, .dport = 80,
				     .tcp_flags = 0x18, .payload = 512), SL_PKT_F_L4},
	{"tcp4 802.1Q", F4(.n_vlan = 1, .vlan_tci = {100}, .proto = TCP, .sport = 1, .dport = 443),
	 SL_PKT_F_L4},
	{"tcp4 QinQ", F4(.n_vlan = 2, .qinq = 1, .vlan_tci = {10, 20}, .proto = TCP, .sport = 65535,
			 .dport = 80), SL_PKT_F_L4},
	{"tcp4 ip and tcp options", F4(.ip4_opts = 12, .proto = TCP, .tcp_opts = 20, .sport = 2000,
				       .dport = 80, .payload = 100), SL_PKT_F_L4 | SL_PKT_F_IP4_OPTS},
	{"tcp4 max options", F4(.ip4_opts = 40, .proto = TCP, .tcp_opts = 40, .sport = 2001,
				.dport = 80), SL_PKT_F_L4 | SL_PKT_F_IP4_OPTS},
	{"tcp4 ethernet padding", F4(.proto = TCP, .sport = 3000, .dport = 80, .tcp_flags = 0x10,
				     .pad = 6), SL_PKT_F_L4},
	{"udp4", F4(.proto = UDP, .sport = 53000, .dport = 53, .payload = 30), SL_PKT_F_L4},
	{"udp4 empty", F4(.proto = UDP, .sport = 5, .dport = 6), SL_PKT_F_L4},
	{"icmp4 echo", F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 8, .sport = 0x77, .payload = 56),
	 SL_PKT_F_L4},
	{"icmp4 unreachable quoting tcp", F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 3,
					     .icmp_code = 4, .quote = &q_tcp4),
	 SL_PKT_F_L4 | SL_PKT_F_ICMP_ERR, 1},
	{"icmp4 unreachable quoting udp", F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 3,
					     .icmp_code = 3, .quote = &q_udp4, .quote_len = 60),
	 SL_PKT_F_L4 | SL_PKT_F_ICMP_ERR, 1},
	{"icmp4 time exceeded quoting echo", F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 11,
						.quote = &q_echo4),
	 SL_PKT_F_L4 | SL_PKT_F_ICMP_ERR, 1},
	{"icmp4 quote with ip options", F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 12,
					   .quote = &q_tcp4_opts),
	 SL_PKT_F_L4 | SL_PKT_F_ICMP_ERR, 1},
	{"ip4 first fragment", F4(.proto = TCP, .sport = 4000, .dport = 80, .more_frags = 1,
				  .payload = 64), SL_PKT_F_L4 | SL_PKT_F_FRAG},
	{"ip4 later fragment", F4(.proto = TCP, .frag_off = 185, .payload = 64),
	 SL_PKT_F_FRAG | SL_PKT_F_FRAG_LATER},
	{"ip4 gre (no ports)", F4(.proto = 47, .payload = 24), 0},
	{"tcp6", F6(.proto = TCP, .sport = 50000, .dport = 443), SL_PKT_F_L4},
	{"udp6", F6(.proto = UDP, .sport = 5353, .dport = 53, .payload = 20), SL_PKT_F_L4},
	{"tcp6 802.1Q", F6(.n_vlan = 1, .vlan_tci = {4094}, .proto = TCP, .sport = 7, .dport = 80),
	 SL_PKT_F_L4},
	{"tcp6 hop-by-hop, dstopts, routing", F6(.n_ext = 3, .ext = {SL_IP6_NH_HOPOPTS,
		SL_IP6_NH_DSTOPTS, SL_IP6_NH_ROUTING}, .ext_len = 16, .proto = TCP, .sport = 9,
		.dport = 80), SL_PKT_F_L4 | SL_PKT_F_IP6_EXT},
	{"tcp6 eight extension headers", F6(.n_ext = 8, .ext = {SL_IP6_NH_HOPOPTS,
		SL_IP6_NH_DSTOPTS, SL_IP6_NH_ROUTING, SL_IP6_NH_DSTOPTS, SL_IP6_NH_ROUTING,
		SL_IP6_NH_DSTOPTS, SL_IP6_NH_AH, SL_IP6_NH_DSTOPTS}, .proto = TCP, .sport = 10,
		.dport = 80), SL_PKT_F_L4 | SL_PKT_F_IP6_EXT},
	{"tcp6 ah", F6(.n_ext = 1, .ext = {SL_IP6_NH_AH}, .proto = TCP, .sport = 11, .dport = 80),
	 SL_PKT_F_L4 | SL_PKT_F_IP6_EXT},
	{"tcp6 first fragment", F6(.n_ext = 1, .ext = {SL_IP6_NH_FRAGMENT}, .more_frags = 1,
				   .proto = TCP, .sport = 12, .dport = 80, .payload = 100),
	 SL_PKT_F_L4 | SL_PKT_F_IP6_EXT | SL_PKT_F_FRAG},
	{"ip6 later fragment", F6(.n_ext = 1, .ext = {SL_IP6_NH_FRAGMENT}, .frag_off = 100,
				  .proto = TCP, .payload = 100),
	 SL_PKT_F_IP6_EXT | SL_PKT_F_FRAG | SL_PKT_F_FRAG_LATER},
	{"icmp6 echo", F6(.proto = SL_IPPROTO_ICMPV6, .icmp_type = 128, .sport = 0x99,
			  .payload = 56), SL_PKT_F_L4},
	{"icmp6 neighbour solicitation", F6(.proto = SL_IPPROTO_ICMPV6, .icmp_type = 135,
					    .payload = 24), SL_PKT_F_L4},
	{"icmp6 packet too big quoting tcp", F6(.proto = SL_IPPROTO_ICMPV6, .icmp_type = 2,
						.quote = &q_tcp6, .quote_len = 1000),
	 SL_PKT_F_L4 | SL_PKT_F_ICMP_ERR, 1},
	/* a quote's extension headers are not walked: no ports */
	{"icmp6 unreachable quoting udp with ext", F6(.proto = SL_IPPROTO_ICMPV6, .icmp_type = 1,
						      .quote = &q_udp6_ext),
	 SL_PKT_F_L4 | SL_PKT_F_ICMP_ERR, 2},
	{"icmp over ipv6 (proto 1, no ports)", F6(.proto = SL_IPPROTO_ICMP, .payload = 8), 0},
	{"arp", {.ethertype = SL_ETH_P_ARP, .payload = 28}, 0},
	{"lldp", {.ethertype = 0x88cc, .payload = 40}, 0},
};
const size_t n_parse_fixtures = sizeof(parse_fixtures) / sizeof(parse_fixtures[0]);

static const struct pkt_spec b_tcp4 = F4(.proto = TCP, .sport = 40000, .dport = 80);
static const struct pkt_spec b_udp4 = F4(.proto = UDP, .sport = 40000, .dport = 53, .payload = 4);
static const struct pkt_spec b_tcp6 = F6(.proto = TCP, .sport = 40000, .dport = 80);
static const struct pkt_spec b_icmp4 = F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 3,
					  .quote = &q_tcp4);
static const struct pkt_spec b_icmp4_short = F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 3,
						.quote = &q_tcp4, .quote_len = 12);
static const struct pkt_spec b_icmp4_noports = F4(.proto = SL_IPPROTO_ICMP, .icmp_type = 3,
						  .quote = &q_tcp4, .quote_len = 24);
static const struct pkt_spec b_icmp6 = F6(.proto = SL_IPPROTO_ICMPV6, .icmp_type = 1,
					  .quote = &q_tcp6);
static const struct pkt_spec b_vlan3 = F4(.n_vlan = 3, .vlan_tci = {1, 2, 3}, .proto = TCP,
					  .sport = 1, .dport = 80);
static const struct pkt_spec b_ext9 = F6(.n_ext = 9, .ext = {SL_IP6_NH_HOPOPTS,
	SL_IP6_NH_DSTOPTS, SL_IP6_NH_DSTOPTS, SL_IP6_NH_DSTOPTS, SL_IP6_NH_DSTOPTS,
	SL_IP6_NH_DSTOPTS, SL_IP6_NH_DSTOPTS, SL_IP6_NH_DSTOPTS, SL_IP6_NH_DSTOPTS},
	.proto = TCP, .sport = 1, .dport = 80);
static const struct pkt_spec b_hbh2 = F6(.n_ext = 2, .ext = {SL_IP6_NH_DSTOPTS,
	SL_IP6_NH_HOPOPTS}, .proto = TCP, .sport = 1, .dport = 80);
static const struct pkt_spec b_ext1 = F6(.n_ext = 1, .ext = {SL_IP6_NH_ROUTING}, .proto = TCP,
					 .sport = 1, .dport = 80);

const struct bad_fixture bad_fixtures[] = {
	{"ipv4 version 6", &b_tcp4, AT_L3, 0, 0x65, -1, 0, SL_DROP_IP4_VERSION},
	{"ipv4 ihl 4", &b_tcp4, AT_L3, 0, 0x44, -1, 0, SL_DROP_IP4_IHL},
	{"ipv4 ihl 0", &b_tcp4, AT_L3, 0, 0x40, -1, 0, SL_DROP_IP4_IHL},
	{"ipv4 ihl beyond frame", &b_tcp4, AT_L3, 0, 0x4f, -1, 0, SL_DROP_IP4_TRUNC},
	{"ipv4 total length below header", &b_tcp4, AT_L3, 2, 0, 3, 10, SL_DROP_IP4_LEN},
	{"ipv4 total length beyond frame", &b_tcp4, AT_L3, 2, 0xff, -1, 0, SL_DROP_IP4_TRUNC},
	{"ipv6 version 4", &b_tcp6, AT_L3, 0, 0x40, -1, 0, SL_DROP_IP6_VERSION},
	{"ipv6 payload beyond frame", &b_tcp6, AT_L3, 4, 0xff, -1, 0, SL_DROP_IP6_TRUNC},
	{"tcp data offset 4", &b_tcp4, AT_L4, 12, 0x40, -1, 0, SL_DROP_TCP_DOFF},
	{"tcp data offset 0", &b_tcp6, AT_L4, 12, 0x00, -1, 0, SL_DROP_TCP_DOFF},
	{"tcp data offset beyond packet", &b_tcp4, AT_L4, 12, 0xf0, -1, 0, SL_DROP_TCP_TRUNC},
	{"udp length 7", &b_udp4, AT_L4, 4, 0, 5, 7, SL_DROP_UDP_LEN},
	{"udp length beyond ip", &b_udp4, AT_L4, 4, 0, 5, 13, SL_DROP_UDP_LEN},
	{"icmp quote of ipv6 in ipv4", &b_icmp4, AT_L4, 8, 0x60, -1, 0, SL_DROP_ICMP_INNER_BAD},
	{"icmp quote ihl 3", &b_icmp4, AT_L4, 8, 0x43, -1, 0, SL_DROP_ICMP_INNER_BAD},
	{"icmp quote total length below header", &b_icmp4, AT_L4, 10, 0, 11, 8,
	 SL_DROP_ICMP_INNER_BAD},
	{"icmp quote cut in ip header", &b_icmp4_short, AT_FRAME, -1, 0, -1, 0,
	 SL_DROP_ICMP_INNER_TRUNC},
	{"icmp quote without ports", &b_icmp4_noports, AT_FRAME, -1, 0, -1, 0,
	 SL_DROP_ICMP_INNER_TRUNC},
	{"icmp6 quote of ipv4 in ipv6", &b_icmp6, AT_L4, 8, 0x45, -1, 0, SL_DROP_ICMP_INNER_BAD},
	{"three vlan tags", &b_vlan3, AT_FRAME, -1, 0, -1, 0, SL_DROP_VLAN_DEPTH},
	{"nine ipv6 extension headers", &b_ext9, AT_FRAME, -1, 0, -1, 0, SL_DROP_IP6_EXT_DEPTH},
	{"hop-by-hop not first", &b_hbh2, AT_FRAME, -1, 0, -1, 0, SL_DROP_IP6_HBH_POS},
	{"ipv6 ext length beyond packet", &b_ext1, AT_L3, 41, 0xff, -1, 0, SL_DROP_IP6_EXT_TRUNC},
};
const size_t n_bad_fixtures = sizeof(bad_fixtures) / sizeof(bad_fixtures[0]);

size_t
bad_fixture_build(const struct bad_fixture *b, uint8_t *out, size_t cap)
{
	struct pkt_layout lay;
	size_t len = pkt_build(b->spec, out, cap, &lay), base;

	if (!len)
		return 0;
	base = b->anchor == AT_L3 ? lay.l3 : b->anchor == AT_L4 ? lay.l4 : 0;
	if (b->off >= 0 && base + (size_t)b->off < len)
		out[base + (size_t)b->off] = b->value;
	if (b->off2 >= 0 && base + (size_t)b->off2 < len)
		out[base + (size_t)b->off2] = b->value2;
	return len;
}

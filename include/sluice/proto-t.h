/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto-t.h - wire formats of the headers sluice parses and writes.
 *
 * Types only. Defined here rather than taken from the netinet headers,
 * <rte_ether.h> or <linux/if_ether.h> so that the DPDK engine, the XDP
 * program and the tests read the same bytes through the same structs.
 * Multi-byte fields are big endian on the wire; names say so with "be".
 */
#ifndef SLUICE_PROTO_T_H
#define SLUICE_PROTO_T_H

#include "base-t.h"

#define SL_ETH_ALEN 6
#define SL_ETH_P_IP     0x0800
#define SL_ETH_P_ARP    0x0806
#define SL_ETH_P_8021Q  0x8100
#define SL_ETH_P_8021AD 0x88A8
#define SL_ETH_P_IPV6   0x86DD

struct sl_ethhdr {
	uint8_t dst[SL_ETH_ALEN];
	uint8_t src[SL_ETH_ALEN];
	uint16_t proto_be;
} __attribute__((packed));
SL_STATIC_ASSERT(sizeof(struct sl_ethhdr) == 14, "ethernet header is 14 bytes");

struct sl_vlanhdr {
	uint16_t tci_be;
	uint16_t proto_be; /* encapsulated ethertype */
} __attribute__((packed));
SL_STATIC_ASSERT(sizeof(struct sl_vlanhdr) == 4, "802.1Q tag is 4 bytes");

struct sl_ip4hdr {
	uint8_t ver_ihl; /* version << 4 | header length in 32-bit words */
	uint8_t tos;
	uint16_t tot_len_be;
	uint16_t id_be;
	uint16_t frag_off_be; /* flags (3 bits) | fragment offset (13 bits) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t check;
	uint32_t saddr;
	uint32_t daddr;
} __attribute__((packed, aligned(2)));
SL_STATIC_ASSERT(sizeof(struct sl_ip4hdr) == 20, "IPv4 header is 20 bytes");
#define SL_IP4_MF     0x2000
#define SL_IP4_DF     0x4000
#define SL_IP4_OFFMASK 0x1fff

struct sl_ip6hdr {
	uint32_t ver_tc_flow_be; /* version (4) | traffic class (8) | flow label (20) */
	uint16_t payload_len_be;
	uint8_t nexthdr;
	uint8_t hop_limit;
	uint8_t saddr[16];
	uint8_t daddr[16];
} __attribute__((packed, aligned(2)));
SL_STATIC_ASSERT(sizeof(struct sl_ip6hdr) == 40, "IPv6 header is 40 bytes");

/* IPv6 extension headers the parser walks. */
#define SL_IP6_NH_HOPOPTS  0
#define SL_IP6_NH_ROUTING  43
#define SL_IP6_NH_FRAGMENT 44
#define SL_IP6_NH_ESP      50
#define SL_IP6_NH_AH       51
#define SL_IP6_NH_NONE     59
#define SL_IP6_NH_DSTOPTS  60
#define SL_IP6_NH_MH       135

/* Generic extension header: hop-by-hop, routing, destination options,
 * mobility: length in 8-octet units, not counting the first 8. */
struct sl_ip6_ext {
	uint8_t nexthdr;
	uint8_t hdrlen;
} __attribute__((packed));

struct sl_ip6_frag {
	uint8_t nexthdr;
	uint8_t reserved;
	uint16_t frag_off_be; /* offset (13 bits) << 3 | res (2) | M (1) */
	uint32_t id_be;
} __attribute__((packed));
SL_STATIC_ASSERT(sizeof(struct sl_ip6_frag) == 8, "IPv6 fragment header is 8 bytes");

struct sl_tcphdr {
	uint16_t sport_be;
	uint16_t dport_be;
	uint32_t seq_be;
	uint32_t ack_be;
	uint8_t doff_res; /* data offset in 32-bit words << 4 */
	uint8_t flags;
	uint16_t window_be;
	uint16_t check;
	uint16_t urg_be;
} __attribute__((packed, aligned(2)));
SL_STATIC_ASSERT(sizeof(struct sl_tcphdr) == 20, "TCP header is 20 bytes");
#define SL_TCP_FIN 0x01
#define SL_TCP_SYN 0x02
#define SL_TCP_RST 0x04
#define SL_TCP_PSH 0x08
#define SL_TCP_ACK 0x10

struct sl_udphdr {
	uint16_t sport_be;
	uint16_t dport_be;
	uint16_t len_be;
	uint16_t check;
} __attribute__((packed, aligned(2)));
SL_STATIC_ASSERT(sizeof(struct sl_udphdr) == 8, "UDP header is 8 bytes");

/* ICMP and ICMPv6 share the first 8 bytes' shape. */
struct sl_icmphdr {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	union {
		struct {
			uint16_t id_be;
			uint16_t seq_be;
		} echo;
		uint32_t unused;
		uint32_t mtu_be;
	};
} __attribute__((packed, aligned(2)));
SL_STATIC_ASSERT(sizeof(struct sl_icmphdr) == 8, "ICMP header is 8 bytes");

/* ICMPv4 types */
#define SL_ICMP_ECHOREPLY     0
#define SL_ICMP_DEST_UNREACH  3
#define SL_ICMP_SOURCE_QUENCH 4
#define SL_ICMP_REDIRECT      5
#define SL_ICMP_ECHO          8
#define SL_ICMP_TIME_EXCEEDED 11
#define SL_ICMP_PARAMPROB     12
/* ICMPv6 types */
#define SL_ICMP6_DEST_UNREACH 1
#define SL_ICMP6_PKT_TOOBIG   2
#define SL_ICMP6_TIME_EXCEED  3
#define SL_ICMP6_PARAMPROB    4
#define SL_ICMP6_ECHO_REQUEST 128
#define SL_ICMP6_ECHO_REPLY   129
#define SL_ICMP6_NDISC_NS     135
#define SL_ICMP6_NDISC_NA     136

/* Generic UDP encapsulation (draft-ietf-intarea-gue), variant 0 header,
 * as sluice's `tunnel gue` mode writes it. */
struct sl_guehdr {
	uint8_t ver_c_hlen; /* version (2) | C (1) | hlen (5) */
	uint8_t proto;      /* inner IP protocol: 4 or 41 */
	uint16_t flags_be;
} __attribute__((packed));
SL_STATIC_ASSERT(sizeof(struct sl_guehdr) == 4, "GUE header is 4 bytes");

#endif /* SLUICE_PROTO_T_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktbuild.h - build test packets from a description, with correct lengths
 * and checksums, and say where each header starts. Used by the unit tests,
 * the BPF tests and the fuzzers' seed corpus, so that every engine is
 * tested on the same bytes.
 */
#ifndef SLUICE_TEST_PKTBUILD_H
#define SLUICE_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

#define PB_MAX_LEN 2048
#define PB_MAX_MARKS 32

struct pkt_spec {
	int n_vlan;                 /* 0..3 tags (3 is invalid on purpose) */
	uint16_t vlan_tci[3];
	int qinq;                   /* outer tag is 802.1ad (0x88a8) */
	uint16_t ethertype;         /* 0: from family; else raw (ARP, ...) */
	int family;                 /* 4 or 6 (0: no IP header, raw payload) */
	const char *src, *dst;      /* IP addresses as text */
	uint8_t proto;              /* L4 protocol number */
	uint8_t ttl;                /* 0: 64 */
	int ip4_opts;               /* bytes of IPv4 options (multiple of 4, <= 40) */
	uint16_t frag_off;          /* fragment offset in 8-byte units */
	int more_frags;
	int n_ext;                  /* IPv6 extension headers, types in ext[] */
	uint8_t ext[10];
	int ext_len;                /* bytes per generic ext header (multiple of 8, >= 8) */
	uint16_t sport, dport;      /* TCP/UDP ports; ICMP echo id in sport */
	uint8_t tcp_flags;          /* 0: SYN */
	int tcp_opts;               /* bytes of TCP options (multiple of 4, <= 40) */
	uint8_t icmp_type, icmp_code;
	const struct pkt_spec *quote; /* ICMP error: the quoted packet */
	int quote_len;              /* bytes of it to quote (0: IP header + 8) */
	int payload;                /* payload bytes after the L4 header */
	int pad;                    /* Ethernet padding after the IP packet */
};

struct pkt_layout {
	size_t len;                 /* frame length */
	size_t l3, l4;              /* offsets; l4 = 0 without L4 */
	size_t ip_end;              /* end of the IP packet (before padding) */
	/* start offset of every header, in order, ending with the payload */
	size_t mark[PB_MAX_MARKS];
	const char *mark_name[PB_MAX_MARKS];
	/* drop reason when the frame is cut inside this header and the IP
	 * length fields are made to agree (pkt_set_ip_end); 0: still valid */
	int mark_cut[PB_MAX_MARKS];
	int n_mark;
};

/* Build the frame into out (cap bytes). Returns its length, 0 on error. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *out, size_t cap, struct pkt_layout *lay);

/* Rewrite the IP length fields (and the IPv4 checksum) of a frame built by
 * pkt_build so that the IP packet ends at `new_end`: a packet truncated in
 * a way that the IP header agrees with. */
void pkt_set_ip_end(uint8_t *frame, const struct pkt_layout *lay, int family, size_t new_end);

/* Set the next-hop MTU (RFC 1191) of an ICMPv4 error in an untagged frame
 * with a 20-byte IPv4 header, and its ICMP checksum whole. */
void pkt_icmp4_set_mtu(uint8_t *frame, size_t len, uint16_t mtu);

/* Internet checksum helpers (RFC 1071), host-order result folded. */
uint16_t pkt_csum(const void *data, size_t len, uint32_t initial);
/* Verify the IPv4 header checksum and the checksum of the L4 header at
 * lay->l4 (protocol `proto`), both by full recomputation: 0 if all good. */
int pkt_verify_csums(const uint8_t *frame, size_t len, const struct pkt_layout *lay, int family,
		     uint8_t proto);

/* Hex dump to stderr, for failure messages. */
void pkt_hexdump(const char *title, const uint8_t *p, size_t len);

#endif

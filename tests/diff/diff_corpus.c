/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * diff_corpus.c - the differential test's corpus (test_diff.c runs it):
 * every fixture of the shared corpus aimed at every mode's VIPs, their
 * truncations, the backends' replies to NAT flows, ICMP errors about the
 * corpus's flows, reopened flows, the malformed fixtures, packets around
 * the MTU, and corrupted variants from a fixed seed. Each packet goes
 * through both engines by compare().
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sluice/parse.h>

#include "fixtures.h"
#include "pktbuild.h"

#include "diff.h"
#include "xorshift.h"

static uint16_t next_sport = 10000;

static uint16_t
fresh_sport(void)
{
	if (next_sport >= 60000)
		next_sport = 10000;
	return next_sport++;
}

/* A fixture aimed at mode m's service of its family and protocol (TCP or
 * UDP), or at the VIP alone (other protocols: the host's). 0 if it has no
 * IP header to aim. */
static int
aim(struct pkt_spec *s, int m, char *vip, size_t viplen)
{
	if (!s->family)
		return 0;
	if (s->family == 4)
		snprintf(vip, viplen, VIP4_FMT, 10 + m);
	else
		snprintf(vip, viplen, VIP6_FMT, 10 + m);
	s->dst = vip;
	if (s->proto == 6 || s->proto == 17) {
		s->dport = s->proto == 17 ? PORT_UDP : s->family == 4 ? PORT_TCP4 : PORT_TCP6;
		s->sport = fresh_sport();
	}
	return 1;
}

/* Every cut of a frame: raw (the IP header still claims the whole
 * packet), and at every header boundary with the IP length made to
 * agree. */
static void
truncations(const char *label, const uint8_t *f, size_t len, const struct pkt_layout *lay,
	    int family)
{
	uint8_t cut[PB_MAX_LEN];
	char l2[512];
	size_t n;
	int k;

	for (n = len - 1; n >= 14; n--) {
		snprintf(l2, sizeof(l2), "%s, cut to %zu", label, n);
		compare(l2, f, n);
	}
	if (!family)
		return;
	for (k = 0; k < lay->n_mark; k++) {
		n = lay->mark[k];
		if (n <= lay->l3 || n >= lay->ip_end)
			continue;
		memcpy(cut, f, n);
		pkt_set_ip_end(cut, lay, family, n);
		snprintf(l2, sizeof(l2), "%s, cut at %s (%zu) with the IP length agreeing", label,
			 lay->mark_name[k] ? lay->mark_name[k] : "?", n);
		compare(l2, cut, n);
	}
}

/* The backend's answer to a packet the nat service forwarded (`fwd`, as
 * the XDP engine sent it): from the backend's address and port to this
 * node's address and the NAT port. */
static void
nat_reply(const char *fwd_label, const struct result *fwd)
{
	struct sl_pkt p;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], label[400];
	uint8_t f[PB_MAX_LEN];
	size_t len;
	int af;

	if (sl_parse(fwd->out, fwd->out + fwd->len, (uint32_t)fwd->len, &p) ||
	    !(p.key.proto == 6 || p.key.proto == 17))
		return;
	af = p.key.family == SL_AF_INET ? AF_INET : AF_INET6;
	inet_ntop(af, p.key.dst.b, src, sizeof(src));
	inet_ntop(af, p.key.src.b, dst, sizeof(dst));
	{
		struct pkt_spec r = {
			.family = af == AF_INET ? 4 : 6, .src = src, .dst = dst, .proto = p.key.proto,
			.sport = ntohs(p.key.dport_be), .dport = ntohs(p.key.sport_be),
			.tcp_flags = SL_TCP_SYN | SL_TCP_ACK, .payload = 32,
		};

		len = pkt_build(&r, f, sizeof(f), NULL);
	}
	assert_true(len > 0);
	snprintf(label, sizeof(label), "the backend's reply to (%s)", fwd_label);
	in_nat_reply = 1;
	compare(label, f, len);
	in_nat_reply = 0;
}

/* ---- ICMP errors about the corpus's flows ------------------------------------------ */

static void
mac_of(const char *txt, uint8_t *mac)
{
	assert_int_equal(sscanf(txt, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
				&mac[3], &mac[4], &mac[5]), 6);
}

static void
addr_txt(int family, const char *txt, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, txt, a->b), 1);
}

/*
 * An ICMP error as it reaches sluice's port from its gateway: `src` to
 * `dst`, "fragmentation needed" / "packet too big" (mtu given) or any
 * other type and code, quoting the first `take` bytes of the IP packet at
 * `quote`. Checksums computed whole. Returns the frame's length.
 */
static size_t
icmp_error_frame(uint8_t *out, int family, const struct sl_addr *src, const struct sl_addr *dst,
		 uint8_t type, uint8_t code, uint32_t mtu, const uint8_t *quote, size_t take)
{
	size_t ihl = family == 4 ? 20 : 40, l4len = 8 + take, k;
	uint8_t *ip = out + 14, *ic = ip + ihl;
	uint32_t sum = 0;
	uint16_t c;

	mac_of(PORT_MAC, out);
	mac_of(GW_MAC, out + 6);
	out[12] = family == 4 ? 0x08 : 0x86;
	out[13] = family == 4 ? 0x00 : 0xdd;
	memset(ip, 0, ihl + 8);
	if (family == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((ihl + l4len) >> 8), ip[3] = (uint8_t)(ihl + l4len);
		ip[8] = 64;
		ip[9] = SL_IPPROTO_ICMP;
		memcpy(ip + 12, src->b, 4);
		memcpy(ip + 16, dst->b, 4);
		c = pkt_csum(ip, 20, 0);
		ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
		ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	} else {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8), ip[5] = (uint8_t)l4len;
		ip[6] = SL_IPPROTO_ICMPV6;
		ip[7] = 64;
		memcpy(ip + 8, src->b, 16);
		memcpy(ip + 24, dst->b, 16);
		for (k = 8; k < 40; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		sum += SL_IPPROTO_ICMPV6 + (uint32_t)l4len;
		ic[4] = (uint8_t)(mtu >> 24), ic[5] = (uint8_t)(mtu >> 16);
		ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	}
	ic[0] = type;
	ic[1] = code;
	memcpy(ic + 8, quote, take);
	c = pkt_csum(ic, l4len, sum);
	ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
	return 14 + ihl + l4len;
}

static int
addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/*
 * What sl_rw_icmp_nat promises, checked on an error both engines
 * translated (xr): the outer and quoted addresses and ports it was told,
 * the next hop's MACs, the length kept, and every checksum that can be
 * recomputed whole (outer IPv4 header, ICMP or ICMPv6 over the outer
 * addresses, quoted IPv4 header). 0 if all hold.
 */
static int
icmp_nat_check(const char *label, size_t in_len, const struct sl_addr *osrc,
	       const struct sl_addr *odst, const struct sl_addr *isrc, uint16_t isport_be,
	       const struct sl_addr *idst, uint16_t idport_be)
{
	struct pkt_layout lay;
	uint8_t gw[6], me[6];
	struct sl_pkt p;
	const char *bad = NULL;

	mac_of(GW_MAC, gw);
	mac_of(PORT_MAC, me);
	if (xr.len != in_len)
		bad = "length";
	else if (sl_parse(xr.out, xr.out + xr.len, (uint32_t)xr.len, &p) ||
		 !(p.flags & SL_PKT_F_ICMP_ERR))
		bad = "not an ICMP error any more";
	else if (memcmp(xr.out, gw, 6) || memcmp(xr.out + 6, me, 6))
		bad = "MACs";
	else if (!addr_eq(&p.key.src, osrc) || !addr_eq(&p.key.dst, odst))
		bad = "outer addresses";
	else if (!addr_eq(&p.inner.src, isrc) || !addr_eq(&p.inner.dst, idst) ||
		 p.inner.sport_be != isport_be || p.inner.dport_be != idport_be)
		bad = "quoted addresses or ports";
	if (!bad) {
		memset(&lay, 0, sizeof(lay));
		lay.l3 = 14;
		lay.l4 = p.l4_off;
		if (pkt_verify_csums(xr.out, xr.len, &lay, p.key.family == SL_AF_INET ? 4 : 6,
				     p.key.proto))
			bad = "outer or ICMP checksum";
		else if (p.key.family == SL_AF_INET &&
			 pkt_csum(xr.out + p.l4_off + 8, (size_t)(xr.out[p.l4_off + 8] & 0xf) * 4, 0))
			bad = "quoted IPv4 header checksum";
	}
	if (!bad)
		return 0;
	fprintf(stderr, "ICMP ERROR WRONG: %s: %s\n", label, bad);
	pkt_hexdump("both engines sent", xr.out, xr.len);
	return -1;
}

/* One error through both engines; `want`: the verdict it must get. */
static void
icmp_compare(const char *label, const uint8_t *f, size_t len, int want)
{
	in_icmp = 1;
	compare(label, f, len);
	in_icmp = 0;
	if (xr.verdict != want || dr.verdict != want) {
		n_icmp_wrong++;
		fprintf(stderr, "ICMP ERROR WRONG: %s: want %s\n", label, verdict_name[want]);
		describe("xdp ", &xr);
		describe("dpdk", &dr);
		pkt_hexdump("input", f, len);
	}
}

/*
 * ICMP errors about the flow of the client packet `in` (as the corpus sent
 * it to mode m's VIP; forwarded by both engines as `fwd`), and about the
 * answers the client got (`reply`: the IP packet from the VIP, as the
 * client received it):
 *   from the backend's side (nat): the backend's and a router's
 *     "fragmentation needed" / "packet too big" about what sluice sent the
 *     backend, quoting 8 bytes of its L4 header or more, to the client
 *     translated; the same with another NAT port: no flow, the host's;
 *   from the client's side (every mode): a router's about the answer to
 *     the client, and the client's own "port unreachable", to the
 *     backend (nat: translated; dsr: as is; tunnel: encapsulated);
 *   no flow: the answer with another client port; the packet sent to a
 *     dsr or tunnel backend (whose reverse is no flow); quotes without
 *     ports (an echo, a later fragment); quotes cut inside the IP or L4
 *     header (dropped as icmp_inner_truncated); every raw cut of one
 *     error.
 * Translated ones are checked against sl_rw_icmp_nat's contract too.
 */
static void
icmp_errors(const char *flabel, int m, const uint8_t *in, size_t in_len,
	    const struct result *fwd, const uint8_t *reply, size_t reply_len, int quote_has_ports)
{
	static const size_t extra[] = {0, 64};
	struct sl_pkt c, b;
	struct sl_addr router, vip, client;
	uint8_t e[PB_MAX_LEN + 256], q[PB_MAX_LEN];
	char label[384];
	size_t len, k, qlen;
	int fam, v4, nat = m == 0;
	uint8_t fn_type, fn_code, pu_type, pu_code;

	memset(&b, 0, sizeof(b));
	if (sl_parse(in, in + in_len, (uint32_t)in_len, &c) || !(c.flags & SL_PKT_F_L4) ||
	    (c.key.proto != 6 && c.key.proto != 17))
		return;
	fam = c.key.family == SL_AF_INET ? 4 : 6;
	v4 = fam == 4;
	fn_type = v4 ? 3 : 2, fn_code = v4 ? 4 : 0;   /* frag needed / packet too big */
	pu_type = v4 ? 3 : 1, pu_code = v4 ? 3 : 4;   /* port unreachable */
	client = c.key.src;
	vip = c.key.dst;

	/* from the backend's side, about what sluice sent the backend */
	if (sl_parse(fwd->out, fwd->out + fwd->len, (uint32_t)fwd->len, &b) == 0) {
		const uint8_t *ipq = fwd->out + b.l3_off;
		size_t iplen = fwd->len - b.l3_off, hl = b.l4_off - b.l3_off;

		addr_txt(fam, v4 ? "10.231.0.254" : "fd00:231::254", &router);
		for (k = 0; k < SL_ARRAY_SIZE(extra); k++) {
			qlen = hl + 8 + extra[k] < iplen ? hl + 8 + extra[k] : iplen;
			if (!(b.flags & SL_PKT_F_L4))
				qlen = iplen < 64 ? iplen : 64;
			/* the backend itself */
			len = icmp_error_frame(e, fam, &b.key.dst, &b.key.src, fn_type, fn_code, 1400,
					       ipq, qlen);
			snprintf(label, sizeof(label), "backend's %s quoting %zu bytes of (%s) as sent",
				 v4 ? "frag needed" : "packet too big", qlen, flabel);
			icmp_compare(label, e, len, nat && quote_has_ports ? V_FWD : V_HOST);
			if (nat && quote_has_ports && xr.verdict == V_FWD &&
			    icmp_nat_check(label, len, &vip, &client, &client, c.key.sport_be, &vip,
					   c.key.dport_be))
				n_icmp_wrong++;
			if (k == 0 && nat) {
				in_icmp = 1;
				truncations(label, e, len, NULL, 0);
				in_icmp = 0;
			}
			/* a router on the backend's side */
			len = icmp_error_frame(e, fam, &router, &b.key.src, fn_type, fn_code, 1280, ipq,
					       qlen);
			snprintf(label, sizeof(label), "router's %s quoting %zu bytes of (%s) as sent",
				 v4 ? "frag needed" : "packet too big", qlen, flabel);
			icmp_compare(label, e, len, nat && quote_has_ports ? V_FWD : V_HOST);
			if (nat && quote_has_ports && xr.verdict == V_FWD &&
			    icmp_nat_check(label, len, &router, &client, &client, c.key.sport_be, &vip,
					   c.key.dport_be))
				n_icmp_wrong++;
		}
		if (nat && quote_has_ports && (b.flags & SL_PKT_F_L4)) {
			/* another NAT port: no flow's */
			memcpy(q, ipq, iplen);
			q[hl] ^= 0x40;
			qlen = hl + 8 < iplen ? hl + 8 : iplen;
			len = icmp_error_frame(e, fam, &b.key.dst, &b.key.src, fn_type, fn_code, 1400, q,
					       qlen);
			snprintf(label, sizeof(label), "backend's error with another NAT port (%s)",
				 flabel);
			icmp_compare(label, e, len, V_HOST);
			/* quotes cut inside the quoted IP and L4 headers */
			for (qlen = hl - 4; qlen < hl + 8; qlen += 4) {
				len = icmp_error_frame(e, fam, &b.key.dst, &b.key.src, fn_type, fn_code,
						       1400, ipq, qlen);
				snprintf(label, sizeof(label), "backend's error quoting %zu bytes (%s)",
					 qlen, flabel);
				icmp_compare(label, e, len, V_DROP);
			}
		}
	}

	/* from the client's side, about the answer the client got */
	if (reply) {
		struct sl_pkt a;
		const uint8_t *ipq;
		size_t iplen, hl;

		assert_int_equal(sl_parse(reply, reply + reply_len, (uint32_t)reply_len, &a), 0);
		ipq = reply + a.l3_off;
		iplen = reply_len - a.l3_off;
		hl = a.l4_off - a.l3_off;
		addr_txt(fam, v4 ? "192.0.2.1" : "2001:db8:ffff::1", &router);
		for (k = 0; k < SL_ARRAY_SIZE(extra); k++) {
			qlen = hl + 8 + extra[k] < iplen ? hl + 8 + extra[k] : iplen;
			len = icmp_error_frame(e, fam, &router, &a.key.src, fn_type, fn_code, 1280, ipq,
					       qlen);
			snprintf(label, sizeof(label), "client side router's %s quoting %zu bytes of "
				 "the answer to (%s)", v4 ? "frag needed" : "packet too big", qlen,
				 flabel);
			icmp_compare(label, e, len, V_FWD);
			if (nat && xr.verdict == V_FWD &&
			    icmp_nat_check(label, len, &b.key.src, &b.key.dst, &b.key.dst,
					   b.key.dport_be, &b.key.src, b.key.sport_be))
				n_icmp_wrong++;
			if (!nat && xr.verdict == V_FWD &&
			    memcmp(xr.out + xr.len - (len - 14), e + 14, len - 14)) {
				n_icmp_wrong++;
				fprintf(stderr, "ICMP ERROR WRONG: %s: the error sent on is not the one "
					"received\n", label);
			}
		}
		if (nat) {
			in_icmp = 1;
			truncations(label, e, len, NULL, 0);
			in_icmp = 0;
		}
		/* the client's own port unreachable */
		qlen = hl + 8;
		len = icmp_error_frame(e, fam, &a.key.dst, &a.key.src, pu_type, pu_code, 0, ipq, qlen);
		snprintf(label, sizeof(label), "client's port unreachable about the answer to (%s)",
			 flabel);
		icmp_compare(label, e, len, V_FWD);
		if (nat && xr.verdict == V_FWD &&
		    icmp_nat_check(label, len, &b.key.src, &b.key.dst, &b.key.dst, b.key.dport_be,
				   &b.key.src, b.key.sport_be))
			n_icmp_wrong++;
		/* another client port: no flow's */
		memcpy(q, ipq, iplen);
		q[hl + 2] ^= 0x40;
		len = icmp_error_frame(e, fam, &router, &a.key.src, fn_type, fn_code, 1280, q, hl + 8);
		snprintf(label, sizeof(label), "client side error, another client port (%s)", flabel);
		icmp_compare(label, e, len, V_HOST);
		/* a quote with no ports: a later fragment of the answer (IPv4) */
		if (v4) {
			memcpy(q, ipq, iplen);
			q[6] = 0x00, q[7] = 0x10; /* offset 128 bytes */
			q[10] = q[11] = 0;
			len = icmp_error_frame(e, fam, &router, &a.key.src, fn_type, fn_code, 1280, q,
					       hl + 8);
			snprintf(label, sizeof(label), "client side error quoting a later fragment "
				 "(%s)", flabel);
			icmp_compare(label, e, len, V_HOST);
		}
	}
}

/* An echo request from the VIP to a client, quoted in an error: no ports,
 * no flow: the host's. */
void
icmp_error_echo(int fam)
{
	struct pkt_spec q = {.family = fam, .proto = fam == 4 ? SL_IPPROTO_ICMP : SL_IPPROTO_ICMPV6,
			     .icmp_type = fam == 4 ? 8 : 128, .sport = 0x77,
			     .src = fam == 4 ? "198.51.100.10" : "2001:db8:100::10",
			     .dst = fam == 4 ? "203.0.113.9" : "2001:db8:9::9", .payload = 16};
	struct pkt_spec s = {.family = fam, .proto = q.proto, .icmp_type = fam == 4 ? 3 : 1,
			     .icmp_code = fam == 4 ? 1 : 3, .src = fam == 4 ? "192.0.2.1" :
			     "2001:db8:ffff::1", .dst = q.src, .quote = &q};
	uint8_t f[PB_MAX_LEN];
	size_t len = pkt_build(&s, f, sizeof(f), NULL);

	assert_true(len > 0);
	icmp_compare(fam == 4 ? "ICMP error quoting an echo (IPv4)" :
		     "ICMPv6 error quoting an echo", f, len, V_HOST);
}

void
corpus_valid(void)
{
	size_t i;
	int m;

	for (m = 0; m < N_MODES; m++) {
		for (i = 0; i < n_parse_fixtures; i++) {
			const struct parse_fixture *fx = &parse_fixtures[i];
			struct pkt_spec s = fx->spec;
			struct pkt_layout lay;
			uint8_t f[PB_MAX_LEN];
			char label[256], vip[64];
			size_t len;

			if (m == 0) {
				/* as it is: nobody's service */
				len = pkt_build(&s, f, sizeof(f), &lay);
				assert_true(len > 0);
				snprintf(label, sizeof(label), "fixture '%s' as built", fx->name);
				compare(label, f, len);
			}
			if (!aim(&s, m, vip, sizeof(vip)))
				continue;
			len = pkt_build(&s, f, sizeof(f), &lay);
			assert_true(len > 0);
			snprintf(label, sizeof(label), "mode %s, fixture '%s' to %s:%u", mode_name[m],
				 fx->name, vip, s.dport);
			compare(label, f, len);
			if (xr.verdict == V_FWD && dr.verdict == V_FWD) {
				static struct result fwd;
				static uint8_t ans[PB_MAX_LEN + 256];
				size_t ans_len = 0;
				int ports = !(s.family == 6 && s.n_ext);

				fwd = xr;
				if (m == 0) {
					nat_reply(label, &fwd);
					/* the answer as the client got it */
					if (xr.verdict == V_FWD && dr.verdict == V_FWD) {
						ans_len = xr.len;
						memcpy(ans, xr.out, xr.len);
					}
				} else if (s.proto == 6 || s.proto == 17) {
					/* dsr and tunnel backends answer from the VIP */
					struct pkt_spec a = {
						.family = s.family, .src = s.dst, .dst = s.src,
						.proto = s.proto, .sport = s.dport, .dport = s.sport,
						.tcp_flags = SL_TCP_SYN | SL_TCP_ACK, .payload = 32,
					};

					ans_len = pkt_build(&a, ans, sizeof(ans), NULL);
				}
				icmp_errors(label, m, f, len, &fwd, ans_len ? ans : NULL, ans_len, ports);
			}
			/* the same flow again: a hit in both flow tables */
			compare(label, f, len);
			truncations(label, f, len, &lay, s.family);
			/* the VIP on a port no service has: the host's */
			if (s.proto == 6 || s.proto == 17) {
				s.dport = (uint16_t)(s.dport + 1);
				len = pkt_build(&s, f, sizeof(f), NULL);
				snprintf(label, sizeof(label), "mode %s, fixture '%s' to %s:%u (no service)",
					 mode_name[m], fx->name, vip, s.dport);
				compare(label, f, len);
			}
		}
	}
}

/* A client that reuses its port: a connection closed by FIN or RST, then
 * a SYN on the same 5-tuple (a new connection, scheduled afresh: the
 * backend may change), its retransmission (stays), in every mode and
 * family. */
size_t n_reopen_moved, n_stale_host, n_fresh_fwd;
static struct result first_r;

void
corpus_reopen(void)
{
	static const uint8_t seq[] = {SL_TCP_SYN, SL_TCP_ACK, SL_TCP_FIN | SL_TCP_ACK, SL_TCP_SYN,
				      SL_TCP_SYN, SL_TCP_ACK, SL_TCP_RST, SL_TCP_SYN, SL_TCP_ACK};
	int m, fam, round;
	size_t k;

	for (m = 0; m < N_MODES; m++)
		for (fam = 4; fam <= 6; fam += 2)
			for (round = 0; round < 4; round++) {
				struct pkt_spec s = {
					.family = fam, .proto = 6, .payload = 10,
					.src = fam == 4 ? "203.0.113.78" : "2001:db8:78::8",
				};
				uint8_t f[PB_MAX_LEN], first[PB_MAX_LEN + 256];
				size_t first_len = 0;
				char label[256], vip[64];
				size_t len;

				aim(&s, m, vip, sizeof(vip));
				for (k = 0; k < sizeof(seq); k++) {
					s.tcp_flags = seq[k];
					len = pkt_build(&s, f, sizeof(f), NULL);
					snprintf(label, sizeof(label), "mode %s, IPv%d, port reuse #%d, "
						 "packet %zu (flags 0x%02x)", mode_name[m], fam, round, k,
						 seq[k]);
					compare(label, f, len);
					/* the same SYN, sent on elsewhere (dsr: every
					 * backend's MAC is the gateway's, alike) */
					if (k == 0) {
						first_len = xr.len;
						memcpy(first, xr.out, xr.len);
						first_r = xr;
					}
					if (k == 3 && xr.verdict == V_FWD &&
					    (xr.len != first_len || memcmp(first, xr.out, xr.len))) {
						n_reopen_moved++;
						if (m == 0) {
							/* nat: the old backend's late packet is
							 * no reply of the new connection's; the
							 * new backend's is */
							struct result now_r = xr;

							nat_reply(label, &first_r);
							n_stale_host += xr.verdict == V_HOST;
							nat_reply(label, &now_r);
							n_fresh_fwd += xr.verdict == V_FWD;
						}
					}
				}
			}
}

void
corpus_bad(void)
{
	size_t i;
	int m;

	for (i = 0; i < n_bad_fixtures; i++) {
		uint8_t f[PB_MAX_LEN];
		char label[256];
		size_t len = bad_fixture_build(&bad_fixtures[i], f, sizeof(f));

		assert_true(len > 0);
		snprintf(label, sizeof(label), "malformed '%s' as built", bad_fixtures[i].name);
		compare(label, f, len);
		for (m = 0; m < N_MODES; m++) {
			struct bad_fixture b = bad_fixtures[i];
			struct pkt_spec s = *b.spec;
			char vip[64];

			if (!aim(&s, m, vip, sizeof(vip)))
				continue;
			b.spec = &s;
			len = bad_fixture_build(&b, f, sizeof(f));
			assert_true(len > 0);
			snprintf(label, sizeof(label), "mode %s, malformed '%s' to %s", mode_name[m],
				 b.name, vip);
			compare(label, f, len);
		}
	}
}

/* Packets near the MTU (1500), where a tunnel's extra header makes
 * them too big: every IP length from 1400 to 1500, each protocol and
 * family, to every mode's service. */
void
corpus_big(void)
{
	static const uint8_t protos[] = {6, 17};
	int m, fam, pi;
	size_t iplen;

	for (m = 0; m < N_MODES; m++)
		for (fam = 4; fam <= 6; fam += 2)
			for (pi = 0; pi < 2; pi++)
				for (iplen = 1400; iplen <= 1500; iplen++) {
					struct pkt_spec s = {
						.family = fam, .proto = protos[pi],
						.src = fam == 4 ? "203.0.113.77" : "2001:db8:77::7",
					};
					size_t hdr = (fam == 4 ? 20 : 40) + (protos[pi] == 6 ? 20 : 8);
					uint8_t f[PB_MAX_LEN];
					char label[256], vip[64];
					size_t len;

					s.payload = (int)(iplen - hdr);
					aim(&s, m, vip, sizeof(vip));
					len = pkt_build(&s, f, sizeof(f), NULL);
					assert_true(len > 0);
					snprintf(label, sizeof(label), "mode %s, %s over IPv%d, IP length %zu, "
						 "to %s:%u", mode_name[m], protos[pi] == 6 ? "TCP" : "UDP", fam,
						 iplen, vip, s.dport);
					compare(label, f, len);
				}
}

static uint64_t rng = 0x5eed5eed1234abcdull;

static uint32_t
rnd(void)
{
	return (uint32_t)(xorshift64(&rng) >> 11);
}

#define N_CORRUPT 4000

void
corpus_corrupted(void)
{
	int n;

	for (n = 0; n < N_CORRUPT; n++) {
		const struct parse_fixture *fx = &parse_fixtures[rnd() % n_parse_fixtures];
		struct pkt_spec s = fx->spec;
		uint8_t f[PB_MAX_LEN];
		char label[320], vip[64], *p;
		int m = (int)(rnd() % N_MODES), k, nmut = 1 + (int)(rnd() % 4);
		size_t len, off;

		aim(&s, m, vip, sizeof(vip));
		len = pkt_build(&s, f, sizeof(f), NULL);
		assert_true(len > 0);
		p = label + snprintf(label, sizeof(label), "corrupted #%d of '%s' (mode %s):", n,
				     fx->name, mode_name[m]);
		for (k = 0; k < nmut; k++) {
			/* mostly in the headers, where the parser looks */
			off = rnd() % 4 ? rnd() % (len < 80 ? len : 80) : rnd() % len;
			f[off] = (uint8_t)rnd();
			if (p < label + sizeof(label) - 16)
				p += snprintf(p, (size_t)(label + sizeof(label) - p), " [%zu]=%02x", off,
					      f[off]);
		}
		if (rnd() % 4 == 0) {
			len = 14 + rnd() % (len - 13);
			if (p < label + sizeof(label) - 16)
				snprintf(p, (size_t)(label + sizeof(label) - p), " cut %zu", len);
		}
		compare(label, f, len);
	}
}

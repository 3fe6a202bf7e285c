/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_xdp_engine.c - the XDP engine's program on the shared packet corpus
 * through BPF_PROG_TEST_RUN, as the engine loads and configures it: every
 * fixture (to the VIP or not, valid or malformed) gives the verdict the
 * fast path promises, and every packet it forwards is byte for byte what
 * the shared rewrites (sluice/rewrite.h) make of it, with the next hop's
 * MAC from the kernel's neighbour table. The same expectations will hold
 * the DPDK engine to the same bytes.
 *
 * Runs in a network namespace of its own (an interface, the backends'
 * neighbours, forwarding on). Needs root: exits 77 without it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <sluice/hash.h>
#include <sluice/rewrite.h>

#include "config.h"
#include "engine.h"
#include "neigh.h"
#include "fixtures.h"
#include "xdp_engine.h"

#define VIP4 "198.51.100.10"
#define VIP6 "2001:db8:100::10"
static const uint8_t be_mac[2][6] = {{0x02, 0xbe, 0, 0, 0, 0x11}, {0x02, 0xbe, 0, 0, 0, 0x12}};
static uint8_t my_mac[6];
static int ifindex;
static struct sl_engine *eng;
static struct sl_ids ids;
static struct sl_snapshot *snap;
static uint32_t gen;

static void
sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "setup failed: %s\n", cmd);
		exit(1);
	}
}

static int resolve_hops; /* as sluiced: next hops in the snapshot */
static const char *v4_opts = ""; /* more options for the IPv4 services alone */

static void
configure(const char *mode_opts)
{
	struct sl_config c;
	char line[256], err[256];
	/* services take the mode's options at the end of their line */
	const char *lines[] = {
		"add service w4 " VIP4 ":80 proto tcp sched rr ",
		"add backend w4 10.230.0.11:80",
		"add backend w4 10.230.0.12:80",
		"add service w6 [" VIP6 "]:443 proto tcp sched rr ",
		"add backend w6 [fd00:230::11]:443",
		"add service u4 " VIP4 ":53 proto udp sched rr ",
		"add backend u4 10.230.0.11:53",
	};
	struct sl_snapshot *s;
	size_t i;

	sl_config_init(&c);
	for (i = 0; i < SL_ARRAY_SIZE(lines); i++) {
		snprintf(line, sizeof(line), "%s%s%s", lines[i],
			 !strncmp(lines[i], "add service", 11) ? mode_opts : "",
			 !strncmp(lines[i], "add service", 11) && strstr(lines[i], VIP4) ? v4_opts : "");
		assert_int_equal(sl_config_exec(&c, line, strlen(line), err, sizeof(err)), 0);
	}
	s = sl_snapshot_build(&c, snap, &ids, ++gen, err, sizeof(err));
	assert_non_null(s);
	if (resolve_hops)
		assert_int_equal(sl_neigh_fill(s), 4); /* every backend */
	if (eng->ops->apply(eng, s, err, sizeof(err))) {
		fprintf(stderr, "apply: %s\n", err);
		fail();
	}
	for (i = 0; i < s->n_svc; i++)
		s->svc[i].name = "";
	sl_snapshot_free(snap);
	snap = s;
	sl_config_free(&c);
}

static int
setup(void **state)
{
	struct sl_engine_args ea = {.iface = "xt0", .xdp_mode = "native"};
	char err[512];

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: network namespaces and BPF need root\n");
		exit(77);
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare: %s\n", strerror(errno));
		return -1;
	}
	sh("ip link add xt0 type veth peer name xt1 && ip link set xt0 up && ip link set xt1 up"
	   " && ip link set lo up && ip addr add 10.230.0.1/24 dev xt0"
	   " && ip addr add fd00:230::1/64 dev xt0 nodad"
	   " && sysctl -qw net.ipv4.ip_forward=1 && sysctl -qw net.ipv6.conf.all.forwarding=1"
	   " && ip neigh add 10.230.0.11 lladdr 02:be:00:00:00:11 dev xt0 nud permanent"
	   " && ip neigh add 10.230.0.12 lladdr 02:be:00:00:00:12 dev xt0 nud permanent"
	   " && ip neigh add fd00:230::11 lladdr 02:be:00:00:00:11 dev xt0 nud permanent"
	   /* clients behind a router */
	   " && ip neigh add 10.230.0.254 lladdr 02:be:00:00:00:fe dev xt0 nud permanent"
	   " && ip route add 203.0.113.0/24 via 10.230.0.254 dev xt0");
	{
		/* not /sys: it still shows the namespace we came from */
		struct ifreq ifr;
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "xt0");
		if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
			fprintf(stderr, "SIOCGIFHWADDR: %s\n", strerror(errno));
			return -1;
		}
		memcpy(my_mac, ifr.ifr_hwaddr.sa_data, 6);
		close(fd);
	}
	ifindex = (int)if_nametoindex("xt0");
	setenv("SLUICE_XDP_NO_ATTACH", "1", 1);
	eng = sl_xdp_engine_create(&ea, err, sizeof(err));
	if (!eng) {
		fprintf(stderr, "engine: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	if (eng)
		eng->ops->destroy(eng);
	sl_snapshot_free(snap);
	return 0;
}

static int
run(const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len)
{
	struct xdp_md ctx = {.ingress_ifindex = (__u32)ifindex, .data_end = (__u32)len};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = (__u32)len,
		.data_out = out,
		.data_size_out = PB_MAX_LEN + 128,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(sl_xdp_engine_prog_fd(eng), &o), 0);
	*out_len = o.data_size_out;
	return (int)o.retval;
}

static void
addr_of(const char *s, struct sl_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, a->b), 1);
}

/* What the engine must send for a packet of a new flow to backend `bi`. */
static size_t
expected(const char *mode, const uint8_t *in, size_t len, int bi, const char *be_addr,
	 uint16_t be_port, uint8_t *want)
{
	struct sl_pkt p;
	int v6 = strchr(be_addr, ':') != NULL;

	memset(want, 0, PB_MAX_LEN + 128);
	memcpy(want + 64, in, len);
	assert_int_equal(sl_parse(want + 64, want + 64 + len, (uint32_t)len, &p), 0);
	if (!strcmp(mode, "mode dsr")) {
		assert_int_equal(sl_rw_dsr(want + 64, want + 64 + len, be_mac[bi], my_mac), 0);
		memmove(want, want + 64, len);
		return len;
	}
	if (!strncmp(mode, "mode tunnel", 11)) {
		struct sl_encap e;
		uint32_t room;
		int start;

		memset(&e, 0, sizeof(e));
		e.family = v6 ? SL_AF_INET6 : SL_AF_INET;
		e.tunnel = strstr(mode, "gue") ? SL_TUN_GUE : SL_TUN_IPIP;
		addr_of(v6 ? "fd00:230::1" : "10.230.0.1", &e.src);
		addr_of(be_addr, &e.dst);
		e.gue_port_be = htons(6080);
		e.sport_be = htons((uint16_t)(0xc000 | (sl_flow_hash(&p.key, 0) & 0x3fff)));
		memcpy(e.dst_mac, be_mac[bi], 6);
		memcpy(e.src_mac, my_mac, 6);
		room = sl_encap_len(e.tunnel, e.family);
		start = sl_rw_encap(want + 64 - room, want + 64 + len, room, &p, &e);
		assert_true(start >= 0);
		memmove(want, want + 64 - room + start, len + room - (size_t)start);
		return len + room - (size_t)start;
	}
	/* nat: from this node's address, the source port the flow hashes to */
	{
		struct sl_addr snat, dst;
		uint32_t h = sl_flow_hash(&p.key, 0x6e6174u);
		struct sl_ethhdr *eth = (struct sl_ethhdr *)(want + 64);

		addr_of(v6 ? "fd00:230::1" : "10.230.0.1", &snat);
		addr_of(be_addr, &dst);
		assert_int_equal(sl_rw_nat(want + 64, want + 64 + len, &p, &snat,
					   htons((uint16_t)(1024 + h % 64512)), &dst, htons(be_port)), 0);
		memcpy(eth->dst, be_mac[bi], 6);
		memcpy(eth->src, my_mac, 6);
		memmove(want, want + 64, len);
		return len;
	}
}

static void
test_corpus(void **state)
{
	static const char *const modes[] = {"mode nat", "mode dsr", "mode tunnel tunnel ipip",
					    "mode tunnel tunnel gue"};
	size_t m, i, forwarded = 0, passed = 0, dropped = 0;

	for (m = 0; m < SL_ARRAY_SIZE(modes); m++) {
		configure(modes[m]);
		for (i = 0; i < n_parse_fixtures; i++) {
			const struct parse_fixture *fx = &parse_fixtures[i];
			struct pkt_spec s = fx->spec;
			uint8_t in[PB_MAX_LEN], out[PB_MAX_LEN + 128], want[PB_MAX_LEN + 128];
			uint32_t out_len;
			size_t len, wlen;
			int rc, to_vip, bi = 0;
			const char *be_addr = NULL;
			uint16_t be_port = 0;

			/* aim it at the VIP: TCP to port 80 (IPv4) or 443 (IPv6),
			 * UDP to 53 (IPv4); a fresh source port per mode, so
			 * every packet is a new flow and round robin picks */
			to_vip = s.family && !s.frag_off && !s.quote &&
				 ((s.proto == 6) || (s.proto == 17 && s.family == 4));
			if (to_vip) {
				s.dst = s.family == 4 ? VIP4 : VIP6;
				s.dport = s.proto == 17 ? 53 : s.family == 4 ? 80 : 443;
				s.sport = (uint16_t)(2000 + m * 100 + i);
			}
			len = pkt_build(&s, in, sizeof(in), NULL);
			rc = run(in, len, out, &out_len);
			if (!to_vip) {
				/* not a service's: the kernel's, untouched */
				if (rc != XDP_PASS || out_len != len || memcmp(in, out, len)) {
					fprintf(stderr, "%s, %s: verdict %d\n", modes[m], fx->name, rc);
					fail();
				}
				passed++;
				continue;
			}
			/* round robin per CPU and service: which backend it chose
			 * shows in the output; check it is one of them, exactly */
			if (s.family == 6) {
				be_addr = "fd00:230::11";
				be_port = 443;
			} else if (s.proto == 17) {
				be_addr = "10.230.0.11";
				be_port = 53;
			} else {
				bi = -1;
			}
			if (bi < 0) {
				size_t w0 = expected(modes[m], in, len, 0, "10.230.0.11", 80, want);

				if (out_len == w0 && !memcmp(out, want, w0)) {
					forwarded++;
					continue;
				}
				bi = 1;
				be_addr = "10.230.0.12";
				be_port = 80;
			}
			wlen = expected(modes[m], in, len, bi, be_addr, be_port, want);
			if (rc != XDP_TX || out_len != wlen || memcmp(out, want, wlen)) {
				fprintf(stderr, "%s, %s: verdict %d\n", modes[m], fx->name, rc);
				pkt_hexdump("in", in, len);
				pkt_hexdump("engine", out, out_len);
				pkt_hexdump("shared rewrite", want, wlen);
				fail();
			}
			forwarded++;
		}
		/* malformed packets: dropped, whatever the mode */
		for (i = 0; i < n_bad_fixtures; i++) {
			uint8_t in[PB_MAX_LEN], out[PB_MAX_LEN + 128];
			uint32_t out_len;
			size_t len = bad_fixture_build(&bad_fixtures[i], in, sizeof(in));

			assert_int_equal(run(in, len, out, &out_len), XDP_DROP);
			dropped++;
		}
	}
	print_message("%s: %zu forwarded byte for byte as the shared rewrites, %zu passed to "
		      "the kernel untouched, %zu malformed dropped\n",
		      resolve_hops ? "next hops resolved by the control plane" :
		      "next hops from the FIB per packet", forwarded, passed, dropped);
	assert_true(forwarded >= 40);
}

/* A nat flow's packet, then the backend's "fragmentation needed" about
 * what sluice sent it: on to the client (through the FIB's next hop), from
 * the VIP, about the client's own packet; byte for byte the error built
 * from the translated addresses. One with another NAT port, and one
 * quoting a packet of no flow, go to the kernel untouched. */
static void
test_icmp_frag_needed_nat(void **state)
{
	static const uint8_t gw_mac[6] = {0x02, 0xbe, 0, 0, 0, 0xfe};
	uint8_t f[PB_MAX_LEN], out[PB_MAX_LEN + 128], e[PB_MAX_LEN], exp[PB_MAX_LEN];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.9", .dst = VIP4, .proto = 6,
		.sport = 7100, .dport = 80, .tcp_flags = 0x18, .payload = 1400,
	};
	struct pkt_spec q = sp, nq = sp, ne, es = {
		.family = 4, .proto = SL_IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4,
		.dst = "10.230.0.1", .quote = &q, .quote_len = 20 + 20 + 64,
	};
	char be[INET_ADDRSTRLEN];
	uint32_t out_len;
	struct sl_pkt p;
	size_t len, elen, xlen;
	uint16_t nport;

	(void)state;
	configure("mode nat");
	len = pkt_build(&sp, f, sizeof(f), NULL);
	assert_int_equal(run(f, len, out, &out_len), XDP_TX);
	assert_int_equal(sl_parse(out, out + out_len, out_len, &p), 0);
	nport = ntohs(p.key.sport_be);
	inet_ntop(AF_INET, p.key.dst.b, be, sizeof(be));

	/* the backend's error, quoting the packet as sluice sent it */
	es.src = be;
	q.src = "10.230.0.1";
	q.dst = be;
	q.sport = nport;
	q.dport = 80;
	elen = pkt_build(&es, e, sizeof(e), NULL);
	assert_true(elen > 0);
	pkt_icmp4_set_mtu(e, elen, 1400);
	/* what the client must get, toward the clients' router */
	ne = es;
	ne.src = VIP4;
	ne.dst = "203.0.113.9";
	ne.quote = &nq;
	xlen = pkt_build(&ne, exp, sizeof(exp), NULL);
	assert_int_equal(xlen, elen);
	pkt_icmp4_set_mtu(exp, xlen, 1400);
	memcpy(exp, gw_mac, 6);
	memcpy(exp + 6, my_mac, 6);
	assert_int_equal(run(e, elen, out, &out_len), XDP_TX);
	if (out_len != xlen || memcmp(out, exp, xlen)) {
		pkt_hexdump("engine", out, out_len);
		pkt_hexdump("expected", exp, xlen);
		fail();
	}

	/* another NAT port, and no flow at all: the kernel's, untouched */
	q.sport = (uint16_t)(nport ^ 0x4000);
	elen = pkt_build(&es, e, sizeof(e), NULL);
	assert_int_equal(run(e, elen, out, &out_len), XDP_PASS);
	assert_true(out_len == elen && !memcmp(out, e, elen));
	q.sport = nport;
	q.dst = "10.230.0.99";
	elen = pkt_build(&es, e, sizeof(e), NULL);
	assert_int_equal(run(e, elen, out, &out_len), XDP_PASS);
	assert_true(out_len == elen && !memcmp(out, e, elen));
}

/* A backend's reply to a nat flow, to the source sluice sent the flow's
 * packet from: back to the client, from the VIP. Then the service gets a
 * source address of its own: a late reply of the old flow to the old
 * source still finds its entry (the program's filter in front of the
 * reply lookup keeps every source a nat service has used), and a new
 * flow's reply to the new source finds its own. */
static void
test_nat_reply_snat_change(void **state)
{
	uint8_t f[PB_MAX_LEN], r[PB_MAX_LEN], out[PB_MAX_LEN + 128];
	struct pkt_spec sp = {
		.family = 4, .src = "203.0.113.10", .dst = VIP4, .proto = 6,
		.tcp_flags = 0x10, .dport = 80,
	};
	struct pkt_spec rs = {.family = 4, .proto = 6, .sport = 80, .tcp_flags = 0x10};
	static const char *const snats[] = {"10.230.0.1", "10.230.0.7"};
	char be[2][INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
	uint16_t nport[2];
	uint32_t out_len;
	struct sl_pkt p;
	size_t len, rlen;
	int i, k;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* flow i: client port 7200 + i, under source snats[i] */
		v4_opts = i == 0 ? "" : " snat 10.230.0.7"; /* no IPv4 service left on .1 */
		configure("mode nat");
		v4_opts = "";
		sp.sport = (uint16_t)(7200 + i);
		len = pkt_build(&sp, f, sizeof(f), NULL);
		assert_int_equal(run(f, len, out, &out_len), XDP_TX);
		assert_int_equal(sl_parse(out, out + out_len, out_len, &p), 0);
		inet_ntop(AF_INET, p.key.dst.b, be[i], sizeof(be[i]));
		inet_ntop(AF_INET, p.key.src.b, a, sizeof(a));
		assert_string_equal(a, snats[i]);
		nport[i] = ntohs(p.key.sport_be);
		/* the replies of every flow so far, each to its own source */
		for (k = 0; k <= i; k++) {
			rs.src = be[k];
			rs.dst = snats[k];
			rs.dport = nport[k];
			rlen = pkt_build(&rs, r, sizeof(r), NULL);
			assert_int_equal(run(r, rlen, out, &out_len), XDP_TX);
			assert_int_equal(sl_parse(out, out + out_len, out_len, &p), 0);
			inet_ntop(AF_INET, p.key.src.b, a, sizeof(a));
			assert_string_equal(a, VIP4);
			inet_ntop(AF_INET, p.key.dst.b, a, sizeof(a));
			assert_string_equal(a, "203.0.113.10");
			assert_int_equal(ntohs(p.key.dport_be), 7200 + k);
		}
	}
}

/* The same, with next hops resolved into the snapshot (sluiced's way). */
static void
test_corpus_resolved(void **state)
{
	resolve_hops = 1;
	test_corpus(state);
	resolve_hops = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_resolved),
		cmocka_unit_test(test_icmp_frag_needed_nat),
		cmocka_unit_test(test_nat_reply_snat_change),
	};

	return cmocka_run_group_tests_name("xdp-engine", tests, setup, teardown);
}

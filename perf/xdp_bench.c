/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_bench - nanoseconds per packet of the XDP engine's program, through
 * BPF_PROG_TEST_RUN, against the cheapest useful XDP program (swap the
 * MACs, XDP_TX) measured in the same run. Not a test: it prints a table.
 *
 *   perf/xdp_bench.sh [REPEAT [-n RUNS] [-m MODE] [-a 0|1000] [-c new|many|1000]]
 *                            (sets up a namespace, then runs this)
 *
 * Each case: established TCP flows cycling over 1k or N flows, and SYNs of
 * new flows, for nat, dsr and tunnel, with 0 and 1,000 firewall rules.
 * bench_wrap.bpf.c restores the input frame every iteration (and picks
 * the flow); its own cost is measured and subtracted. With -n RUNS every
 * case (and the limit) runs RUNS times and the fastest run is reported: on
 * a shared machine the others are the noise of other work. After a case
 * the engine's counters must show that the intended path ran every time.
 * -c runs one case; an established case without the new flows' case
 * before it first makes its flows in a warm-up run that is not timed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_in.h"
#include "bench_wrap.skel.h"
#include "config.h"
#include "engine.h"
#include "neigh.h"
#include "pktbuild.h"
#include "xdp_engine.h"

static struct bench_wrap *wrap;
static int ifindex;
static unsigned int repeat = 1000000;
static unsigned int runs = 1; /* per case; the fastest is reported */

/* The step between the flows visited one after the other (bench_in.h):
 * coprime with n, near 0.618 n, so that flows made one after the other
 * are visited far apart. */
static __u32
flow_stride(__u32 n)
{
	__u32 s = (__u32)((double)n * 0.6180339887) | 1u, a, b, t;

	for (;; s += 2) {
		for (a = n, b = s; b; t = a % b, a = b, b = t)
			;
		if (a == 1 || s >= n)
			return s < n ? s : 1;
	}
}

/* Average ns per iteration of prog over the frame in bench_in. */
static double
run(int prog_fd, const struct bench_in *in, __u32 *retval)
{
	uint8_t out[512];
	struct xdp_md ctx = {.ingress_ifindex = (__u32)ifindex, .data_end = in->len};
	__u32 zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in->frame,
		.data_size_in = in->len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat);

	if (bpf_map_update_elem(bpf_map__fd(wrap->maps.bench_in), &zero, in, BPF_ANY) ||
	    bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "xdp_bench: test run failed: %s\n", strerror(errno));
		exit(1);
	}
	*retval = o.retval;
	return (double)o.duration;
}

static void
core_sum(struct sl_engine *e, struct sl_core_counters *sum, uint64_t acl[2])
{
	static struct sl_stats st;
	uint32_t c, r;

	memset(&st, 0, sizeof(st));
	memset(sum, 0, sizeof(*sum));
	e->ops->stats(e, &st);
	/* the firewall's decisions: by a rule, by the default */
	acl[0] = acl[1] = 0;
	for (r = 0; r < SL_MAX_ACL_RULES; r++)
		acl[0] += st.acl[r].pkts;
	acl[1] = st.acl_default.pkts;
	for (c = 0; c < st.n_cores; c++) {
		sum->flow_new += st.core[c].flow_new;
		sum->flow_hits += st.core[c].flow_hits;
		sum->tx_pkts += st.core[c].tx_pkts;
		sum->dropped_pkts += st.core[c].dropped_pkts;
		for (r = 0; r < SL_DROP_MAX; r++)
			sum->drops[r] += st.core[c].drops[r];
	}
}

/* Empty one of the engine's hash maps (pinned under /sys/fs/bpf/sluice/IF/):
 * each case's clients are new, and the flows of the cases before would
 * only crowd the per-CPU LRU lists, evicting flows a case expects. */
static void
flush_map(const char *iface, const char *name)
{
	static uint8_t keys[65536 * 40], vals[65536 * 64];
	char path[256];
	__u32 batch, n;
	int fd, rc;

	snprintf(path, sizeof(path), "/sys/fs/bpf/sluice/%s/%s", iface, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "xdp_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		n = 65536;
		rc = bpf_map_lookup_and_delete_batch(fd, NULL, &batch, keys, vals, &n, NULL);
		if (rc && errno != ENOENT) {
			fprintf(stderr, "xdp_bench: cannot empty %s: %s\n", path, strerror(errno));
			exit(1);
		}
		if (rc || n == 0)
			break;
	}
	close(fd);
}

static int
apply(struct sl_engine *e, struct sl_ids *ids, struct sl_snapshot **prev, const char *mode,
      int acl_rules, uint32_t gen)
{
	struct sl_config c;
	char line[256], err[256];
	struct sl_snapshot *s;
	int i;

	sl_config_init(&c);
#define EXEC(...) do { snprintf(line, sizeof(line), __VA_ARGS__); \
	if (sl_config_exec(&c, line, strlen(line), err, sizeof(err))) { \
		fprintf(stderr, "xdp_bench: %s: %s\n", line, err); exit(1); } } while (0)
	EXEC("set flows size 2097152"); /* per CPU: the per-CPU LRU holds 1M + old cases */
	EXEC("add service www 198.51.100.10:80 proto tcp sched rr mode %s", mode);
	EXEC("add backend www 10.220.0.11:80");
	EXEC("add backend www 10.220.0.12:80");
	if (acl_rules) {
		/* rules that do not match, then the one that lets the VIP in */
		for (i = 1; i < acl_rules; i++)
			EXEC("add acl %d deny proto tcp src 172.%d.%d.%d/32 dport %d", i, 16 + i % 16,
			     (i / 16) % 256, i % 256, 1 + i % 1000);
		EXEC("add acl %d allow proto tcp dst 198.51.100.10/32 dport 80", acl_rules);
		EXEC("set acl default deny");
	}
	s = sl_snapshot_build(&c, *prev, ids, gen, err, sizeof(err));
	if (s && getenv("XDP_BENCH_FIB") == NULL)
		sl_neigh_fill(s); /* as sluiced does: next hops resolved, not asked per packet */
	if (!s || e->ops->apply(e, s, err, sizeof(err))) {
		fprintf(stderr, "xdp_bench: apply: %s\n", err);
		exit(1);
	}
	sl_snapshot_free(*prev);
	*prev = s;
	/* the snapshot's names point into c: not used after apply */
	for (i = 0; i < (int)s->n_svc; i++)
		s->svc[i].name = "";
	sl_config_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = {"nat", "dsr", "tunnel"};
	struct sl_engine_args ea = {.xdp_mode = "native"};
	struct sl_snapshot *prev = NULL;
	struct sl_ids *ids = calloc(1, sizeof(*ids));
	struct pkt_spec spec = {.family = 4, .src = "10.100.0.1", .dst = "198.51.100.10",
				.proto = 6, .sport = 1024, .dport = 80, .tcp_flags = 0x10};
	struct pkt_layout lay;
	struct bench_in in;
	struct sl_engine *e;
	char err[512];
	double t_swap, t_wrap, limit;
	__u32 zero = 0, rv, gen = 1, big;
	int opt, m, a, swap_fd, wrap_fd, sluice_fd, tgt;
	unsigned int r;
	const char *iface = "bench0", *only_mode = NULL;
	int only_acl = -1, only_case = -1;

	while ((opt = getopt(argc, argv, "i:r:n:m:a:c:h")) != -1) {
		switch (opt) {
		case 'n': runs = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'i': iface = optarg; break;
		case 'r': repeat = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'm': only_mode = optarg; break;
		case 'a': only_acl = atoi(optarg) ? 1 : 0; break;
		case 'c':
			only_case = !strcmp(optarg, "new") ? 0 : !strcmp(optarg, "many") ? 1 :
				    !strcmp(optarg, "1000") ? 2 : -2;
			if (only_case != -2)
				break;
			/* fall through */
		default:
			fprintf(stderr, "usage: xdp_bench [-i IFACE] [-r REPEAT] [-n RUNS] "
				"[-m nat|dsr|tunnel] [-a 0|1000] [-c new|many|1000]  "
				"(see perf/xdp_bench.sh)\n");
			return 2;
		}
	}
	if (repeat < 1000)
		repeat = 1000;
	if (runs < 1)
		runs = 1;
	big = repeat; /* the big flow set is what one run of new flows makes */
	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "xdp_bench: no interface %s (run perf/xdp_bench.sh)\n", iface);
		return 1;
	}
	setenv("SLUICE_XDP_NO_ATTACH", "1", 1);
	ea.iface = iface;
	e = sl_xdp_engine_create(&ea, err, sizeof(err));
	if (!e || !ids) {
		fprintf(stderr, "xdp_bench: %s\n", err);
		return 1;
	}
	wrap = bench_wrap__open_and_load();
	if (!wrap) {
		fprintf(stderr, "xdp_bench: cannot load bench_wrap: %s\n", strerror(errno));
		return 1;
	}
	swap_fd = bpf_program__fd(wrap->progs.mac_swap);
	wrap_fd = bpf_program__fd(wrap->progs.bench_wrap);
	tgt = bpf_map__fd(wrap->maps.bench_target);

	memset(&in, 0, sizeof(in));
	in.len = (__u32)pkt_build(&spec, in.frame, sizeof(in.frame), &lay);
	in.src_off = (__u32)lay.l3 + 12;
	in.sport_off = (__u32)lay.l4;

	/* the limit, and what the wrapper costs (the fastest of `runs` each) */
	t_swap = t_wrap = 1e18;
	bpf_map_update_elem(tgt, &zero, &swap_fd, BPF_ANY);
	for (r = 0; r < runs; r++) {
		double t1 = run(swap_fd, &in, &rv), t2;

		if (rv != XDP_TX) {
			fprintf(stderr, "xdp_bench: mac_swap returned %u, not XDP_TX\n", rv);
			return 1;
		}
		in.n_flows = 1000; /* the wrapper picks flows as in the cases */
		in.stride = flow_stride(in.n_flows);
		t2 = run(wrap_fd, &in, &rv);
		in.n_flows = 0;
		if (rv != XDP_TX) {
			fprintf(stderr, "xdp_bench: the wrapper returned %u, not XDP_TX\n", rv);
			return 1;
		}
		t_swap = t1 < t_swap ? t1 : t_swap;
		t_wrap = t2 < t_wrap ? t2 : t_wrap;
	}
	t_wrap -= t_swap;
	limit = t_swap;
	printf("xdp_bench: %u iterations a run (nat: at most 40000), the fastest of %u runs a case, "
	       "interface %s\n\n", repeat, runs, iface);
	printf("%-8s %-5s %-22s %9s %8s   %s\n", "mode", "acl", "case", "ns/pkt", "x limit",
	       "path check");
	printf("%-8s %-5s %-22s %9.1f %8.2f   XDP_TX\n", "-", "-", "mac swap (the limit)", t_swap, 1.0);
	printf("%-8s %-5s %-22s %9.1f %8s   (subtracted below)\n", "-", "-", "wrapper overhead",
	       t_wrap, "");

	for (m = 0; m < 3; m++) {
		for (a = 0; a < 2; a++) {
			struct sl_core_counters before, after;
			uint64_t acl0[2], acl1[2], acl_n;
			unsigned int n_cases[] = {0, big, 1000};
			int k;

			unsigned int save_repeat = repeat;

			if ((only_mode && strcmp(only_mode, modes[m])) || (only_acl >= 0 && only_acl != a))
				continue;

			/* nat: one source address gives each backend at most 64512 ports
			 * at a time; stay well inside that */
			if (m == 0 && repeat > 40000)
				repeat = 40000;
			n_cases[1] = repeat;
			apply(e, ids, &prev, modes[m], a ? 1000 : 0, gen++);
			flush_map(iface, "sl_flows");
			flush_map(iface, "sl_nat");
			sluice_fd = sl_xdp_engine_prog_fd(e);
			bpf_map_update_elem(tgt, &zero, &sluice_fd, BPF_ANY);
			if (getenv("XDP_BENCH_DEBUG")) {
				struct sl_core_counters b0, b1;
				unsigned int save = repeat;

				repeat = 1;
				core_sum(e, &b0, acl0);
				run(sluice_fd, &in, &rv);
				core_sum(e, &b1, acl1);
				printf("direct: retval %u drops %llu eth_trunc %llu tx %llu\n", rv,
				       (unsigned long long)(b1.dropped_pkts - b0.dropped_pkts),
				       (unsigned long long)(b1.drops[1] - b0.drops[1]),
				       (unsigned long long)(b1.tx_pkts - b0.tx_pkts));
				repeat = save;
			}
			/* new clients for this case: 10.<100+case>.x.x */
			in.frame[in.src_off + 1] = (uint8_t)(100 + m * 2 + a);
			for (k = 0; k < 3; k++) {
				char label[64];
				double t;
				int ok;

				in.unique = k == 0;
				in.n_flows = n_cases[k];
				in.stride = in.n_flows ? flow_stride(in.n_flows) : 0;
				in.cursor = 0;
				in.counter = 0;
				in.frame[lay.l4 + 13] = k == 0 ? 0x02 : 0x10; /* SYN, then ACK */
				if (only_case >= 0 && only_case != k)
					continue;
				if (k > 0 && only_case == k) {
					/* the flows, made by a run not timed, one after
					 * the other as the new flows' case makes them
					 * (made in the order they are then visited, a
					 * table whose entries are handed out in that
					 * order would be read from end to end) */
					unsigned int save = repeat;

					repeat = in.n_flows;
					in.unique = 1;
					run(wrap_fd, &in, &rv);
					in.unique = 0;
					repeat = save;
					in.cursor = 0;
					in.counter = 0;
				}
				core_sum(e, &before, acl0);
				t = 1e18;
				for (r = 0; r < runs; r++) {
					double t1;

					/* new flows again: the last run's are known now */
					if (k == 0 && r > 0) {
						flush_map(iface, "sl_flows");
						flush_map(iface, "sl_nat");
					}
					t1 = run(wrap_fd, &in, &rv) - t_wrap;
					t = t1 < t ? t1 : t;
				}
				core_sum(e, &after, acl1);
				if (k == 0)
					ok = after.flow_new - before.flow_new == (uint64_t)repeat * runs;
				else
					ok = after.flow_hits - before.flow_hits == (uint64_t)repeat * runs;
				ok = ok && after.tx_pkts - before.tx_pkts == (uint64_t)repeat * runs &&
				     after.dropped_pkts == before.dropped_pkts;
				/* every packet let in by the rule (1000 rules) or the
				 * default (none), and counted there */
				acl_n = acl1[a ? 0 : 1] - acl0[a ? 0 : 1];
				ok = ok && acl_n == (uint64_t)repeat * runs &&
				     acl1[a ? 1 : 0] == acl0[a ? 1 : 0];
				if (k == 0)
					snprintf(label, sizeof(label), "new flows (SYN)");
				else
					snprintf(label, sizeof(label), "established, %u flows", n_cases[k]);
				printf("%-8s %-5s %-22s %9.1f %8.2f   %s (%s %llu, tx %llu, drops %llu, "
				       "acl %s %llu)\n",
				       modes[m], a ? "1000" : "0", label, t, t / limit,
				       ok ? "ok" : "WRONG PATH", k == 0 ? "new" : "hits",
				       (unsigned long long)(k == 0 ? after.flow_new - before.flow_new
						     : after.flow_hits - before.flow_hits),
				       (unsigned long long)(after.tx_pkts - before.tx_pkts),
				       (unsigned long long)(after.dropped_pkts - before.dropped_pkts),
				       a ? "rule" : "default", (unsigned long long)acl_n);
				if (after.dropped_pkts != before.dropped_pkts) {
					uint32_t d;

					for (d = 0; d < SL_DROP_MAX; d++)
						if (after.drops[d] != before.drops[d])
							printf("%48s drop reason %u: %llu\n", "", d,
							       (unsigned long long)(after.drops[d] - before.drops[d]));
				}
				fflush(stdout);
			}
			repeat = save_repeat;
		}
	}
	sl_snapshot_free(prev);
	e->ops->destroy(e);
	bench_wrap__destroy(wrap);
	free(ids);
	return 0;
}

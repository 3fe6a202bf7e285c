/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_bench - packets per second and TSC cycles per packet of the DPDK
 * engine's worker, on one lcore, without a NIC. Not a test: it prints a
 * table.
 *
 *   build/perf/dpdk_bench [-1|-2] [SECONDS_PER_CASE [MODE [ACL_RULES]]]   (root, hugepages)
 *
 * MODE (nat, dsr, tunnel) and ACL_RULES (0, 1000) run only those rows, and
 * skip the monitoring rows at the end.
 *
 * One port made of two rings. By default (-1) one thread on one lcore
 * feeds it and runs the worker in turn: it rewrites the mbufs the worker
 * sent back to the case's packet (with the next flow's source address and
 * port) and queues them, RING_1 in flight (a NIC's receive ring of that
 * size), then runs one pass of the worker's loop (sl_dpdk_engine_poll),
 * which receives the oldest burst: the frames come from this core's
 * caches, as a NIC's come from the last-level cache, not from another
 * core's. With -2 the main lcore feeds and the worker lcore runs the
 * engine's loop: every mbuf and frame crosses between the two cores and
 * back, which on this VM costs more than the worker's work. The limits are
 * measured the same way with a worker that only receives and transmits.
 * Each case checks the engine's counters: the intended path ran (new
 * flows or hits, sent, no drops), or the row says WRONG PATH.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "config.h"
#include "engine.h"
#include "engine_dpdk.h"
#include "pktbuild.h"
#include "sinks.h"

#define BURST 32
#define RING 4096
#define POOL 8191
#define BACKENDS 64
#define BIG_FLOWS 1000000
#define NAT_NEW_MAX 1200000 /* nat new flows a case: 29% of the source ports */
#define RING_1 1024 /* -1: mbufs queued ahead of the worker */

static const char *const drop_label[] = {
#define X(name, label) label,
	SL_DROP_REASONS(X)
#undef X
};

static struct rte_ring *rin, *rout;
static struct rte_mempool *mp;
static uint16_t port;
static uint8_t tmpl[256];
static size_t tmpl_len;
static size_t src_off, sport_off;
static volatile int plain_stop;

/* -1: the engine's worker, or the limits' loop, as a pass the feeder runs
 * between its bursts; the limits' cycles and packets */
static int one_lcore;
static struct sl_engine *polled;
static int plain_swap = -1; /* -1: run the engine; 0, 1: the limits */
static uint64_t plain_cycles, plain_pkts;

static pid_t worker_tid; /* the thread of lcore 1, which later runs the engine's worker */

/* Nanoseconds the worker's thread has run on a CPU (not waiting for one). */
static uint64_t
worker_run_ns(void)
{
	char path[64];
	unsigned long long run = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)worker_tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &run) != 1)
		run = 0;
	fclose(f);
	return run;
}

/*
 * The limits: receive a burst, send it back, and (arg non-NULL) in between
 * swap each frame's Ethernet addresses, as testpmd's macswap forwarding
 * does. The first passes mbuf pointers only; the second also brings each
 * mbuf and its frame's first line over from the feeder's core and back,
 * which any forwarder must: what that costs moves most with the host.
 */
static inline uint16_t
plain_pass(int swap)
{
	struct rte_mbuf *b[BURST];
	uint16_t n = rte_eth_rx_burst(port, 0, b, BURST), s, k;

	if (!n)
		return 0;
	if (swap) {
		for (k = 0; k < n; k++)
			rte_prefetch0(rte_pktmbuf_mtod(b[k], void *));
		for (k = 0; k < n; k++) {
			uint8_t *d = rte_pktmbuf_mtod(b[k], uint8_t *), t[6];

			memcpy(t, d, 6);
			memcpy(d, d + 6, 6);
			memcpy(d + 6, t, 6);
		}
	}
	s = rte_eth_tx_burst(port, 0, b, n);
	if (s < n)
		rte_pktmbuf_free_bulk(b + s, n - s);
	return n;
}

static int
plain_worker(void *arg)
{
	worker_tid = (pid_t)syscall(SYS_gettid);
	while (!plain_stop)
		plain_pass(arg != NULL);
	return 0;
}

/* -1: one pass of the worker (the engine's, or the limits', timed as the
 * engine times its bursts: from the receive call to the transmit's end) */
static inline void
worker_step(void)
{
	if (plain_swap < 0) {
		sl_dpdk_engine_poll(polled);
	} else {
		uint64_t t0 = rte_rdtsc();
		uint16_t n = plain_pass(plain_swap);

		if (n) {
			plain_cycles += rte_rdtsc() - t0;
			plain_pkts += n;
		}
	}
}

/* Restore an mbuf to the case's packet for flow `flow`. */
static inline void
refill(struct rte_mbuf *m, uint32_t flow)
{
	uint8_t *d;
	uint16_t sp = htons((uint16_t)(1024 + flow % 60000));
	uint16_t host = htons((uint16_t)(flow / 60000));

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = (uint16_t)tmpl_len;
	m->pkt_len = (uint32_t)tmpl_len;
	m->nb_segs = 1;
	m->next = NULL;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(d, tmpl, tmpl_len);
	memcpy(d + sport_off, &sp, 2);
	memcpy(d + src_off + 2, &host, 2);
}

/* Feed for `seconds`; flows cycle over n_flows (0: a new flow each). */
static uint64_t max_pkts; /* stop a case early after this many (0: no limit) */

static double
feed(double seconds, uint32_t n_flows, uint64_t (*processed)(void *), void *arg, uint64_t *pkts)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_rdtsc(), end = t0 + (uint64_t)(seconds * hz);
	uint64_t c0 = processed(arg), flow = 0, check = 0, sent = 0;
	struct rte_mbuf *b[BURST];
	unsigned int i, n;

	/* prime the ring */
	while (rte_ring_count(rin) < (one_lcore ? RING_1 : RING / 2)) {
		if (rte_pktmbuf_alloc_bulk(mp, b, BURST))
			break;
		for (i = 0; i < BURST; i++)
			refill(b[i], (uint32_t)(n_flows ? flow++ % n_flows : flow++));
		rte_ring_enqueue_burst(rin, (void **)b, BURST, NULL);
	}
	while (rte_rdtsc() < end) {
		/* (bursts of any size: every 1024 flows or so) */
		if (max_pkts && flow >= check) {
			/* -1: what the worker sent, not its counters, which
			 * stats() would bring through this core's caches */
			if ((one_lcore ? sent : processed(arg) - c0) >= max_pkts)
				break;
			check = flow + 1024;
		}
		if (one_lcore)
			worker_step();
		n = rte_ring_dequeue_burst(rout, (void **)b, BURST, NULL);
		sent += n;
		if (!n) {
			if (rte_ring_count(rin) < (one_lcore ? RING_1 - BURST : RING / 4) &&
			    !rte_pktmbuf_alloc_bulk(mp, b, BURST))
				n = BURST;
			else
				continue;
		}
		for (i = 0; i < n; i++)
			refill(b[i], (uint32_t)(n_flows ? flow++ % n_flows : flow++));
		i = rte_ring_enqueue_burst(rin, (void **)b, n, NULL);
		if (i < n)
			rte_pktmbuf_free_bulk(b + i, n - i);
	}
	*pkts = processed(arg) - c0;
	t0 = rte_rdtsc() - t0;
	if (one_lcore) {
		/* what is left queued is this case's: the next starts afresh */
		while ((n = rte_ring_dequeue_burst(rin, (void **)b, BURST, NULL)))
			rte_pktmbuf_free_bulk(b, n);
		while ((n = rte_ring_dequeue_burst(rout, (void **)b, BURST, NULL)))
			rte_pktmbuf_free_bulk(b, n);
	}
	return (double)t0 / (double)hz;
}

static uint64_t
plain_count(void *arg)
{
	(void)arg;
	return plain_pkts;
}

static uint64_t
ring_out_count(void *arg)
{
	struct rte_eth_stats st;

	(void)arg;
	rte_eth_stats_get(port, &st);
	return st.opackets;
}

static struct sl_stats stats;

/* A control plane busy with sinks while the worker forwards: a graphite
 * sink that never reads (every send waits out its timeout) and an HTTP
 * sink with nothing listening, each handed a 1 MB payload every 50 ms
 * (gzip on for the HTTP one). The sinks' thread and this one run on the
 * main lcore, as sluiced's control plane does. */
static volatile int pusher_stop;

static void *
pusher(void *arg)
{
	struct sl_sinks *sk = arg;
	struct sbuf b = {0};
	int i;

	for (i = 0; b.len < 1000000; i++)
		sb_printf(&b, "sluice_backend_packets_total{service=\"s\",backend=\"127.0.%d.%d:80\"} %d\n",
			  i / 250, i % 250, i * 7);
	while (!pusher_stop) {
		sl_sinks_push(sk, "slow", b.s, b.len);
		sl_sinks_push(sk, "dead", b.s, b.len);
		usleep(50000);
	}
	sb_free(&b);
	return NULL;
}

static uint64_t
engine_rx(void *arg)
{
	struct sl_engine *e = arg;

	e->ops->stats(e, &stats);
	return stats.core[0].rx_pkts;
}

static void
drain(void)
{
	struct rte_mbuf *b[BURST];
	unsigned int n;

	rte_delay_ms(50);
	while ((n = rte_ring_dequeue_burst(rin, (void **)b, BURST, NULL)))
		rte_pktmbuf_free_bulk(b, n);
	rte_delay_ms(20);
	while ((n = rte_ring_dequeue_burst(rout, (void **)b, BURST, NULL)))
		rte_pktmbuf_free_bulk(b, n);
}

static void
apply(struct sl_engine *e, struct sl_ids *ids, struct sl_snapshot **prev, const char *mode,
      int acl, uint32_t gen, int short_timeouts)
{
	struct sl_config c;
	char line[256], err[256];
	struct sl_snapshot *s;
	uint32_t i;

	sl_config_init(&c);
#define EXEC(...) do { snprintf(line, sizeof(line), __VA_ARGS__); \
	if (sl_config_exec(&c, line, strlen(line), err, sizeof(err))) { \
		fprintf(stderr, "dpdk_bench: %s: %s\n", line, err); exit(1); } } while (0)
	/* 1M flows in a table a quarter full (the same in every mode) */
	EXEC("set flows size 4194304");
	if (short_timeouts) {
		EXEC("set timeout tcp 1s");
		EXEC("set timeout tcp-fin 1s");
		EXEC("set timeout udp 1s");
		EXEC("set timeout other 1s");
	}
	/* nat: a source address of its own per configuration, so that the
	 * reply keys of earlier cases hold none of this one's ports */
	if (!strcmp(mode, "nat"))
		EXEC("add service www 198.51.100.10:80 proto tcp sched rr mode nat snat 10.221.%u.1",
		     gen % 250);
	else
		EXEC("add service www 198.51.100.10:80 proto tcp sched rr mode %s", mode);
	/* nat: one source address gives each backend 64512 ports; 64
	 * backends give 1M flows room to spare (the same in every mode) */
	for (i = 0; i < BACKENDS; i++)
		EXEC("add backend www 10.220.%u.%u:80", 1 + i / 200, 11 + i % 200);
	if (acl) {
		for (i = 1; i < (uint32_t)acl; i++)
			EXEC("add acl %u deny proto tcp src 172.%u.%u.%u/32 dport %u", i, 16 + i % 16,
			     (i / 16) % 256, i % 256, 1 + i % 1000);
		EXEC("add acl %d allow proto tcp dst 198.51.100.10/32 dport 80", acl);
		EXEC("set acl default deny");
	}
	s = sl_snapshot_build(&c, *prev, ids, gen, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "dpdk_bench: %s\n", err);
		exit(1);
	}
	for (i = 0; i < s->max_backend_id; i++)
		memcpy(s->backends[i].mac, "\x02\xbe\x00\x00\x00\x11", 6);
	if (e->ops->apply(e, s, err, sizeof(err))) {
		fprintf(stderr, "dpdk_bench: apply: %s\n", err);
		exit(1);
	}
	for (i = 0; i < s->n_svc; i++)
		s->svc[i].name = "";
	sl_snapshot_free(*prev);
	*prev = s;
	sl_config_free(&c);
}

/* Empty the worker's flow table (short timeouts until the expiry sweep
 * has removed every flow), so that an established-flows case has its
 * flows alone in the table, as a sluice serving that many does: 1M flows
 * in a table a quarter full, 1000 in one whose lines the caches keep.
 * Returns the flows left (0 unless it took more than 10 s). */
static uint64_t
empty_flows(struct sl_engine *e, struct sl_ids *ids, struct sl_snapshot **prev, const char *mode,
	    uint32_t gen)
{
	int i;

	apply(e, ids, prev, mode, 0, gen, 1);
	for (i = 0; i < 1000; i++) {
		uint64_t t = rte_rdtsc() + rte_get_tsc_hz() / 100;

		e->ops->stats(e, &stats);
		if (!stats.core[0].flows_active)
			break;
		if (!one_lcore)
			usleep(10000);
		while (one_lcore && rte_rdtsc() < t)
			sl_dpdk_engine_poll(e); /* its expiry sweep */
	}
	return stats.core[0].flows_active;
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = {"nat", "dsr", "tunnel"};
	char *eal[] = {argv[0], "--no-pci", "--in-memory", "-l", "0,1", "--log-level",
		       "lib.eal:warning", NULL};
	int one = 1;
	char *opts[] = {"--local-ip", "10.220.0.1", NULL};
	struct sl_engine_args a = {.argc = 2, .argv = opts};
	struct pkt_spec spec = {.family = 4, .src = "10.100.0.1", .dst = "198.51.100.10",
				.proto = 6, .sport = 1024, .dport = 80, .tcp_flags = 0x10};
	double seconds, t, limit_mpps[2], limit_cpp[2];
	uint64_t run0;
	struct sl_snapshot *prev = NULL;
	struct sl_ids *ids = calloc(1, sizeof(*ids));
	struct pkt_layout lay;
	struct sl_engine *e;
	uint64_t pkts, hz;
	char err[256];
	uint32_t gen = 1;
	int m, acl, k, rc;

	for (k = 1; k < argc; k++)
		if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help"))
			break;
	if (k < argc) {
		printf("usage: dpdk_bench [-1|-2] [SECONDS_PER_CASE [MODE [ACL_RULES]]]\n"
		       "  -1                 one lcore (CPU 1) feeds the port and runs the worker\n"
		       "                     in turn (the default)\n"
		       "  -2                 the worker on lcore 1, fed from lcore 0: every frame\n"
		       "                     crosses between the two cores and back\n"
		       "  SECONDS_PER_CASE   0 < s <= 30, default 1\n"
		       "  MODE               nat, dsr or tunnel: only its rows\n"
		       "  ACL_RULES          0 or 1000: only those rows\n"
		       "The option, if any, comes first. Root, 2 MB hugepages (deploy/install-deps.sh)\n"
		       "and two CPUs. See perf/README.md.\n");
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "-1") || !strcmp(argv[1], "-2"))) {
		one = argv[1][1] == '1';
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	one_lcore = one;
	if (one)
		eal[4] = (char *)"1";
	seconds = argc > 1 ? atof(argv[1]) : 1.0;
	if (seconds <= 0 || seconds > 30)
		seconds = 1;
	if (rte_eal_init(7, eal) < 0) {
		fprintf(stderr, "dpdk_bench: EAL failed (root? hugepages? deploy/install-deps.sh)\n");
		return 1;
	}
	hz = rte_get_tsc_hz();
	rin = rte_ring_create("bench_in", RING, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	/* room for every mbuf of the pool: the worker's transmit never fails
	 * when the feeder falls behind (that would count as the engine's drop) */
	rout = rte_ring_create("bench_out", 4 * RING, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	mp = rte_pktmbuf_pool_create("bench_pool", POOL, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rc = rin && rout && mp ? rte_eth_from_rings("bench_ring", &rin, 1, &rout, 1, 0) : -1;
	if (rc < 0 || !ids) {
		fprintf(stderr, "dpdk_bench: cannot make the ring port\n");
		return 1;
	}
	port = (uint16_t)rc;
	tmpl_len = pkt_build(&spec, tmpl, sizeof(tmpl), &lay);
	src_off = lay.l3 + 12;
	sport_off = lay.l4;

	/* the limits: the same port, receive and transmit only, then with the
	 * frames' addresses swapped */
	{
		struct rte_eth_conf conf = {0};

		rte_eth_dev_configure(port, 1, 1, &conf);
		rte_eth_rx_queue_setup(port, 0, 512, 0, NULL, mp);
		rte_eth_tx_queue_setup(port, 0, 512, 0, NULL);
		rte_eth_dev_start(port);
		for (k = 0; k < 2 && one; k++) {
			plain_swap = k;
			plain_cycles = plain_pkts = 0;
			t = feed(seconds, 1000, plain_count, NULL, &pkts);
			limit_cpp[k] = plain_pkts ? (double)plain_cycles / (double)plain_pkts : 0;
			limit_mpps[k] = limit_cpp[k] > 0 ? (double)hz / limit_cpp[k] / 1e6 : 0;
			plain_swap = -1;
		}
		for (k = 0; k < 2 && !one; k++) {
			plain_stop = 0;
			worker_tid = 0;
			rte_eal_remote_launch(plain_worker, k ? (void *)1 : NULL, 1);
			while (!__atomic_load_n(&worker_tid, __ATOMIC_ACQUIRE))
				rte_pause();
			run0 = worker_run_ns();
			t = feed(seconds, 1000, ring_out_count, NULL, &pkts);
			limit_cpp[k] = (double)(worker_run_ns() - run0) * (double)hz / 1e9 / (double)pkts;
			limit_mpps[k] = (double)pkts / t / 1e6;
			plain_stop = 1;
			rte_eal_wait_lcore(1);
		}
		rte_eth_dev_stop(port);
		drain();
	}
	printf("dpdk_bench: %.1f s a case, one worker lcore, TSC %.2f GHz, %s\n\n", seconds,
	       hz / 1e9, one ? "fed on the same lcore (-1)" : "fed from another lcore");
	if (one)
		printf("cycles/pkt: the worker's own, per packet: its TSC from each receive call to\n"
		       "the end of its transmit (busy_cycles). Mpps: the worker's rate at that cost\n"
		       "(TSC / cycles), what it forwards when the feeding is not its work. The\n"
		       "frames were written by this core %d packets before it receives them. An\n"
		       "upper bound: a pass's own costs (RCU, clock, expiry sweep) are not counted.\n",
		       RING_1 - BURST);
	else
		printf("cycles/pkt: the worker's own, per packet: the smaller of its TSC on received\n"
		       "bursts (busy_cycles, which counts time it was preempted in a burst) and its\n"
		       "time on a CPU (schedstat, which counts its empty polls). Mpps also depends on\n"
		       "the feeder, which shares the other core with the rest of the machine.\n");
	printf("x limit: the limit's Mpps over the case's. over swap: the case's cycles less\n"
	       "macswap's, what sluice adds to a forwarder that touches each frame.\n\n");
	printf("%-8s %-5s %-24s %8s %10s %8s %9s   %s\n", "mode", "acl", "case", "Mpps",
	       "cycles/pkt", "x limit", "over swap", "path check");
	printf("%-8s %-5s %-24s %8.2f %10.0f %8.2f %9s   rx -> tx only (%s; TSC/rate %.0f)\n",
	       "-", "-", "receive, transmit", limit_mpps[0], limit_cpp[0], 1.0, "-",
	       one ? "busy TSC" : "on-CPU", (double)hz / (limit_mpps[0] * 1e6));
	printf("%-8s %-5s %-24s %8.2f %10.0f %8.2f %9.0f   rx -> swap MACs -> tx (testpmd's "
	       "macswap)\n",
	       "-", "-", "receive, swap, transmit", limit_mpps[1], limit_cpp[1],
	       limit_mpps[0] / limit_mpps[1], 0.0);

	e = one ? sl_dpdk_engine_create_polled(&a, err, sizeof(err))
		: sl_dpdk_engine_create_on_eal(&a, err, sizeof(err));
	polled = e;
	if (!e) {
		fprintf(stderr, "dpdk_bench: engine: %s\n", err);
		return 1;
	}
	for (m = 0; m < 3; m++) {
		for (acl = 0; acl <= 1000; acl += 1000) {
			/* established flows first, in a table emptied before:
			 * new flows (SYN) last, since they fill it */
			uint32_t flows[] = {BIG_FLOWS, 1000, 0};

			if ((argc > 2 && strcmp(argv[2], modes[m])) || (argc > 3 && atoi(argv[3]) != acl))
				continue;

			max_pkts = 0;
			for (k = 0; k < 3; k++) {
				struct sl_core_counters b, a2;
				char label[40], why[160], oncpu_s[40];
				double mpps, cpp, busy, oncpu;
				uint64_t run1;
				int ok, r, len = 0;

				/* established flows: in a table that holds them alone */
				if (flows[k]) {
					if (empty_flows(e, ids, &prev, modes[m], gen++))
						printf("(the flow table did not empty: %llu flows left)\n",
						       (unsigned long long)stats.core[0].flows_active);
					apply(e, ids, &prev, modes[m], acl, gen++, 0);
				}
				/* fresh clients per case so "new" is new */
				tmpl[src_off + 1] = (uint8_t)(100 + m * 2 + acl / 1000 + (flows[k] ? 0 : 50));
				tmpl[sport_off + 13] = !flows[k] ? 0x02 : 0x10;
				max_pkts = 0;
				if (flows[k] == BIG_FLOWS) {
					/* make the big flow set first: every flow once */
					max_pkts = flows[k];
					feed(20, flows[k], engine_rx, e, &pkts);
					max_pkts = 0;
				}
				/* nat's new flows: one source address and BACKENDS
				 * backends give BACKENDS x 64512 source ports, which
				 * 16 tries a flow find free while less than about a
				 * third are taken; past that, refused flows
				 * (nat_no_free_port) would be the port space's
				 * limit, not the engine's */
				if (!flows[k] && !strcmp(modes[m], "nat"))
					max_pkts = NAT_NEW_MAX;
				engine_rx(e);
				b = stats.core[0];
				run0 = worker_run_ns();
				t = feed(seconds, flows[k], engine_rx, e, &pkts);
				run1 = worker_run_ns();
				a2 = stats.core[0];
				/* two upper bounds of the worker's cost: its TSC on bursts
				 * (counts time it was preempted in one), its time on a CPU
				 * (counts its empty polls); the smaller one is reported */
				busy = pkts ? (double)(a2.busy_cycles - b.busy_cycles) / (double)pkts : 0;
				oncpu = pkts ? (double)(run1 - run0) * (double)hz / 1e9 / (double)pkts : 0;
				cpp = run1 > run0 && oncpu < busy ? oncpu : busy;
				mpps = one ? (cpp > 0 ? (double)hz / cpp / 1e6 : 0) : (double)pkts / t / 1e6;
				ok = pkts && a2.dropped_pkts == b.dropped_pkts &&
				     /* (the first packets may be the previous case's, left in the rings) */
				     (!flows[k] ? a2.flow_new - b.flow_new >= pkts * 99 / 100
					     : a2.flow_hits - b.flow_hits >= pkts * 99 / 100);
				why[0] = 0;
				for (r = 0; r < SL_DROP_MAX && len < (int)sizeof(why) - 40; r++)
					if (a2.drops[r] != b.drops[r])
						len += snprintf(why + len, sizeof(why) - (size_t)len,
								", %s %llu", drop_label[r],
								(unsigned long long)(a2.drops[r] - b.drops[r]));
				if (!flows[k])
					snprintf(label, sizeof(label), "new flows (SYN)");
				else
					snprintf(label, sizeof(label), "established, %u flows", flows[k]);
				if (one)
					snprintf(oncpu_s, sizeof(oncpu_s), "fed %.2f Mpps", (double)pkts / t / 1e6);
				else
					snprintf(oncpu_s, sizeof(oncpu_s), "on-CPU %.0f", oncpu);
				printf("%-8s %-5d %-24s %8.2f %10.0f %8.2f %9.0f   %s (busy %.0f, %s; new %llu, "
				       "hits %llu, evicted %llu, drops %llu%s)\n", modes[m],
				       acl, label, mpps, cpp, mpps > 0 ? limit_mpps[0] / mpps : 0,
				       cpp - limit_cpp[1],
				       ok ? "ok" : "WRONG PATH", busy, oncpu_s,
				       (unsigned long long)(a2.flow_new - b.flow_new),
				       (unsigned long long)(a2.flow_hits - b.flow_hits),
				       (unsigned long long)(a2.flow_evicted - b.flow_evicted),
				       (unsigned long long)(a2.dropped_pkts - b.dropped_pkts), why);
				fflush(stdout);
			}
		}
	}
	/* the same case with the control plane busy with sinks (on another
	 * lcore than the worker's: not with -1) */
	if (argc <= 2 && !one) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
		socklen_t sl = sizeof(sa);
		int lfd = socket(AF_INET, SOCK_STREAM, 0);
		struct sl_config c;
		struct sl_sinks *sk;
		pthread_t th;
		char line[128], e2[128];
		double base, busy, cpp_base, cpp_busy;
		uint64_t busy0;

		bind(lfd, (struct sockaddr *)&sa, sizeof(sa));
		listen(lfd, 4); /* never accepted, never read */
		getsockname(lfd, (struct sockaddr *)&sa, &sl);
		/* the slowest worker path (1000 rules), so that the feeder, which
		 * shares the main lcore with the sinks, stays ahead of the worker */
		apply(e, ids, &prev, "nat", 1000, gen++, 0);
		tmpl[src_off + 1] = 200;
		tmpl[sport_off + 13] = 0x10;
		feed(seconds, 1000, engine_rx, e, &pkts); /* the flows exist */
		busy0 = stats.core[0].busy_cycles;
		t = feed(seconds, 1000, engine_rx, e, &pkts);
		base = (double)pkts / t / 1e6;
		/* the worker's own cycles per packet: not lowered by a feeder
		 * that falls behind, unlike packets per second */
		cpp_base = (double)(stats.core[0].busy_cycles - busy0) / (double)pkts;
		sk = sl_sinks_new("bench");
		sl_config_init(&c);
		snprintf(line, sizeof(line), "add sink slow graphite 127.0.0.1:%u interval 1s",
			 ntohs(sa.sin_port));
		sl_config_exec(&c, line, strlen(line), e2, sizeof(e2));
		snprintf(line, sizeof(line), "add sink dead http http://127.0.0.1:9/x gzip on interval 1s");
		sl_config_exec(&c, line, strlen(line), e2, sizeof(e2));
		sl_sinks_sync(sk, &c);
		pthread_create(&th, NULL, pusher, sk);
		busy0 = stats.core[0].busy_cycles;
		t = feed(seconds, 1000, engine_rx, e, &pkts);
		busy = (double)pkts / t / 1e6;
		cpp_busy = (double)(stats.core[0].busy_cycles - busy0) / (double)pkts;
		pusher_stop = 1;
		pthread_join(th, NULL);
		{
			struct sl_sink_status st[2];
			int n = sl_sinks_status(sk, st, 2), j;

			printf("\nthe worker's own cycles per packet (busy TSC / packets), then the rate:\n");
			printf("%-8s %-5s %-24s %8.0f cycles/pkt %6.2f Mpps   without sinks\n", "nat",
			       "1000", "established, 1000 flows", cpp_base, base);
			printf("%-8s %-5s %-24s %8.0f cycles/pkt %6.2f Mpps   with a slow and a dead sink "
			       "pushed 1 MB every 50 ms: %.2fx the cycles\n", "nat", "1000",
			       "established, 1000 flows", cpp_busy, busy, cpp_busy / cpp_base);
			for (j = 0; j < n; j++)
				printf("   sink %-5s sent %llu, failed %llu, dropped %llu, backlog %u (%s)\n",
				       st[j].name, (unsigned long long)st[j].sent,
				       (unsigned long long)st[j].failed, (unsigned long long)st[j].dropped,
				       st[j].backlog, st[j].last_error);
		}
		sl_sinks_free(sk);
		sl_config_free(&c);
		close(lfd);
	}
	if (argc <= 2 && one)
		printf("\n(the rows with the control plane busy with sinks run with -2: the sinks\n"
		       "share the main lcore, which -1 gives the worker)\n");
	drain();
	e->ops->destroy(e);
	sl_snapshot_free(prev);
	free(ids);
	return 0;
}

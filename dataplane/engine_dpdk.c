/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_dpdk.c - the DPDK engine: EAL, ports and workers up and down,
 * snapshots published by pointer swap and freed after an RCU grace period,
 * counters summed and flows listed without stopping the workers.
 *
 * With several workers, the reply of a nat flow that RSS delivers to
 * another worker's queue is handed to the worker owning the flow, which
 * its NAT source port names (handoff.h, handoff.c).
 *
 * Not yet (each refused with a reason or counted, never silent): ARP/ND
 * answered by the engine (backend MACs come from the snapshot, which the
 * daemon fills from the kernel's tables, or --gw-mac, else apply refuses;
 * replies to clients go to --gw-mac); the flow table's size changing at
 * run time (refused: restart).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>

#include "dp.h"
#include "engine_dpdk.h"
#include "handoff.h"
#include "sbuf.h"

static struct dp_engine *
eng(struct sl_engine *e)
{
	return e->priv;
}

/* ---- engine options (after a second "--") ------------------------------------ */

static int
opts_parse(struct dp_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--gw-mac")) {
			struct rte_ether_addr mac;

			if (!v || rte_ether_unformat_addr(v, &mac) < 0)
				return sl_err(err, errlen, "dpdk engine: --gw-mac takes a MAC like 02:00:00:00:00:01");
			memcpy(o->gw_mac, mac.addr_bytes, 6);
			o->have_gw_mac = 1;
			i++;
		} else if (!strcmp(a, "--local-ip")) {
			struct sl_addr x;

			memset(&x, 0, sizeof(x));
			if (v && inet_pton(AF_INET, v, &x.w[0]) == 1) {
				o->local4 = x;
				o->have_local4 = 1;
			} else if (v && inet_pton(AF_INET6, v, x.b) == 1) {
				o->local6 = x;
				o->have_local6 = 1;
			} else {
				return sl_err(err, errlen, "dpdk engine: --local-ip takes an IPv4 or IPv6 address");
			}
			i++;
		} else {
			return sl_err(err, errlen, "dpdk engine: unknown option '%s' after the second '--' "
				    "(engine options: --gw-mac MAC, --local-ip ADDR)", a);
		}
	}
	return 0;
}

/* ---- workers ------------------------------------------------------------------- */

static void
workers_stop(struct dp_engine *e)
{
	if (!e->launched)
		return;
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	e->launched = 0;
}

static void
engine_free(struct dp_engine *e)
{
	uint16_t i;

	workers_stop(e);
	dp_handoff_free(e); /* its rings hold mbufs of the ports' pool */
	dp_ports_close(e);
	dp_snap_free(e->snap);
	e->snap = NULL;
	for (i = 0; i < e->n_workers; i++) {
		if (e->w[i]) {
			rte_free(e->w[i]->ft);
			rte_free(e->w[i]->rt);
		}
		rte_free(e->w[i]);
		e->w[i] = NULL;
	}
	rte_free(e->qsv);
	e->qsv = NULL;
	if (e->eal_owned)
		rte_eal_cleanup();
	free(e);
}

static int
workers_setup(struct dp_engine *e, char *err, size_t errlen)
{
	unsigned int lc;
	size_t sz;

	e->n_workers = 0;
	if (e->polled && rte_lcore_id() == LCORE_ID_ANY)
		return sl_err(err, errlen, "a polled dpdk engine is made on an lcore's thread "
			    "(the main lcore's, or a worker's)");
	for (lc = e->polled ? rte_lcore_id() : rte_get_next_lcore(-1, 1, 0); lc < RTE_MAX_LCORE;
	     lc = e->polled ? RTE_MAX_LCORE : rte_get_next_lcore(lc, 1, 0)) {
		struct dp_worker *w;

		if (e->n_workers == SL_MAX_CORES)
			return sl_err(err, errlen, "more than %d worker lcores", SL_MAX_CORES);
		w = rte_zmalloc_socket("sl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lc));
		if (!w)
			return sl_err(err, errlen, "cannot allocate worker state in hugepage memory");
		w->eng = e;
		w->lcore_id = lc;
		w->idx = e->n_workers;
		e->w[e->n_workers++] = w;
	}
	if (e->n_workers == 0)
		return sl_err(err, errlen, "the dpdk engine needs a worker lcore besides the main one: "
			    "give two cores or more, e.g. -l 0,1");
	sz = rte_rcu_qsbr_get_memsize(e->n_workers);
	e->qsv = rte_zmalloc("sl_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!e->qsv || rte_rcu_qsbr_init(e->qsv, e->n_workers))
		return sl_err(err, errlen, "cannot set up RCU for %u workers", e->n_workers);
	return 0;
}

static int
workers_launch(struct dp_engine *e, char *err, size_t errlen)
{
	uint16_t i;

	for (i = 0; i < e->n_workers; i++)
		rte_rcu_qsbr_thread_register(e->qsv, i);
	if (e->polled)
		return 0;
	e->launched = 1;
	for (i = 0; i < e->n_workers; i++) {
		int rc = rte_eal_remote_launch(dp_worker_main, e->w[i], e->w[i]->lcore_id);

		if (rc)
			return sl_err(err, errlen, "cannot launch the worker on lcore %u: %s",
				    e->w[i]->lcore_id, rte_strerror(-rc));
	}
	return 0;
}

/* ---- engine ops ---------------------------------------------------------------- */

/* Each worker's flow table and nat reply table (a cell a flow slot). */
static int
flow_tables_alloc(struct dp_engine *e, uint32_t cap, char *err, size_t errlen)
{
	size_t sz = sl_ft_mem_size(cap), rsz = sl_rt_mem_size(sl_ft_slots(cap));
	uint16_t i;

	for (i = 0; i < e->n_workers; i++) {
		int sock = (int)rte_lcore_to_socket_id(e->w[i]->lcore_id);
		void *mem = rte_malloc_socket("sl_flows", sz, RTE_CACHE_LINE_SIZE, sock);
		void *rmem = rte_malloc_socket("sl_nat_replies", rsz, 128, sock);

		if (!mem || !rmem) {
			rte_free(mem);
			rte_free(rmem);
			while (i--) {
				rte_free(e->w[i]->ft);
				rte_free(e->w[i]->rt);
				e->w[i]->ft = NULL;
				e->w[i]->rt = NULL;
			}
			return sl_err(err, errlen, "dpdk engine: cannot allocate %u flows per core "
				    "(%zu MB each) in hugepage memory: reserve more hugepages or "
				    "lower flows-per-core", cap, (sz + rsz) >> 20);
		}
		e->w[i]->rt = sl_rt_init(rmem, sl_ft_slots(cap));
		e->w[i]->ft = sl_ft_init(mem, cap);
		e->w[i]->ft->gone = dp_worker_nat_gone;
		e->w[i]->ft->gone_ctx = e->w[i];
	}
	return 0;
}

static int
zero_mac(const uint8_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* What this slice cannot forward, refused with a reason rather than
 * dropped silently. */
static int
check_snapshot(const struct dp_engine *e, const struct sl_snapshot *s, char *err, size_t errlen)
{
	uint32_t i, k;

	for (i = 0; i < s->n_svc; i++) {
		const struct sl_snap_svc *v = &s->svc[i];

		if (v->svc.mode == SL_FWD_TLS)
			continue;
		for (k = 0; v->tbl && k < v->tbl->size; k++) {
			const struct sl_backend *b = &s->backends[v->tbl->slot[k]];

			/* with an exception port the kernel resolves it (meanwhile
			 * its packets are dropped as no_neighbour) */
			if (zero_mac(b->mac) && !e->opt.have_gw_mac && e->exc_port < 0)
				return sl_err(err, errlen, "dpdk engine: service '%s': no MAC for "
					    "its backends: give a net_tap exception port (last "
					    "--vdev=net_tap0,iface=NAME) so the kernel resolves "
					    "them, or '-- --gw-mac MAC' after the EAL arguments",
					    v->name);
			if ((v->svc.mode == SL_FWD_TUNNEL ||
			     (v->svc.mode == SL_FWD_NAT && !(v->svc.flags & SL_SVC_F_SNAT_SET))) &&
			    ((b->family == SL_AF_INET && !e->opt.have_local4) ||
			     (b->family == SL_AF_INET6 && !e->opt.have_local6)))
				return sl_err(err, errlen, "dpdk engine: service '%s' (%s) needs this "
					    "node's IPv%u address: give '-- --local-ip ADDR' after "
					    "the EAL arguments", v->name,
					    v->svc.mode == SL_FWD_NAT ? "nat" : "tunnel", b->family);
		}
	}
	return 0;
}

/* A counter index per rule priority, kept across snapshots. An index
 * freed by this change is not given out again by it (workers may still
 * count into it through the old snapshot); a new one starts from zero. */
static void
acl_counters(struct dp_engine *e, const struct sl_snapshot *s, uint16_t *ctr_of)
{
	uint8_t keep[SL_MAX_ACL_RULES] = {0}, freed[SL_MAX_ACL_RULES] = {0};
	uint32_t i, k;
	uint16_t w;

	for (i = 0; i < s->n_acl; i++) {
		for (k = 0; k < SL_MAX_ACL_RULES; k++)
			if (e->acl_ctr_prio[k] == s->acl[i].priority)
				break;
		ctr_of[i] = (uint16_t)k;
		if (k < SL_MAX_ACL_RULES)
			keep[k] = 1;
	}
	for (k = 0; k < SL_MAX_ACL_RULES; k++) {
		if (!keep[k] && e->acl_ctr_prio[k]) {
			e->acl_ctr_prio[k] = 0;
			freed[k] = 1;
		}
	}
	for (i = 0; i < s->n_acl; i++) {
		if (ctr_of[i] < SL_MAX_ACL_RULES)
			continue;
		for (k = 0; k < SL_MAX_ACL_RULES && (e->acl_ctr_prio[k] || freed[k]); k++)
			;
		if (k == SL_MAX_ACL_RULES)
			k = 0; /* cannot happen: more indexes than rules */
		e->acl_ctr_prio[k] = s->acl[i].priority;
		ctr_of[i] = (uint16_t)k;
		for (w = 0; w < e->n_workers; w++)
			memset(&e->w[w]->acl[k], 0, sizeof(e->w[w]->acl[k]));
	}
}

static int
dpdk_apply(struct sl_engine *se, const struct sl_snapshot *s, char *err, size_t errlen)
{
	struct dp_engine *e = eng(se);
	struct dp_snap *d, *old;
	uint32_t cap = s->g.flows_per_core;

	if (cap < SL_FLOWS_MIN || cap > SL_FLOWS_MAX)
		return sl_err(err, errlen, "dpdk engine: flows-per-core %u is outside %u..%u", cap,
			    SL_FLOWS_MIN, SL_FLOWS_MAX);
	if (e->w[0]->ft && e->w[0]->ft->capacity != sl_ft_slots(cap))
		return sl_err(err, errlen, "dpdk engine: flows-per-core cannot change while running "
			    "(it is %u): restart sluiced to change it", e->w[0]->ft->capacity);
	if (check_snapshot(e, s, err, errlen) < 0)
		return -1;
	{
		uint16_t *ctr = calloc(SL_MAX_ACL_RULES, sizeof(*ctr));

		if (!ctr || s->n_acl > SL_MAX_ACL_RULES) {
			free(ctr);
			return sl_err(err, errlen, "dpdk engine: out of memory");
		}
		acl_counters(e, s, ctr);
		d = dp_snap_build(s, &e->opt, e->snap, ctr, err, errlen);
		free(ctr);
	}
	if (!d)
		return -1;
	if (!e->w[0]->ft && flow_tables_alloc(e, cap, err, errlen) < 0) {
		dp_snap_free(d);
		return -1;
	}
	/* a firewall verdict kept in a flow entry holds under this snapshot
	 * only (struct sl_ft_entry): a new epoch for each, never 0 */
	if (++e->acl_epoch == 0)
		++e->acl_epoch;
	d->acl_epoch = e->acl_epoch;
	/* publish whole; the tables above are visible to whoever sees d */
	old = __atomic_exchange_n(&e->snap, d, __ATOMIC_ACQ_REL);
	/* wait until every worker has finished the iteration that might
	 * still read `old` */
	rte_rcu_qsbr_synchronize(e->qsv, RTE_QSBR_THRID_INVALID);
	dp_snap_free(old);
	return 0;
}

static int
dpdk_stats(struct sl_engine *se, struct sl_stats *out)
{
	struct dp_engine *e = eng(se);
	uint16_t i;
	uint32_t k;

	memset(out, 0, sizeof(*out));
	out->n_cores = e->n_workers;
	dp_ports_stats(e, out);
	for (i = 0; i < e->n_workers; i++) {
		const struct dp_worker *w = e->w[i];

		/* aligned 64-bit loads: each counter is read whole, the block
		 * is not a snapshot in time (nor need it be) */
		out->core[i] = w->core;
		for (k = 0; k < SL_MAX_SERVICES; k++) {
			out->svc[k].pkts += w->svc[k].pkts;
			out->svc[k].bytes += w->svc[k].bytes;
			out->svc[k].new_flows += w->svc[k].new_flows;
			out->svc[k].no_backend += w->svc[k].no_backend;
		}
		for (k = 0; k < SL_MAX_BACKENDS; k++) {
			out->backend[k].pkts += w->be[k].pkts;
			out->backend[k].bytes += w->be[k].bytes;
			out->backend[k].new_flows += w->be[k].new_flows;
		}
	}
	/* ACL counters by the active snapshot's positions (this thread is the
	 * only one that replaces e->snap) */
	if (e->snap) {
		const struct dp_snap *d = e->snap;

		for (k = 0; k <= d->n_acl && k <= SL_MAX_ACL_RULES; k++) {
			uint16_t ctr = k < d->n_acl ? d->acl_ctr[k] : DP_ACL_CTR_DEFAULT;
			struct sl_acl_counters *o = k < d->n_acl ? &out->acl[k] : &out->acl_default;

			for (i = 0; i < e->n_workers; i++) {
				o->pkts += e->w[i]->acl[ctr].pkts;
				o->bytes += e->w[i]->acl[ctr].bytes;
			}
		}
	}
	return 0;
}

#define FLOWS_CHUNK 64

static int
dpdk_flows(struct sl_engine *se, int svc_id, struct sl_flow_info *out, size_t max)
{
	struct dp_engine *e = eng(se);
	struct sl_ft_block *buf = malloc(FLOWS_CHUNK / SL_FT_WAYS * sizeof(*buf));
	uint64_t now = dp_now_ns(e);
	size_t n = 0;
	uint16_t i;

	if (!buf)
		return -1;
	for (i = 0; i < e->n_workers && n < max; i++) {
		const struct sl_ft *ft = e->w[i]->ft;
		uint32_t base;

		if (!ft)
			continue;
		/* The pool never moves or shrinks while the engine runs, so a
		 * read never faults. Each chunk is copied under the table's
		 * sequence counter and retried a few times if the worker wrote
		 * meanwhile; a busy worker may still hand a torn entry, which the
		 * checks below keep out of range (a listing, not an oracle). */
		for (base = 0; base < ft->capacity && n < max; base += FLOWS_CHUNK) {
			uint32_t cnt = RTE_MIN((uint32_t)FLOWS_CHUNK, ft->capacity - base), k;
			int tries;

			for (tries = 0; tries < 4; tries++) {
				uint32_t s0 = __atomic_load_n(&ft->seq, __ATOMIC_ACQUIRE), s1;

				now = dp_now_ns(e);
				/* the chunk's blocks: entries and their stamps (base
				 * and cnt are multiples of SL_FT_WAYS) */
				memcpy(buf, &ft->blk[base / SL_FT_WAYS], cnt / SL_FT_WAYS * sizeof(*buf));
				__atomic_thread_fence(__ATOMIC_ACQUIRE);
				s1 = __atomic_load_n(&ft->seq, __ATOMIC_RELAXED);
				if (s0 == s1 && !(s0 & 1))
					break;
				rte_pause();
			}
			for (k = 0; k < cnt && n < max; k++) {
				const struct sl_ft_entry *x = &buf[k / SL_FT_WAYS].e[k % SL_FT_WAYS];
				struct sl_flow_info *f;

				if (!x->used || (x->key.family != SL_AF_INET && x->key.family != SL_AF_INET6) ||
				    x->flow.svc_id >= SL_MAX_SERVICES ||
				    x->flow.backend_id >= SL_MAX_BACKENDS)
					continue;
				if (svc_id >= 0 && x->flow.svc_id != (uint32_t)svc_id)
					continue;
				f = &out[n++];
				memset(f, 0, sizeof(*f));
				f->key = x->key;
				f->svc_id = x->flow.svc_id;
				f->backend_id = x->flow.backend_id;
				f->core = i;
				f->flags = x->flow.flags;
				/* a stamp the worker wrote after `now` was read is
				 * "just now", not 2^32 units ago */
				{
					uint32_t st = buf[k / SL_FT_WAYS].b.stamp[k % SL_FT_WAYS];
					int32_t ago = (int32_t)(sl_ft_stamp(now) - st);

					f->idle_ms = ago <= 0 ? 0 : (uint32_t)RTE_MIN(
						sl_ft_idle_of_stamp(st, now) / 1000000u,
						(uint64_t)UINT32_MAX);
				}
			}
		}
	}
	free(buf);
	return (int)n;
}

/* ---- DPDK telemetry (dpdk-telemetry.py) ---------------------------------------- */

/* Telemetry callbacks take no argument: the one engine of the process. */
static struct dp_engine *tel_engine;

static const char *const tel_drop_labels[] = {
#define X(n, l) l,
	SL_DROP_REASONS(X)
#undef X
};

/* /sluice/stats: the per-core counters summed over workers (racy reads of
 * 64-bit counters, as stats() makes). */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_engine *e = __atomic_load_n(&tel_engine, __ATOMIC_ACQUIRE);
	struct sl_core_counters sum;
	char key[RTE_TEL_MAX_STRING_LEN];
	uint16_t i;
	int r;

	(void)cmd, (void)params;
	if (!e)
		return -1;
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < e->n_workers; i++) {
		const struct sl_core_counters *c = &e->w[i]->core;

#define ADD(f) sum.f += c->f;
		ADD(rx_pkts) ADD(rx_bytes) ADD(tx_pkts) ADD(tx_bytes) ADD(to_host_pkts)
		ADD(dropped_pkts) ADD(flow_hits) ADD(flow_misses) ADD(flow_new) ADD(flow_expired)
		ADD(flow_evicted) ADD(flow_rescheduled) ADD(flows_active) ADD(handoff_pkts)
#undef ADD
		for (r = 0; r < SL_DROP_MAX; r++)
			sum.drops[r] += c->drops[r];
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", e->n_workers);
	rte_tel_data_add_dict_u64(d, "generation", e->snap ? e->snap->gen : 0);
#define PUT(f) rte_tel_data_add_dict_u64(d, #f, sum.f);
	PUT(rx_pkts) PUT(rx_bytes) PUT(tx_pkts) PUT(tx_bytes) PUT(to_host_pkts) PUT(dropped_pkts)
	PUT(flow_hits) PUT(flow_misses) PUT(flow_new) PUT(flow_expired) PUT(flow_evicted)
	PUT(flow_rescheduled) PUT(flows_active) PUT(handoff_pkts)
#undef PUT
	for (r = 1; r < SL_DROP_MAX; r++) {
		snprintf(key, sizeof(key), "drop_%s", tel_drop_labels[r]);
		rte_tel_data_add_dict_u64(d, key, sum.drops[r]);
	}
	return 0;
}

static void
telemetry_register(struct dp_engine *e)
{
	static int registered;

	__atomic_store_n(&tel_engine, e, __ATOMIC_RELEASE);
	if (!registered) {
		rte_telemetry_register_cmd("/sluice/stats", tel_stats,
					   "sluice: packets, flows and drops by reason, summed over workers");
		registered = 1;
	}
}

static void
dpdk_destroy(struct sl_engine *se)
{
	if (__atomic_load_n(&tel_engine, __ATOMIC_ACQUIRE) == eng(se))
		__atomic_store_n(&tel_engine, NULL, __ATOMIC_RELEASE);
	engine_free(eng(se));
	free(se);
}

static void
dpdk_tick(struct sl_engine *se)
{
	dp_ports_poll(eng(se));
}

static const struct sl_engine_ops dpdk_ops = {
	.name = "dpdk",
	.apply = dpdk_apply,
	.stats = dpdk_stats,
	.flows = dpdk_flows,
	.destroy = dpdk_destroy,
	.tick = dpdk_tick,
};

/* ---- create -------------------------------------------------------------------- */

static struct sl_engine *
create_common(struct dp_engine *e, int argc, char **argv, char *err, size_t errlen)
{
	struct sl_engine *se = NULL;

	if (opts_parse(&e->opt, argc, argv, err, errlen) < 0)
		goto fail;
	e->tsc_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / rte_get_tsc_hz());
	if (workers_setup(e, err, errlen) < 0 || dp_ports_setup(e, err, errlen) < 0 ||
	    dp_handoff_setup(e, err, errlen) < 0)
		goto fail;
	e->opt.kernel_neigh = e->exc_port >= 0;
	dp_ports_poll(e);
	if (workers_launch(e, err, errlen) < 0)
		goto fail;
	se = calloc(1, sizeof(*se));
	if (!se) {
		sl_err(err, errlen, "out of memory");
		goto fail;
	}
	se->ops = &dpdk_ops;
	se->priv = e;
	telemetry_register(e);
	return se;
fail:
	engine_free(e);
	return NULL;
}

struct sl_engine *
sl_dpdk_engine_create_on_eal(const struct sl_engine_args *a, char *err, size_t errlen)
{
	struct dp_engine *e = calloc(1, sizeof(*e));

	if (!e) {
		sl_err(err, errlen, "out of memory");
		return NULL;
	}
	return create_common(e, a->argc, a->argv, err, errlen);
}

struct sl_engine *
sl_dpdk_engine_create_polled(const struct sl_engine_args *a, char *err, size_t errlen)
{
	struct dp_engine *e = calloc(1, sizeof(*e));

	if (!e) {
		sl_err(err, errlen, "out of memory");
		return NULL;
	}
	e->polled = 1;
	return create_common(e, a->argc, a->argv, err, errlen);
}

void
sl_dpdk_engine_poll(struct sl_engine *se)
{
	struct dp_engine *e = eng(se);

	if (e->polled)
		dp_worker_poll(e->w[0]);
}

/* Why the EAL would not start, in the words of what to do about it. */
static void
eal_diagnose(int eal_errno, char *err, size_t errlen)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	int mounted = 0;
	long total = -1;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " hugetlbfs "))
				mounted = 1;
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "HugePages_Total: %ld", &total) == 1)
				break;
		fclose(f);
	}
	if (eal_errno == EALREADY)
		sl_err(err, errlen, "DPDK EAL: already initialised in this process");
	else if (!mounted)
		sl_err(err, errlen, "DPDK EAL failed: no hugetlbfs is mounted: mount -t hugetlbfs "
		     "nodev /dev/hugepages (deploy/install-deps.sh does it)");
	else if (total == 0)
		sl_err(err, errlen, "DPDK EAL failed: no hugepages reserved: echo 512 > "
		     "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
	else if (eal_errno == EACCES)
		sl_err(err, errlen, "DPDK EAL failed: permission denied (run as root, or give "
		     "the capabilities DPDK needs)");
	else if (eal_errno == EINVAL)
		sl_err(err, errlen, "DPDK EAL failed: invalid EAL arguments after '--' (its log "
		     "above names the one)");
	else
		sl_err(err, errlen, "DPDK EAL failed: %s (its log above says more)",
		     rte_strerror(eal_errno));
}

struct sl_engine *
sl_dpdk_engine_create(const struct sl_engine_args *a, char *err, size_t errlen)
{
	struct dp_engine *e;
	sigset_t block, saved;
	char **eargv;
	int i, n_eal, rc;

	if (a->iface) {
		sl_err(err, errlen, "--iface is for the xdp engine: the dpdk engine takes its ports "
		     "from EAL arguments, e.g. -- -l 0,1 --vdev=net_af_packet0,iface=eth0");
		return NULL;
	}
	/* EAL arguments up to a second "--"; engine options after it */
	for (n_eal = 0; n_eal < a->argc && strcmp(a->argv[n_eal], "--"); n_eal++)
		;
	eargv = calloc((size_t)n_eal + 2, sizeof(*eargv));
	e = calloc(1, sizeof(*e));
	if (!eargv || !e) {
		free(eargv);
		free(e);
		sl_err(err, errlen, "out of memory");
		return NULL;
	}
	eargv[0] = (char *)"sluiced";
	for (i = 0; i < n_eal; i++)
		eargv[i + 1] = a->argv[i];
	/* parse the engine's own options first: a typo costs no EAL start */
	if (opts_parse(&e->opt, n_eal < a->argc ? a->argc - n_eal - 1 : 0,
		       a->argv + RTE_MIN(n_eal + 1, a->argc), err, errlen) < 0) {
		free(eargv);
		free(e);
		return NULL;
	}
	/* The EAL's threads (lcores, interrupts, telemetry) inherit this
	 * thread's signal mask: block the daemon's signals for them, so that
	 * SIGTERM or SIGHUP reaches the daemon's signalfd and never kills the
	 * process from a thread that does not expect it. */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	rc = rte_eal_init(n_eal + 1, eargv);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc < 0) {
		eal_diagnose(rte_errno, err, errlen);
		free(eargv);
		free(e);
		return NULL;
	}
	if (rc != n_eal) {
		/* getopt moved what it did not take to the end of eargv */
		sl_err(err, errlen, "DPDK EAL: unexpected argument '%s' (engine options go after a "
		     "second '--')", eargv[rc + 1] ? eargv[rc + 1] : "?");
		free(eargv);
		rte_eal_cleanup();
		free(e);
		return NULL;
	}
	free(eargv);
	e->eal_owned = 1;
	memset(&e->opt, 0, sizeof(e->opt));
	return create_common(e, n_eal < a->argc ? a->argc - n_eal - 1 : 0,
			     a->argv + RTE_MIN(n_eal + 1, a->argc), err, errlen);
}

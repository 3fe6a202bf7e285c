/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon_int.h - the daemon's state, shared by its files only: daemon.c
 * (configuration, engine, health, signals, timers), show.c (the `show`
 * and `save` commands) and metrics.c (the Prometheus rendering that
 * /metrics and the sinks serve).
 */
#ifndef SLUICE_DAEMON_INT_H
#define SLUICE_DAEMON_INT_H

#include <limits.h>
#include <stdint.h>

#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "loop.h"
#include "sbuf.h"

#define FLOWS_SHOWN 1000

struct sl_daemon {
	struct sl_daemon_opts o;
	struct sl_loop *loop;
	struct sl_config cfg;
	struct sl_ids ids;
	struct sl_snapshot *snap;
	uint32_t gen;
	struct sl_engine *engine;
	struct sl_hc *hc;
	struct sl_ctl *ctl;
	struct sl_http_metrics *http;
	struct sl_ev sig;
	struct sl_timer neigh;    /* re-resolves backends' next hops */
	struct sl_sinks *sinks;   /* monitoring sinks (a thread of their own) */
	struct sl_timer push;     /* renders metrics for the sinks that are due */
	struct sl_timer tick;     /* the engine's once-a-second look at its links */
	unsigned int neigh_quick; /* quick neighbour looks in a row (NEIGH_PENDING_MS) */
	/* counters of reused ids start from their value at reuse */
	uint32_t seen_svc[SL_MAX_SERVICES], seen_be[SL_MAX_BACKENDS];
	struct sl_svc_counters base_svc[SL_MAX_SERVICES];
	struct sl_backend_counters base_be[SL_MAX_BACKENDS];
	struct sl_stats *stats; /* scratch for reads */
	/* the daemon's own counters */
	uint64_t mutations, refused, reloads, reloads_refused, health_changes, applies_failed;
	char cert_dir_real[PATH_MAX];
	int stopping;
	int resyncing;
};

/* Read the engine's counters into d->stats: 0, or -1 (none to show). */
int sl_daemon_read_stats(struct sl_daemon *d);

/* show.c: a `show` or `save` command's reply. */
void sl_show(struct sl_daemon *d, const struct sl_cmd *cmd, struct sbuf *o);
/* Counters of a service or backend id since its id was given out (ids
 * are reused: the daemon keeps a base for each). Zero when !have. */
void sl_daemon_svc_counters(struct sl_daemon *d, int have, uint32_t id,
			    struct sl_svc_counters *out);
void sl_daemon_be_counters(struct sl_daemon *d, int have, int id,
			   struct sl_backend_counters *out);
extern const char *const sl_drop_labels[];

/* metrics.c: the Prometheus text; arg is the daemon (a sinks/http callback). */
void sl_daemon_metrics_cb(void *arg, struct sbuf *o);

#endif /* SLUICE_DAEMON_INT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sinks.h - counters pushed to monitoring services, off the packet path
 * and off the daemon's thread.
 *
 * The daemon renders the metrics (Prometheus text) on its loop at each
 * sink's interval and hands the text over; each sink's own thread turns it
 * into the sink's format and sends it (a slow sink delays only itself): Prometheus Pushgateway (HTTP PUT),
 * an HTTP collector such as SumoLogic's (POST, prometheus / graphite /
 * carbon2, optional gzip and X-Sumo-Category), StatsD (UDP datagrams
 * within 1400 bytes) or Graphite plaintext (TCP). A slow or dead sink
 * never blocks the daemon: payloads wait in a bounded backlog per sink
 * (the oldest dropped first, counted) and are retried with exponential
 * backoff (1 s to 60 s); every send is bounded by a timeout.
 */
#ifndef SLUICE_SINKS_H
#define SLUICE_SINKS_H

#include <stdint.h>
#include <sluice/config-t.h>

#include "sbuf.h"

#define SL_SINK_BACKLOG 8        /* payloads waiting per sink */

struct sl_sink_status {
	char name[SL_NAME_MAX];
	uint64_t sent, failed, dropped;
	uint32_t backlog;
	uint64_t last_success_ms;    /* sl_now_ms(), 0: never */
	uint64_t last_error_ms;
	char last_error[160];
};

struct sl_sinks;

/* host: the label / path element that names this node. */
struct sl_sinks *sl_sinks_new(const char *host);
void sl_sinks_free(struct sl_sinks *s);   /* stops the threads (a send in flight ends
					   * first); drops the backlogs */

/* Make the set of sinks match cfg (kept sinks keep their backlog). */
int sl_sinks_sync(struct sl_sinks *s, const struct sl_config *cfg);

/* Names of the sinks due at now_ms (their interval elapsed): the daemon
 * renders once and calls sl_sinks_push for each. Returns how many. */
int sl_sinks_due(struct sl_sinks *s, uint64_t now_ms, char (*names)[SL_NAME_MAX], int max);
/* Hand a sink a payload (Prometheus text, copied). */
void sl_sinks_push(struct sl_sinks *s, const char *name, const char *text, size_t len);
/* Milliseconds until the next sink is due, or -1 with no sink. */
int64_t sl_sinks_next_ms(struct sl_sinks *s, uint64_t now_ms);

int sl_sinks_status(struct sl_sinks *s, struct sl_sink_status *out, int max);

/* Formats, exposed for tests: Prometheus text to graphite plaintext,
 * carbon2 and StatsD gauges ("prefix.name.label..." names). */
void sl_fmt_graphite(const char *prom, const char *prefix, uint64_t ts, struct sbuf *out);
void sl_fmt_carbon2(const char *prom, const char *host, uint64_t ts, struct sbuf *out);
void sl_fmt_statsd(const char *prom, const char *prefix, struct sbuf *out);

#endif

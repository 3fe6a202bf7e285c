/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_metrics.h - GET /metrics in the Prometheus text format (0.0.4),
 * served by libmicrohttpd on the daemon's event loop (its epoll descriptor
 * is one of the loop's events), so a scrape never races the daemon's
 * state. Off unless an address is given.
 */
#ifndef SLUICE_HTTP_METRICS_H
#define SLUICE_HTTP_METRICS_H

#include <stddef.h>

#include "loop.h"
#include "sbuf.h"

/* Write the metrics exposition into out. */
typedef void (*sl_metrics_fn)(void *arg, struct sbuf *out);

struct sl_http_metrics;

/* Listen on ADDR:PORT or [ADDR6]:PORT. NULL with err set on failure. */
struct sl_http_metrics *sl_http_metrics_new(struct sl_loop *loop, const char *listen,
					    sl_metrics_fn fn, void *arg, char *err, size_t errlen);
void sl_http_metrics_free(struct sl_http_metrics *h);

#endif

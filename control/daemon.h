/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon.h - sluiced's state and its one entry point for commands.
 *
 * The daemon owns the configuration, compiles it into engine snapshots,
 * runs health checks and the control socket on its event loop, and reacts
 * to signals: SIGHUP reloads the config file as one change (refused whole
 * if any line is wrong), SIGTERM and SIGINT stop cleanly.
 *
 * A mutation is validated on a copy of the configuration, compiled, and
 * handed to the engine; only when the engine has taken it does the copy
 * become the configuration. Any failure leaves everything as it was.
 */
#ifndef SLUICE_DAEMON_H
#define SLUICE_DAEMON_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine.h"
#include "sbuf.h"

struct sl_daemon_opts {
	const char *config_path;   /* NULL: the built-in default */
	const char *socket_path;   /* default /run/sluice/sluice.sock */
	unsigned int socket_mode;  /* default 0600 */
	gid_t socket_gid;          /* (gid_t)-1: leave */
	const char *cert_dir;      /* certificates must be under it */
	uint32_t idle_ms;          /* control client idle timeout */
	uint32_t max_clients;
	const char *remote;        /* ADDR:PORT for mTLS control, NULL: off */
	const char *remote_cert, *remote_key, *remote_ca;
	int notify;                /* tell systemd (sd_notify) */
	const char *metrics_listen; /* ADDR:PORT for GET /metrics, NULL: off */
};

struct sl_daemon;

/* The signals the daemon takes through its signalfd (HUP, TERM, INT),
 * blocked in the calling thread and so in every thread it starts later;
 * SIGPIPE ignored. */
void sl_daemon_block_signals(sigset_t *set);

/* Load the config, start the engine on it, start health checks, listen. */
struct sl_daemon *sl_daemon_new(const struct sl_daemon_opts *o, struct sl_engine *engine,
				char *err, size_t errlen);
/* Run until SIGTERM/SIGINT. 0 on a clean stop. */
int sl_daemon_run(struct sl_daemon *d);
/* Stop everything, destroy the engine. */
void sl_daemon_free(struct sl_daemon *d);

/* Execute one command line; the reply (lines ending in '\n') goes to out. */
void sl_daemon_exec(struct sl_daemon *d, const char *line, size_t len, struct sbuf *out);
/* The Prometheus text exposition of the counters and states. */
void sl_daemon_metrics(struct sl_daemon *d, struct sbuf *out);

/* Reload the config file as one change. 0, or -1 with err set. */
int sl_daemon_reload(struct sl_daemon *d, char *err, size_t errlen);

#endif

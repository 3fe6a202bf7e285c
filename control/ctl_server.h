/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_server.h - the control socket: a Unix stream socket (and optionally
 * TCP with mutual TLS) that takes one command a line and answers each with
 * zero or more lines followed by one empty line.
 *
 * Many clients at once, each with a bounded line length
 * (SL_CMD_LINE_MAX; a longer line is discarded up to its newline and
 * answered with an error), an idle timeout, and back-pressure: a client
 * that does not read its replies is not read from. TLS clients must present
 * a certificate signed by the configured CA; the handshake completes before
 * a single command is read.
 *
 * Thread safety: none; runs on the daemon's loop.
 */
#ifndef SLUICE_CTL_SERVER_H
#define SLUICE_CTL_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "sbuf.h"

/* Execute one command line, append the reply (each line ending in '\n',
 * no empty line) to *reply. */
typedef void (*sl_ctl_exec_fn)(void *arg, const char *line, size_t len, struct sbuf *reply);

struct sl_ctl_opts {
	const char *path;          /* Unix socket path */
	unsigned int mode;         /* its permission bits, e.g. 0600 */
	gid_t gid;                 /* its group, or (gid_t)-1 to leave it */
	uint32_t idle_ms;          /* close a client idle this long */
	uint32_t max_clients;      /* refuse more, with an error line */
	const char *tls_listen;    /* ADDR:PORT or [ADDR6]:PORT, NULL: no TCP */
	const char *tls_cert;      /* server certificate chain (PEM) */
	const char *tls_key;       /* its key */
	const char *tls_ca;        /* CA that signs client certificates */
};

struct sl_ctl_stats {
	uint64_t accepted;
	uint64_t refused;          /* over max_clients */
	uint64_t commands;
	uint64_t too_long;
	uint64_t idle_closed;
	uint64_t tls_refused;      /* failed handshakes (no or bad client cert) */
	uint32_t clients;
};

struct sl_ctl;

/* Listen. NULL with err set on failure (path in use, bad cert, ...). */
struct sl_ctl *sl_ctl_new(struct sl_loop *loop, const struct sl_ctl_opts *o, sl_ctl_exec_fn fn,
			  void *arg, char *err, size_t errlen);
/* Close every client and listener, remove the socket file. */
void sl_ctl_free(struct sl_ctl *c);
void sl_ctl_get_stats(const struct sl_ctl *c, struct sl_ctl_stats *out);

#endif

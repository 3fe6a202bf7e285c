/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon.c - sluiced: configuration, engine, health checks, control socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "cmd.h"
#include "config.h"
#include "ctl_server.h"
#include "daemon.h"
#include "daemon_int.h"
#include "health.h"
#include "http_metrics.h"
#include "log.h"
#include "loop.h"
#include "neigh.h"
#include "sinks.h"
#include "sbuf.h"

extern const char sl_default_conf[];
extern const size_t sl_default_conf_len;


static void
notify(struct sl_daemon *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!d->o.notify)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
}

/* ---- applying configurations ----------------------------------------------------- */

int
sl_daemon_read_stats(struct sl_daemon *d)
{
	memset(d->stats, 0, sizeof(*d->stats));
	if (!d->engine->ops->stats || d->engine->ops->stats(d->engine, d->stats) < 0)
		return -1;
	return 0;
}

static int commit(struct sl_daemon *d, struct sl_config *next, char *err, size_t errlen);

static int
health_differs(const struct sl_config *a, const struct sl_config *b)
{
	uint32_t i, k;

	for (i = 0; i < a->n_services; i++)
		for (k = 0; k < a->services[i].n_backends; k++)
			if (a->services[i].backends[k].health != b->services[i].backends[k].health)
				return 1;
	return 0;
}

/* After the checked set changed, the checker may know better than the
 * configuration (a backend whose check changed starts again from up):
 * bring the configuration, and the engine, in line with it. */
static void
health_resync(struct sl_daemon *d)
{
	struct sl_config next;
	char err[256];

	if (sl_config_copy(&next, &d->cfg) < 0) {
		sl_log(LOG_ERR, "health: out of memory");
		return;
	}
	sl_hc_apply(d->hc, &next);
	if (health_differs(&d->cfg, &next) && commit(d, &next, err, sizeof(err)) < 0)
		sl_log(LOG_ERR, "health: cannot apply the checker's states: %s", err);
	sl_config_free(&next);
}

/* Compile `next` and hand it to the engine; on success it becomes the
 * configuration (its contents move into d->cfg, *next is emptied). */
static int
commit(struct sl_daemon *d, struct sl_config *next, char *err, size_t errlen)
{
	struct sl_ids *saved = malloc(sizeof(*saved));
	struct sl_snapshot *snap;
	uint32_t i;
	int rebase = 0;

	if (!saved)
		return sl_err(err, errlen, "out of memory");
	*saved = d->ids;
	snap = sl_snapshot_build(next, d->snap, &d->ids, d->gen + 1, err, errlen);
	if (!snap) {
		d->ids = *saved;
		free(saved);
		return -1;
	}
	/* next hops from the kernel's tables: engines need not ask per packet;
	 * new backends get quick looks until their MACs come */
	sl_neigh_fill(snap);
	d->neigh_quick = 0;
	if (d->engine->ops->apply(d->engine, snap, err, errlen) < 0) {
		d->applies_failed++;
		sl_snapshot_free(snap);
		d->ids = *saved;
		free(saved);
		return -1;
	}
	free(saved);
	/* the engine took it: it is the running state now */
	sl_snapshot_free(d->snap);
	d->snap = snap;
	d->gen++;
	sl_config_free(&d->cfg);
	d->cfg = *next;
	memset(next, 0, sizeof(*next));
	/* snapshot names point into the config that is now d->cfg */
	for (i = 0; i < snap->n_svc; i++)
		snap->svc[i].name = d->cfg.services[i].name;
	for (i = 0; i < SL_MAX_SERVICES && !rebase; i++)
		rebase = d->ids.reused_svc[i] != d->seen_svc[i];
	for (i = 0; i < SL_MAX_BACKENDS && !rebase; i++)
		rebase = d->ids.reused_be[i] != d->seen_be[i];
	if (rebase) {
		int have = sl_daemon_read_stats(d) == 0;

		for (i = 0; i < SL_MAX_SERVICES; i++) {
			if (d->ids.reused_svc[i] != d->seen_svc[i]) {
				d->seen_svc[i] = d->ids.reused_svc[i];
				memset(&d->base_svc[i], 0, sizeof(d->base_svc[i]));
				if (have)
					d->base_svc[i] = d->stats->svc[i];
			}
		}
		for (i = 0; i < SL_MAX_BACKENDS; i++) {
			if (d->ids.reused_be[i] != d->seen_be[i]) {
				d->seen_be[i] = d->ids.reused_be[i];
				memset(&d->base_be[i], 0, sizeof(d->base_be[i]));
				if (have)
					d->base_be[i] = d->stats->backend[i];
			}
		}
	}
	if (d->sinks && sl_sinks_sync(d->sinks, &d->cfg) < 0)
		sl_log(LOG_ERR, "sinks: out of memory; sinks not updated");
	if (d->hc) {
		if (sl_hc_sync(d->hc, &d->cfg) < 0)
			sl_log(LOG_ERR, "health checks: out of memory; checks not updated");
		else if (!d->resyncing) {
			d->resyncing = 1;
			health_resync(d);
			d->resyncing = 0;
		}
	}
	return 0;
}

/* Checks that need the daemon's context: certificate files stay inside the
 * certificate directory and are readable. */
static int
check_cert_paths(struct sl_daemon *d, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	const char *paths[2] = {cmd->u.cert.chain, cmd->u.cert.key};
	int i;

	if (cmd->verb != SL_CMD_ADD_CERT)
		return 0;
	if (!d->cert_dir_real[0])
		return sl_err(err, errlen, "certificate directory %s does not exist",
			       d->o.cert_dir ? d->o.cert_dir : "(none)");
	for (i = 0; i < 2; i++) {
		char real[PATH_MAX];
		size_t n = strlen(d->cert_dir_real);

		if (!realpath(paths[i], real))
			return sl_err(err, errlen, "cannot open %s: %s", paths[i], strerror(errno));
		if (strncmp(real, d->cert_dir_real, n) || real[n] != '/')
			return sl_err(err, errlen, "%s is outside the certificate directory %s",
				       paths[i], d->cert_dir_real);
		if (access(real, R_OK) < 0)
			return sl_err(err, errlen, "cannot read %s: %s", paths[i], strerror(errno));
	}
	return 0;
}

static int
mutate(struct sl_daemon *d, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	struct sl_config next;
	int rc;

	if (check_cert_paths(d, cmd, err, errlen) < 0)
		return -1;
	if (sl_config_copy(&next, &d->cfg) < 0)
		return sl_err(err, errlen, "out of memory");
	rc = sl_config_apply(&next, cmd, err, errlen);
	if (rc == 0)
		rc = commit(d, &next, err, errlen);
	sl_config_free(&next);
	return rc;
}

int
sl_daemon_reload(struct sl_daemon *d, char *err, size_t errlen)
{
	struct sl_config next;
	char msg[512];
	unsigned int line = 0;
	int rc;

	sl_config_init(&next);
	if (d->o.config_path)
		rc = sl_config_load_file(&next, d->o.config_path, msg, sizeof(msg), &line);
	else
		rc = sl_config_load_buf(&next, sl_default_conf, sl_default_conf_len, msg,
					sizeof(msg), &line);
	if (rc == 0) {
		uint32_t i;

		/* certificate paths of the file obey the same rule */
		for (i = 0; i < next.n_certs && rc == 0; i++) {
			struct sl_cmd c = {.verb = SL_CMD_ADD_CERT};

			c.u.cert = next.certs[i];
			rc = check_cert_paths(d, &c, msg, sizeof(msg));
		}
	}
	if (rc == 0) {
		if (d->hc)
			sl_hc_apply(d->hc, &next); /* keep what health checks know */
		rc = commit(d, &next, msg, sizeof(msg));
	}
	sl_config_free(&next);
	if (rc < 0) {
		if (line)
			sl_err(err, errlen, "%s:%u: %s", d->o.config_path ? d->o.config_path : "(built-in)",
				line, msg);
		else
			sl_err(err, errlen, "%s", msg);
		return -1;
	}
	return 0;
}

/* ---- health ------------------------------------------------------------------------- */

static void
on_health(void *arg, const char *svc, const struct sl_ipaddr *addr, uint16_t port, uint8_t health,
	  const char *reason)
{
	struct sl_daemon *d = arg;
	struct sl_service_cfg *s = sl_config_service(&d->cfg, svc);
	char be[80], err[256];
	struct sl_config next;
	int i;

	sl_addr_port_format(addr, port, be, sizeof(be));
	d->health_changes++;
	sl_log(health == SL_HEALTH_UP ? LOG_NOTICE : LOG_WARNING, "backend %s/%s is %s: %s", svc, be,
	       sl_health_name(health), reason);
	if (!s || (i = sl_config_backend_index(s, addr, port)) < 0)
		return;
	if (sl_config_copy(&next, &d->cfg) < 0) {
		sl_log(LOG_ERR, "backend %s/%s: out of memory, health change not applied", svc, be);
		return;
	}
	s = sl_config_service(&next, svc);
	s->backends[i].health = health;
	if (commit(d, &next, err, sizeof(err)) < 0)
		sl_log(LOG_ERR, "backend %s/%s: health change not applied: %s", svc, be, err);
	sl_config_free(&next);
}

/* ---- commands ------------------------------------------------------------------------ */

void
sl_daemon_exec(struct sl_daemon *d, const char *line, size_t len, struct sbuf *out)
{
	struct sl_cmd cmd;
	char err[512];

	if (sl_cmd_parse(line, len, &cmd, err, sizeof(err)) < 0) {
		d->refused++;
		sb_printf(out, "error: %s\n", err);
		return;
	}
	switch (cmd.verb) {
	case SL_CMD_NOP:
		return;
	case SL_CMD_HELP:
		sb_printf(out, "%s", sl_cmd_help(cmd.name[0] ? cmd.name : NULL));
		return;
	case SL_CMD_SAVE:
	case SL_CMD_SHOW: {
		size_t before = out->len;

		sl_show(d, &cmd, out);
		if (out->len > before && !strncmp(out->s + before, "error:", 6))
			d->refused++;
		return;
	}
	default:
		break;
	}
	if (mutate(d, &cmd, err, sizeof(err)) < 0) {
		d->refused++;
		sb_printf(out, "error: %s\n", err);
		return;
	}
	d->mutations++;
	/* one log line per change, as the operator typed it */
	{
		size_t n = len;

		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		sl_log(LOG_INFO, "applied: %.*s (generation %u)", (int)(n > 200 ? 200 : n), line, d->gen);
	}
}

static void
ctl_exec(void *arg, const char *line, size_t len, struct sbuf *reply)
{
	sl_daemon_exec(arg, line, len, reply);
}

/* Next hops change (a backend's MAC is learnt, moves, expires): look
 * every few seconds, and hand the engine a new snapshot when one did;
 * sooner while a backend waits for its first MAC. */
#define NEIGH_REFRESH_MS 2000
#define NEIGH_PENDING_MS 300

#define TICK_MS 1000

static void
on_tick(struct sl_timer *t)
{
	struct sl_daemon *d = (struct sl_daemon *)((char *)t - offsetof(struct sl_daemon, tick));

	d->engine->ops->tick(d->engine);
	sl_timer_at(d->loop, &d->tick, sl_now_ms() + TICK_MS);
}

static void
on_neigh(struct sl_timer *t)
{
	struct sl_daemon *d = (struct sl_daemon *)((char *)t - offsetof(struct sl_daemon, neigh));
	int changed = 0, pending = 0;
	uint32_t i;

	if (d->snap && d->snap->max_backend_id) {
		/* resolve into a copy of the backends, compare with the snapshot's */
		struct sl_snapshot tmp = {.max_backend_id = d->snap->max_backend_id};

		tmp.backends = malloc(tmp.max_backend_id * sizeof(*tmp.backends));
		if (tmp.backends) {
			memcpy(tmp.backends, d->snap->backends,
			       tmp.max_backend_id * sizeof(*tmp.backends));
			sl_neigh_fill(&tmp);
			for (i = 0; i < tmp.max_backend_id; i++) {
				changed |= memcmp(tmp.backends[i].mac, d->snap->backends[i].mac, 6) ||
					   tmp.backends[i].ifindex != d->snap->backends[i].ifindex;
			}
			/* sooner while one with a route waits for its MAC, for ten
			 * looks (3 s); one that never answers is looked at as the rest */
			pending = sl_neigh_waiting && d->neigh_quick < 10;
			d->neigh_quick = sl_neigh_waiting ? d->neigh_quick + 1 : 0;
			free(tmp.backends);
		}
	}
	if (changed) {
		struct sl_config next;
		char err[256];

		if (sl_config_copy(&next, &d->cfg) == 0) {
			if (commit(d, &next, err, sizeof(err)) < 0)
				sl_log(LOG_ERR, "next hops changed, not applied: %s", err);
			sl_config_free(&next);
		}
	}
	sl_timer_at(d->loop, &d->neigh, sl_now_ms() + (pending ? NEIGH_PENDING_MS : NEIGH_REFRESH_MS));
}


/* Render once for every sink that is due, hand each its copy. */
static void
on_push(struct sl_timer *t)
{
	struct sl_daemon *d = (struct sl_daemon *)((char *)t - offsetof(struct sl_daemon, push));
	char names[SL_MAX_SINKS][SL_NAME_MAX];
	uint64_t now = sl_now_ms();
	int n = sl_sinks_due(d->sinks, now, names, SL_MAX_SINKS), i;
	int64_t next;

	if (n) {
		struct sbuf b = {0};

		sl_daemon_metrics_cb(d, &b);
		if (!b.oom)
			for (i = 0; i < n; i++)
				sl_sinks_push(d->sinks, names[i], b.s ? b.s : "", b.len);
		sb_free(&b);
	}
	next = sl_sinks_next_ms(d->sinks, now);
	sl_timer_at(d->loop, &d->push, now + (uint64_t)(next < 0 || next > 1000 ? 1000 : next));
}

/* ---- signals and lifecycle -------------------------------------------------------------- */

static void
on_signal(struct sl_ev *ev, uint32_t events)
{
	struct sl_daemon *d = (struct sl_daemon *)((char *)ev - offsetof(struct sl_daemon, sig));
	struct signalfd_siginfo si;
	char err[600];

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			notify(d, "RELOADING=1");
			if (sl_daemon_reload(d, err, sizeof(err)) < 0) {
				d->reloads_refused++;
				sl_log(LOG_ERR, "reload refused, running configuration kept: %s", err);
			} else {
				d->reloads++;
				sl_log(LOG_NOTICE, "reloaded %s (generation %u)",
				       d->o.config_path ? d->o.config_path : "(built-in)", d->gen);
			}
			notify(d, "READY=1\nSTATUS=generation %u", d->gen);
		} else {
			sl_log(LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
			d->stopping = 1;
			sl_loop_stop(d->loop);
		}
	}
}

void
sl_daemon_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigprocmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct sl_daemon *
sl_daemon_new(const struct sl_daemon_opts *o, struct sl_engine *engine, char *err, size_t errlen)
{
	struct sl_daemon *d = calloc(1, sizeof(*d));
	struct sl_ctl_opts co = {0};
	sigset_t set;
	char msg[600];

	if (!d) {
		sl_err(err, errlen, "out of memory");
		if (engine)
			engine->ops->destroy(engine);
		return NULL;
	}
	d->o = *o;
	d->engine = engine;
	d->sig.fd = -1;
	sl_config_init(&d->cfg);
	d->stats = calloc(1, sizeof(*d->stats));
	d->loop = sl_loop_new();
	if (!d->stats || !d->loop) {
		sl_err(err, errlen, "out of memory");
		goto fail;
	}
	if (o->cert_dir && !realpath(o->cert_dir, d->cert_dir_real))
		d->cert_dir_real[0] = 0;
	{
		char host[64] = "sluice";

		gethostname(host, sizeof(host) - 1);
		d->sinks = sl_sinks_new(host);
		if (!d->sinks) {
			sl_err(err, errlen, "cannot start the sinks' thread");
			goto fail;
		}
	}
	d->hc = sl_hc_new(d->loop, on_health, d);
	if (!d->hc) {
		sl_err(err, errlen, "cannot start health checks");
		goto fail;
	}
	if (sl_daemon_reload(d, msg, sizeof(msg)) < 0) {
		sl_err(err, errlen, "%s", msg);
		goto fail;
	}
	sl_daemon_block_signals(&set);
	d->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->sig.on = on_signal;
	if (d->sig.fd < 0 || sl_loop_add(d->loop, &d->sig, EPOLLIN) < 0) {
		sl_err(err, errlen, "signalfd: %s", strerror(errno));
		goto fail;
	}
	co.path = o->socket_path;
	co.mode = o->socket_mode ? o->socket_mode : 0600;
	co.gid = o->socket_gid;
	co.idle_ms = o->idle_ms;
	co.max_clients = o->max_clients;
	co.tls_listen = o->remote;
	co.tls_cert = o->remote_cert;
	co.tls_key = o->remote_key;
	co.tls_ca = o->remote_ca;
	d->ctl = sl_ctl_new(d->loop, &co, ctl_exec, d, msg, sizeof(msg));
	if (!d->ctl) {
		sl_err(err, errlen, "control socket: %s", msg);
		goto fail;
	}
	if (o->metrics_listen) {
		d->http = sl_http_metrics_new(d->loop, o->metrics_listen, sl_daemon_metrics_cb, d, msg, sizeof(msg));
		if (!d->http) {
			sl_err(err, errlen, "%s", msg);
			goto fail;
		}
	}
	if (engine->ops->tick) {
		d->tick.on = on_tick;
		sl_timer_at(d->loop, &d->tick, sl_now_ms() + TICK_MS);
	}
	d->neigh.on = on_neigh;
	sl_timer_at(d->loop, &d->neigh, sl_now_ms() + NEIGH_PENDING_MS);
	d->push.on = on_push;
	sl_timer_at(d->loop, &d->push, sl_now_ms() + 100);
	sl_log(LOG_NOTICE, "started: engine %s, %u services, %u backends, control socket %s%s%s",
	       engine->ops->name, d->cfg.n_services, sl_config_n_backends(&d->cfg),
	       o->socket_path ? o->socket_path : "(none)", o->remote ? ", remote " : "",
	       o->remote ? o->remote : "");
	notify(d, "READY=1\nSTATUS=generation %u", d->gen);
	return d;
fail:
	sl_daemon_free(d);
	return NULL;
}

int
sl_daemon_run(struct sl_daemon *d)
{
	return sl_loop_run(d->loop);
}

void
sl_daemon_free(struct sl_daemon *d)
{
	if (!d)
		return;
	notify(d, "STOPPING=1");
	if (d->loop) {
		sl_timer_cancel(d->loop, &d->neigh);
		if (d->engine->ops->tick)
			sl_timer_cancel(d->loop, &d->tick);
		sl_timer_cancel(d->loop, &d->push);
	}
	sl_sinks_free(d->sinks);
	sl_http_metrics_free(d->http);
	sl_ctl_free(d->ctl);
	sl_hc_free(d->hc);
	if (d->sig.fd >= 0) {
		sl_loop_del(d->loop, &d->sig);
		close(d->sig.fd);
	}
	if (d->engine)
		d->engine->ops->destroy(d->engine);
	sl_snapshot_free(d->snap);
	sl_config_free(&d->cfg);
	sl_loop_free(d->loop);
	free(d->stats);
	free(d);
}

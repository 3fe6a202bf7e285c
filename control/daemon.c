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
#include "health.h"
#include "http_metrics.h"
#include "log.h"
#include "loop.h"
#include "neigh.h"
#include "sinks.h"
#include "sbuf.h"

extern const char sl_default_conf[];
extern const size_t sl_default_conf_len;

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

static int
read_stats(struct sl_daemon *d)
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
	/* next hops from the kernel's tables: engines need not ask per packet */
	sl_neigh_fill(snap);
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
		int have = read_stats(d) == 0;

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

/* ---- show ----------------------------------------------------------------------------- */

static const char *const drop_labels[] = {
#define X(n, l) l,
	SL_DROP_REASONS(X)
#undef X
};

static void
svc_counters(struct sl_daemon *d, int have, uint32_t id, struct sl_svc_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!have || id >= SL_MAX_SERVICES)
		return;
	out->pkts = d->stats->svc[id].pkts - d->base_svc[id].pkts;
	out->bytes = d->stats->svc[id].bytes - d->base_svc[id].bytes;
	out->new_flows = d->stats->svc[id].new_flows - d->base_svc[id].new_flows;
	out->no_backend = d->stats->svc[id].no_backend - d->base_svc[id].no_backend;
}

static void
be_counters(struct sl_daemon *d, int have, int id, struct sl_backend_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!have || id < 0 || id >= SL_MAX_BACKENDS)
		return;
	out->pkts = d->stats->backend[id].pkts - d->base_be[id].pkts;
	out->bytes = d->stats->backend[id].bytes - d->base_be[id].bytes;
	out->new_flows = d->stats->backend[id].new_flows - d->base_be[id].new_flows;
}

static void
show_services(struct sl_daemon *d, int json, struct sbuf *o)
{
	int have = read_stats(d) == 0;
	uint32_t i, k;

	if (json)
		sb_printf(o, "{\"services\":[");
	else
		sb_printf(o, "%-16s %-28s %-5s %-6s %-6s %8s %4s %12s %14s %10s\n", "NAME", "VIP",
			  "PROTO", "SCHED", "MODE", "BACKENDS", "UP", "PACKETS", "BYTES", "NEW_FLOWS");
	for (i = 0; i < d->cfg.n_services; i++) {
		const struct sl_service_cfg *s = &d->cfg.services[i];
		struct sl_svc_counters c;
		uint32_t up = 0, elig = 0;
		char vip[80];

		for (k = 0; k < s->n_backends; k++) {
			up += s->backends[k].health == SL_HEALTH_UP;
			elig += s->backends[k].health == SL_HEALTH_UP &&
				s->backends[k].state == SL_BE_READY && s->backends[k].weight > 0;
		}
		svc_counters(d, have, (uint32_t)sl_ids_service(&d->ids, s->name), &c);
		sl_addr_port_format(&s->vip, s->port, vip, sizeof(vip));
		if (json) {
			sb_printf(o, "%s{\"name\":", i ? "," : "");
			sb_json_str(o, s->name);
			sb_printf(o, ",\"vip\":\"%s\",\"proto\":\"%s\",\"sched\":\"%s\",\"mode\":\"%s\","
				  "\"backends\":%u,\"up\":%u,\"eligible\":%u,\"packets\":%llu,"
				  "\"bytes\":%llu,\"new_flows\":%llu,\"no_backend\":%llu}",
				  vip, sl_proto_name(s->proto), sl_sched_name(s->sched),
				  sl_mode_name(s->mode), s->n_backends, up, elig,
				  (unsigned long long)c.pkts, (unsigned long long)c.bytes,
				  (unsigned long long)c.new_flows, (unsigned long long)c.no_backend);
		} else {
			sb_printf(o, "%-16s %-28s %-5s %-6s %-6s %8u %4u %12llu %14llu %10llu\n", s->name,
				  vip, sl_proto_name(s->proto), sl_sched_name(s->sched),
				  sl_mode_name(s->mode), s->n_backends, up, (unsigned long long)c.pkts,
				  (unsigned long long)c.bytes, (unsigned long long)c.new_flows);
		}
	}
	if (json)
		sb_printf(o, "]}\n");
}

static int
show_backends(struct sl_daemon *d, const struct sl_cmd *cmd, struct sbuf *o)
{
	int have = read_stats(d) == 0, first = 1;
	uint32_t i, k;

	if (cmd->has_name && !sl_config_service(&d->cfg, cmd->name)) {
		sb_printf(o, "error: unknown service '%s'\n", cmd->name);
		return -1;
	}
	if (cmd->json)
		sb_printf(o, "{\"backends\":[");
	else
		sb_printf(o, "%-16s %-40s %6s %-6s %-6s %10s %12s %14s\n", "SERVICE", "BACKEND",
			  "WEIGHT", "STATE", "HEALTH", "NEW_FLOWS", "PACKETS", "BYTES");
	for (i = 0; i < d->cfg.n_services; i++) {
		const struct sl_service_cfg *s = &d->cfg.services[i];
		int sid = sl_ids_service(&d->ids, s->name);

		if (cmd->has_name && strcmp(cmd->name, s->name))
			continue;
		for (k = 0; k < s->n_backends; k++) {
			const struct sl_backend_cfg *b = &s->backends[k];
			struct sl_backend_counters c;
			char ab[80];
			int id = sid < 0 ? -1 : sl_ids_backend(&d->ids, (uint32_t)sid, &b->addr, b->port);
			int elig = b->health == SL_HEALTH_UP && b->state == SL_BE_READY && b->weight > 0;

			be_counters(d, have, id, &c);
			sl_addr_port_format(&b->addr, b->port, ab, sizeof(ab));
			if (cmd->json) {
				sb_printf(o, "%s{\"service\":", first ? "" : ",");
				sb_json_str(o, s->name);
				sb_printf(o, ",\"backend\":\"%s\",\"weight\":%u,\"state\":\"%s\","
					  "\"health\":\"%s\",\"eligible\":%s,\"new_flows\":%llu,"
					  "\"packets\":%llu,\"bytes\":%llu}",
					  ab, b->weight, sl_state_name(b->state), sl_health_name(b->health),
					  elig ? "true" : "false", (unsigned long long)c.new_flows,
					  (unsigned long long)c.pkts, (unsigned long long)c.bytes);
			} else {
				sb_printf(o, "%-16s %-40s %6u %-6s %-6s %10llu %12llu %14llu\n", s->name,
					  ab, b->weight, sl_state_name(b->state),
					  sl_health_name(b->health), (unsigned long long)c.new_flows,
					  (unsigned long long)c.pkts, (unsigned long long)c.bytes);
			}
			first = 0;
		}
	}
	if (cmd->json)
		sb_printf(o, "]}\n");
	return 0;
}

static void
port_range(char *buf, size_t len, uint16_t lo, uint16_t hi)
{
	if (lo == 0 && hi == 65535)
		snprintf(buf, len, "any");
	else if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
}

static void
show_acl(struct sl_daemon *d, int json, struct sbuf *o)
{
	int have = read_stats(d) == 0;
	uint32_t i;

	if (json)
		sb_printf(o, "{\"default\":\"%s\",\"default_packets\":%llu,\"rules\":[",
			  sl_action_name(d->cfg.g.acl_default),
			  have ? (unsigned long long)d->stats->acl_default.pkts : 0ULL);
	else
		sb_printf(o, "%-8s %-6s %-6s %-44s %-44s %-11s %-11s %12s\n", "PRIO", "ACTION", "PROTO",
			  "SRC", "DST", "SPORT", "DPORT", "PACKETS");
	for (i = 0; i < d->cfg.n_acl; i++) {
		const struct sl_acl_rule_cfg *r = &d->cfg.acl[i];
		char src[64], dst[64], sp[16], dp[16];
		unsigned long long hits = have && i < SL_MAX_ACL_RULES ? d->stats->acl[i].pkts : 0;

		sl_prefix_format(&r->src, src, sizeof(src));
		sl_prefix_format(&r->dst, dst, sizeof(dst));
		port_range(sp, sizeof(sp), r->sport_lo, r->sport_hi);
		port_range(dp, sizeof(dp), r->dport_lo, r->dport_hi);
		if (json)
			sb_printf(o, "%s{\"priority\":%u,\"action\":\"%s\",\"proto\":\"%s\",\"src\":\"%s\","
				  "\"dst\":\"%s\",\"sport\":\"%s\",\"dport\":\"%s\",\"packets\":%llu}",
				  i ? "," : "", r->priority, sl_action_name(r->action),
				  sl_proto_name(r->proto), src, dst, sp, dp, hits);
		else
			sb_printf(o, "%-8u %-6s %-6s %-44s %-44s %-11s %-11s %12llu\n", r->priority,
				  sl_action_name(r->action), sl_proto_name(r->proto), src, dst, sp, dp,
				  hits);
	}
	if (json)
		sb_printf(o, "]}\n");
	else
		sb_printf(o, "%-8s %-6s %-6s %-44s %-44s %-11s %-11s %12llu\n", "default",
			  sl_action_name(d->cfg.g.acl_default), "any", "any", "any", "any", "any",
			  have ? (unsigned long long)d->stats->acl_default.pkts : 0ULL);
}

#define CORE_FIELDS(X) X(rx_pkts) X(rx_bytes) X(tx_pkts) X(tx_bytes) X(to_host_pkts) \
	X(dropped_pkts) X(flow_hits) X(flow_misses) X(flow_new) X(flow_expired) X(flow_evicted) \
	X(flow_rescheduled) X(flow_reset) X(flows_active) X(handoff_pkts)

static void
show_stats(struct sl_daemon *d, int json, struct sbuf *o)
{
	struct sl_core_counters sum;
	struct sl_ctl_stats cs = {0};
	uint32_t c, r;

	memset(&sum, 0, sizeof(sum));
	if (read_stats(d) < 0) {
		sb_printf(o, "error: the %s engine cannot report counters\n", d->engine->ops->name);
		return;
	}
	for (c = 0; c < d->stats->n_cores && c < SL_MAX_CORES; c++) {
		const struct sl_core_counters *k = &d->stats->core[c];
#define X(f) sum.f += k->f;
		CORE_FIELDS(X)
#undef X
		for (r = 0; r < SL_DROP_MAX; r++)
			sum.drops[r] += k->drops[r];
	}
	if (d->ctl)
		sl_ctl_get_stats(d->ctl, &cs);
	if (json) {
		sb_printf(o, "{\"engine\":\"%s\",\"generation\":%u,\"cores\":%u", d->engine->ops->name,
			  d->gen, d->stats->n_cores);
#define X(f) sb_printf(o, ",\"" #f "\":%llu", (unsigned long long)sum.f);
		CORE_FIELDS(X)
#undef X
		sb_printf(o, ",\"drops\":{");
		for (r = 1; r < SL_DROP_MAX; r++)
			sb_printf(o, "%s\"%s\":%llu", r > 1 ? "," : "", drop_labels[r],
				  (unsigned long long)sum.drops[r]);
		sb_printf(o, "},\"per_core\":[");
		for (c = 0; c < d->stats->n_cores && c < SL_MAX_CORES; c++) {
			const struct sl_core_counters *k = &d->stats->core[c];

			sb_printf(o, "%s{\"core\":%u", c ? "," : "", c);
#define X(f) sb_printf(o, ",\"" #f "\":%llu", (unsigned long long)k->f);
			CORE_FIELDS(X)
#undef X
			sb_printf(o, "}");
		}
		sb_printf(o, "],\"control\":{\"mutations\":%llu,\"refused\":%llu,\"reloads\":%llu,"
			  "\"reloads_refused\":%llu,\"health_changes\":%llu,\"clients\":%u,"
			  "\"commands\":%llu,\"lines_too_long\":%llu,\"idle_closed\":%llu,"
			  "\"tls_refused\":%llu}}\n",
			  (unsigned long long)d->mutations, (unsigned long long)d->refused,
			  (unsigned long long)d->reloads, (unsigned long long)d->reloads_refused,
			  (unsigned long long)d->health_changes, cs.clients,
			  (unsigned long long)cs.commands, (unsigned long long)cs.too_long,
			  (unsigned long long)cs.idle_closed, (unsigned long long)cs.tls_refused);
		return;
	}
	sb_printf(o, "engine %s, generation %u, %u cores\n", d->engine->ops->name, d->gen,
		  d->stats->n_cores);
#define X(f) sb_printf(o, "%-20s %llu\n", #f, (unsigned long long)sum.f);
	CORE_FIELDS(X)
#undef X
	for (r = 1; r < SL_DROP_MAX; r++)
		if (sum.drops[r])
			sb_printf(o, "drop %-28s %llu\n", drop_labels[r],
				  (unsigned long long)sum.drops[r]);
	sb_printf(o, "control: %llu changes, %llu refused, %llu reloads (%llu refused), "
		  "%llu health changes, %u clients\n",
		  (unsigned long long)d->mutations, (unsigned long long)d->refused,
		  (unsigned long long)d->reloads, (unsigned long long)d->reloads_refused,
		  (unsigned long long)d->health_changes, cs.clients);
}

static int
show_flows(struct sl_daemon *d, const struct sl_cmd *cmd, struct sbuf *o)
{
	struct sl_flow_info *f;
	int sid = -1, n, i;

	if (cmd->has_name) {
		if (!sl_config_service(&d->cfg, cmd->name)) {
			sb_printf(o, "error: unknown service '%s'\n", cmd->name);
			return -1;
		}
		sid = sl_ids_service(&d->ids, cmd->name);
	}
	if (!d->engine->ops->flows) {
		sb_printf(o, "error: the %s engine cannot list flows\n", d->engine->ops->name);
		return -1;
	}
	f = calloc(FLOWS_SHOWN, sizeof(*f));
	if (!f) {
		sb_printf(o, "error: out of memory\n");
		return -1;
	}
	n = d->engine->ops->flows(d->engine, sid, f, FLOWS_SHOWN);
	if (n < 0) {
		free(f);
		sb_printf(o, "error: cannot read the flow tables\n");
		return -1;
	}
	if (cmd->json)
		sb_printf(o, "{\"flows\":[");
	else
		sb_printf(o, "%-16s %-6s %-46s %-46s %-40s %4s %8s\n", "SERVICE", "PROTO", "CLIENT",
			  "VIP", "BACKEND", "CORE", "IDLE_MS");
	for (i = 0; i < n; i++) {
		struct sl_ipaddr src = {.a = f[i].key.src, .family = f[i].key.family};
		struct sl_ipaddr dst = {.a = f[i].key.dst, .family = f[i].key.family};
		struct sl_ipaddr bea = {0};
		char cs[80], vs[80], bs[80];
		const char *sname = f[i].svc_id < SL_MAX_SERVICES ? d->ids.svc_name[f[i].svc_id] : "?";
		uint16_t bport = 0;

		if (f[i].backend_id < SL_MAX_BACKENDS) {
			bea = d->ids.be[f[i].backend_id].addr;
			bport = d->ids.be[f[i].backend_id].port;
		}
		sl_addr_port_format(&src, ntohs(f[i].key.sport_be), cs, sizeof(cs));
		sl_addr_port_format(&dst, ntohs(f[i].key.dport_be), vs, sizeof(vs));
		sl_addr_port_format(&bea, bport, bs, sizeof(bs));
		if (cmd->json) {
			sb_printf(o, "%s{\"service\":", i ? "," : "");
			sb_json_str(o, sname);
			sb_printf(o, ",\"proto\":\"%s\",\"client\":\"%s\",\"vip\":\"%s\","
				  "\"backend\":\"%s\",\"core\":%u,\"idle_ms\":%u}",
				  sl_proto_name(f[i].key.proto), cs, vs, bs, f[i].core, f[i].idle_ms);
		} else {
			sb_printf(o, "%-16s %-6s %-46s %-46s %-40s %4u %8u\n", sname,
				  sl_proto_name(f[i].key.proto), cs, vs, bs, f[i].core, f[i].idle_ms);
		}
	}
	if (cmd->json)
		sb_printf(o, "],\"shown\":%d,\"limit\":%d}\n", n, FLOWS_SHOWN);
	free(f);
	return 0;
}

static int
show_health(struct sl_daemon *d, const struct sl_cmd *cmd, struct sbuf *o)
{
	size_t n = d->hc ? sl_hc_status(d->hc, NULL, 0) : 0, i;
	struct sl_hc_status *st = n ? calloc(n, sizeof(*st)) : NULL;
	uint64_t now = sl_now_ms();
	int first = 1;

	if (cmd->has_name && !sl_config_service(&d->cfg, cmd->name)) {
		sb_printf(o, "error: unknown service '%s'\n", cmd->name);
		free(st);
		return -1;
	}
	if (n && !st) {
		sb_printf(o, "error: out of memory\n");
		return -1;
	}
	if (n)
		n = sl_hc_status(d->hc, st, n);
	if (cmd->json)
		sb_printf(o, "{\"health\":[");
	else
		sb_printf(o, "%-16s %-40s %-5s %-6s %6s %8s %8s %8s %10s %s\n", "SERVICE", "BACKEND",
			  "CHECK", "HEALTH", "STREAK", "CHECKS", "FAILED", "CHANGES", "SINCE_S", "LAST");
	for (i = 0; i < n; i++) {
		char ab[80];
		unsigned long long since = st[i].last_change_ms ? (now - st[i].last_change_ms) / 1000 : 0;

		if (cmd->has_name && strcmp(cmd->name, st[i].svc))
			continue;
		sl_addr_port_format(&st[i].addr, st[i].port, ab, sizeof(ab));
		if (cmd->json) {
			sb_printf(o, "%s{\"service\":", first ? "" : ",");
			sb_json_str(o, st[i].svc);
			sb_printf(o, ",\"backend\":\"%s\",\"check\":\"%s\",\"health\":\"%s\",\"streak\":%u,"
				  "\"checks\":%llu,\"failures\":%llu,\"changes\":%llu,"
				  "\"since_change_s\":%llu,\"last_ms\":%u,\"last\":",
				  ab, sl_check_name(st[i].type), sl_health_name(st[i].health), st[i].streak,
				  (unsigned long long)st[i].checks, (unsigned long long)st[i].failures,
				  (unsigned long long)st[i].changes, since, st[i].last_ms);
			sb_json_str(o, st[i].last_reason);
			sb_printf(o, "}");
		} else {
			sb_printf(o, "%-16s %-40s %-5s %-6s %6u %8llu %8llu %8llu %10llu %s\n", st[i].svc, ab,
				  sl_check_name(st[i].type), sl_health_name(st[i].health), st[i].streak,
				  (unsigned long long)st[i].checks, (unsigned long long)st[i].failures,
				  (unsigned long long)st[i].changes, since, st[i].last_reason);
		}
		first = 0;
	}
	if (cmd->json)
		sb_printf(o, "]}\n");
	free(st);
	return 0;
}

static void
show_sinks(struct sl_daemon *d, int json, struct sbuf *o)
{
	struct sl_sink_status st[SL_MAX_SINKS];
	int n = d->sinks ? sl_sinks_status(d->sinks, st, SL_MAX_SINKS) : 0, k;
	uint64_t now = sl_now_ms();
	uint32_t i;

	if (json)
		sb_printf(o, "{\"sinks\":[");
	else
		sb_printf(o, "%-16s %-12s %-8s %8s %8s %8s %7s %10s %s\n", "NAME", "TYPE", "INTERVAL",
			  "SENT", "FAILED", "DROPPED", "BACKLOG", "LAST_OK_S", "TARGET / LAST ERROR");
	for (i = 0; i < d->cfg.n_sinks; i++) {
		const struct sl_sink_cfg *s = &d->cfg.sinks[i];
		struct sl_sink_status z, *x = &z;
		char iv[16];

		memset(&z, 0, sizeof(z));
		for (k = 0; k < n; k++)
			if (!strcmp(st[k].name, s->name))
				x = &st[k];
		sl_duration_format(s->interval_ms, iv, sizeof(iv));
		if (json) {
			sb_printf(o, "%s{\"name\":", i ? "," : "");
			sb_json_str(o, s->name);
			sb_printf(o, ",\"type\":\"%s\",\"interval_ms\":%u,\"target\":",
				  sl_sink_type_name(s->type), s->interval_ms);
			sb_json_str(o, s->target);
			sb_printf(o, ",\"sent\":%llu,\"failed\":%llu,\"dropped\":%llu,\"backlog\":%u,"
				  "\"last_success_ms_ago\":%lld,\"last_error_ms_ago\":%lld,\"last_error\":",
				  (unsigned long long)x->sent, (unsigned long long)x->failed,
				  (unsigned long long)x->dropped, x->backlog,
				  x->last_success_ms ? (long long)(now - x->last_success_ms) : -1LL,
				  x->last_error_ms ? (long long)(now - x->last_error_ms) : -1LL);
			sb_json_str(o, x->last_error);
			sb_printf(o, "}");
		} else {
			char ok[24];

			if (x->last_success_ms)
				snprintf(ok, sizeof(ok), "%llu",
					 (unsigned long long)((now - x->last_success_ms) / 1000));
			else
				snprintf(ok, sizeof(ok), "never");
			sb_printf(o, "%-16s %-12s %-8s %8llu %8llu %8llu %7u %10s %s%s%s\n", s->name,
				  sl_sink_type_name(s->type), iv, (unsigned long long)x->sent,
				  (unsigned long long)x->failed, (unsigned long long)x->dropped, x->backlog,
				  ok, s->target, x->last_error[0] ? " / " : "", x->last_error);
		}
	}
	if (json)
		sb_printf(o, "]}\n");
}

static void
show_certs(struct sl_daemon *d, int json, struct sbuf *o)
{
	uint32_t i;

	if (json)
		sb_printf(o, "{\"certs\":[");
	else
		sb_printf(o, "%-16s %-40s %s\n", "NAME", "CHAIN", "KEY");
	for (i = 0; i < d->cfg.n_certs; i++) {
		const struct sl_cert_cfg *c = &d->cfg.certs[i];

		if (json) {
			sb_printf(o, "%s{\"name\":", i ? "," : "");
			sb_json_str(o, c->name);
			sb_printf(o, ",\"chain\":");
			sb_json_str(o, c->chain);
			sb_printf(o, ",\"key\":");
			sb_json_str(o, c->key);
			sb_printf(o, "}");
		} else {
			sb_printf(o, "%-16s %-40s %s\n", c->name, c->chain, c->key);
		}
	}
	if (json)
		sb_printf(o, "]}\n");
}

static void
show_config(struct sl_daemon *d, int json, struct sbuf *o)
{
	size_t len;
	char *text = sl_config_save(&d->cfg, &len);

	if (!text) {
		sb_printf(o, "error: out of memory\n");
		return;
	}
	if (json) {
		sb_printf(o, "{\"config\":");
		sb_json_str(o, text);
		sb_printf(o, "}\n");
	} else {
		sb_put(o, text, len);
	}
	free(text);
}

/* ---- metrics (Prometheus text format 0.0.4) ------------------------------------- */

#define M_HEAD(o, name, type, help) \
	sb_printf(o, "# HELP " name " " help "\n# TYPE " name " " type "\n")

static void
metrics(void *arg, struct sbuf *o)
{
	struct sl_daemon *d = arg;
	struct sl_ctl_stats cs = {0};
	int have = read_stats(d) == 0;
	uint32_t c, r, i, k;

	if (d->ctl)
		sl_ctl_get_stats(d->ctl, &cs);
	M_HEAD(o, "sluice_config_generation", "gauge", "Configuration generation in force.");
	sb_printf(o, "sluice_config_generation %u\n", d->gen);
	M_HEAD(o, "sluice_config_changes_total", "counter", "Changes applied through the control socket.");
	sb_printf(o, "sluice_config_changes_total %llu\n", (unsigned long long)d->mutations);
	M_HEAD(o, "sluice_config_refused_total", "counter", "Commands refused.");
	sb_printf(o, "sluice_config_refused_total %llu\n", (unsigned long long)d->refused);
	M_HEAD(o, "sluice_reloads_total", "counter", "Reloads of the configuration file, by result.");
	sb_printf(o, "sluice_reloads_total{result=\"ok\"} %llu\n", (unsigned long long)d->reloads);
	sb_printf(o, "sluice_reloads_total{result=\"refused\"} %llu\n",
		  (unsigned long long)d->reloads_refused);
	M_HEAD(o, "sluice_health_changes_total", "counter", "Backend health state changes.");
	sb_printf(o, "sluice_health_changes_total %llu\n", (unsigned long long)d->health_changes);
	M_HEAD(o, "sluice_control_clients", "gauge", "Control socket clients connected.");
	sb_printf(o, "sluice_control_clients %u\n", cs.clients);
	if (!have)
		return;

#define CORE_METRIC(field, name, type, help)                                               \
	M_HEAD(o, name, type, help);                                                        \
	for (c = 0; c < d->stats->n_cores && c < SL_MAX_CORES; c++)                         \
		sb_printf(o, name "{core=\"%u\"} %llu\n", c,                                  \
			  (unsigned long long)d->stats->core[c].field);
	CORE_METRIC(rx_pkts, "sluice_rx_packets_total", "counter", "Packets received.")
	CORE_METRIC(rx_bytes, "sluice_rx_bytes_total", "counter", "Bytes received.")
	CORE_METRIC(tx_pkts, "sluice_tx_packets_total", "counter", "Packets sent.")
	CORE_METRIC(tx_bytes, "sluice_tx_bytes_total", "counter", "Bytes sent.")
	CORE_METRIC(to_host_pkts, "sluice_to_host_packets_total", "counter",
		    "Packets handed to the kernel (ARP, ND, the host's own traffic).")
	CORE_METRIC(flow_hits, "sluice_flow_hits_total", "counter", "Packets of known flows.")
	CORE_METRIC(flow_new, "sluice_flows_new_total", "counter", "Flows created.")
	CORE_METRIC(flow_expired, "sluice_flows_expired_total", "counter", "Flows expired idle.")
	CORE_METRIC(flow_evicted, "sluice_flows_evicted_total", "counter",
		    "Flows evicted from a full table.")
	CORE_METRIC(flow_rescheduled, "sluice_flows_rescheduled_total", "counter",
		    "Flows moved off a backend that left.")
	CORE_METRIC(flows_active, "sluice_flows_active", "gauge", "Flows in the table.")
	CORE_METRIC(handoff_pkts, "sluice_handoff_packets_total", "counter",
		    "NAT replies passed to the worker that owns their flow (DPDK).")
#undef CORE_METRIC
	M_HEAD(o, "sluice_drops_total", "counter", "Packets dropped, by reason.");
	for (c = 0; c < d->stats->n_cores && c < SL_MAX_CORES; c++)
		for (r = 1; r < SL_DROP_MAX; r++)
			sb_printf(o, "sluice_drops_total{core=\"%u\",reason=\"%s\"} %llu\n", c,
				  drop_labels[r], (unsigned long long)d->stats->core[c].drops[r]);

	{
		static const struct {
			const char *name, *help;
			size_t off;
		} sm[] = {
			{"sluice_service_packets_total", "Packets to a service.",
			 offsetof(struct sl_svc_counters, pkts)},
			{"sluice_service_bytes_total", "Bytes to a service.",
			 offsetof(struct sl_svc_counters, bytes)},
			{"sluice_service_new_flows_total", "New flows of a service.",
			 offsetof(struct sl_svc_counters, new_flows)},
			{"sluice_service_no_backend_total", "New flows that found no eligible backend.",
			 offsetof(struct sl_svc_counters, no_backend)},
		};

		for (r = 0; r < SL_ARRAY_SIZE(sm); r++) {
			sb_printf(o, "# HELP %s %s\n# TYPE %s counter\n", sm[r].name, sm[r].help,
				  sm[r].name);
			for (i = 0; i < d->cfg.n_services; i++) {
				struct sl_svc_counters sc;
				uint64_t v;

				svc_counters(d, have,
					     (uint32_t)sl_ids_service(&d->ids, d->cfg.services[i].name), &sc);
				memcpy(&v, (const char *)&sc + sm[r].off, sizeof(v));
				sb_printf(o, "%s{service=\"%s\"} %llu\n", sm[r].name,
					  d->cfg.services[i].name, (unsigned long long)v);
			}
		}
	}

#define BE_LOOP(body)                                                                      \
	for (i = 0; i < d->cfg.n_services; i++) {                                          \
		const struct sl_service_cfg *s = &d->cfg.services[i];                       \
		int sid = sl_ids_service(&d->ids, s->name);                                 \
		for (k = 0; k < s->n_backends; k++) {                                       \
			const struct sl_backend_cfg *b = &s->backends[k];                   \
			struct sl_backend_counters bc;                                      \
			char ab[80];                                                        \
			be_counters(d, have, sid < 0 ? -1 :                                 \
				    sl_ids_backend(&d->ids, (uint32_t)sid, &b->addr, b->port), &bc); \
			sl_addr_port_format(&b->addr, b->port, ab, sizeof(ab));             \
			body                                                                \
		}                                                                           \
	}
	M_HEAD(o, "sluice_backend_packets_total", "counter", "Packets sent to a backend.");
	BE_LOOP(sb_printf(o, "sluice_backend_packets_total{service=\"%s\",backend=\"%s\"} %llu\n",
			  s->name, ab, (unsigned long long)bc.pkts);)
	M_HEAD(o, "sluice_backend_bytes_total", "counter", "Bytes sent to a backend.");
	BE_LOOP(sb_printf(o, "sluice_backend_bytes_total{service=\"%s\",backend=\"%s\"} %llu\n",
			  s->name, ab, (unsigned long long)bc.bytes);)
	M_HEAD(o, "sluice_backend_new_flows_total", "counter", "New flows given to a backend.");
	BE_LOOP(sb_printf(o, "sluice_backend_new_flows_total{service=\"%s\",backend=\"%s\"} %llu\n",
			  s->name, ab, (unsigned long long)bc.new_flows);)
	M_HEAD(o, "sluice_backend_up", "gauge", "1 when the backend's health checks pass.");
	BE_LOOP(sb_printf(o, "sluice_backend_up{service=\"%s\",backend=\"%s\"} %d\n", s->name, ab,
			  b->health == SL_HEALTH_UP);)
	M_HEAD(o, "sluice_backend_weight", "gauge", "The backend's weight.");
	BE_LOOP(sb_printf(o, "sluice_backend_weight{service=\"%s\",backend=\"%s\"} %u\n", s->name, ab,
			  b->weight);)
	M_HEAD(o, "sluice_backend_state", "gauge", "The operator's state of the backend (1 for the one it is in).");
	BE_LOOP(for (r = 0; r < SL_BE_STATE_MAX; r++)
			sb_printf(o, "sluice_backend_state{service=\"%s\",backend=\"%s\",state=\"%s\"} %d\n",
				  s->name, ab, sl_state_name(r), b->state == r);)
#undef BE_LOOP

	M_HEAD(o, "sluice_acl_packets_total", "counter", "Packets decided by a firewall rule.");
	for (i = 0; i < d->cfg.n_acl && i < SL_MAX_ACL_RULES; i++)
		sb_printf(o, "sluice_acl_packets_total{rule=\"%u\",action=\"%s\"} %llu\n",
			  d->cfg.acl[i].priority, sl_action_name(d->cfg.acl[i].action),
			  (unsigned long long)d->stats->acl[i].pkts);
	sb_printf(o, "sluice_acl_packets_total{rule=\"default\",action=\"%s\"} %llu\n",
		  sl_action_name(d->cfg.g.acl_default), (unsigned long long)d->stats->acl_default.pkts);
}

void
sl_daemon_metrics(struct sl_daemon *d, struct sbuf *out)
{
	metrics(d, out);
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
		show_config(d, 0, out);
		return;
	case SL_CMD_SHOW: {
		size_t before = out->len;

		switch (cmd.show) {
		case SL_SHOW_SERVICES: show_services(d, cmd.json, out); break;
		case SL_SHOW_BACKENDS: show_backends(d, &cmd, out); break;
		case SL_SHOW_ACL: show_acl(d, cmd.json, out); break;
		case SL_SHOW_STATS: show_stats(d, cmd.json, out); break;
		case SL_SHOW_FLOWS: show_flows(d, &cmd, out); break;
		case SL_SHOW_HEALTH: show_health(d, &cmd, out); break;
		case SL_SHOW_SINKS: show_sinks(d, cmd.json, out); break;
		case SL_SHOW_CERTS: show_certs(d, cmd.json, out); break;
		default: show_config(d, cmd.json, out); break;
		}
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
 * every few seconds, and hand the engine a new snapshot when one did. */
#define NEIGH_REFRESH_MS 2000

static void
on_neigh(struct sl_timer *t)
{
	struct sl_daemon *d = (struct sl_daemon *)((char *)t - offsetof(struct sl_daemon, neigh));
	int changed = 0;
	uint32_t i;

	if (d->snap && d->snap->max_backend_id) {
		/* resolve into a copy of the backends, compare with the snapshot's */
		struct sl_snapshot tmp = {.max_backend_id = d->snap->max_backend_id};

		tmp.backends = malloc(tmp.max_backend_id * sizeof(*tmp.backends));
		if (tmp.backends) {
			memcpy(tmp.backends, d->snap->backends,
			       tmp.max_backend_id * sizeof(*tmp.backends));
			sl_neigh_fill(&tmp);
			for (i = 0; i < tmp.max_backend_id && !changed; i++)
				changed = memcmp(tmp.backends[i].mac, d->snap->backends[i].mac, 6) ||
					  tmp.backends[i].ifindex != d->snap->backends[i].ifindex;
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
	sl_timer_at(d->loop, &d->neigh, sl_now_ms() + NEIGH_REFRESH_MS);
}

static void metrics(void *arg, struct sbuf *o);

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

		metrics(d, &b);
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
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
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
		d->http = sl_http_metrics_new(d->loop, o->metrics_listen, metrics, d, msg, sizeof(msg));
		if (!d->http) {
			sl_err(err, errlen, "%s", msg);
			goto fail;
		}
	}
	d->neigh.on = on_neigh;
	sl_timer_at(d->loop, &d->neigh, sl_now_ms() + NEIGH_REFRESH_MS);
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

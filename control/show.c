/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show.c - the `show` commands (text tables, or one JSON object with
 * `json`) and `save`, read from the daemon's configuration and the
 * engine's counters.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_server.h"
#include "daemon_int.h"
#include "health.h"
#include "sinks.h"

/* ---- show ----------------------------------------------------------------------------- */

const char *const sl_drop_labels[] = {
#define X(n, l) l,
	SL_DROP_REASONS(X)
#undef X
};

void
sl_daemon_svc_counters(struct sl_daemon *d, int have, uint32_t id, struct sl_svc_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!have || id >= SL_MAX_SERVICES)
		return;
	out->pkts = d->stats->svc[id].pkts - d->base_svc[id].pkts;
	out->bytes = d->stats->svc[id].bytes - d->base_svc[id].bytes;
	out->new_flows = d->stats->svc[id].new_flows - d->base_svc[id].new_flows;
	out->no_backend = d->stats->svc[id].no_backend - d->base_svc[id].no_backend;
}

void
sl_daemon_be_counters(struct sl_daemon *d, int have, int id, struct sl_backend_counters *out)
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
	int have = sl_daemon_read_stats(d) == 0;
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
		sl_daemon_svc_counters(d, have, (uint32_t)sl_ids_service(&d->ids, s->name), &c);
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
	int have = sl_daemon_read_stats(d) == 0, first = 1;
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

			sl_daemon_be_counters(d, have, id, &c);
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
	int have = sl_daemon_read_stats(d) == 0;
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
	if (sl_daemon_read_stats(d) < 0) {
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
			sb_printf(o, "%s\"%s\":%llu", r > 1 ? "," : "", sl_drop_labels[r],
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
			sb_printf(o, "drop %-28s %llu\n", sl_drop_labels[r],
				  (unsigned long long)sum.drops[r]);
	sb_printf(o, "control: %llu changes, %llu refused, %llu reloads (%llu refused), "
		  "%llu health changes, %u clients\n",
		  (unsigned long long)d->mutations, (unsigned long long)d->refused,
		  (unsigned long long)d->reloads, (unsigned long long)d->reloads_refused,
		  (unsigned long long)d->health_changes, cs.clients);
}

/* Whether a flow an engine listed belongs to the service its id names now:
 * an id freed by a service's removal may be another's since, while the
 * flow tables keep the old service's flows until they idle out (a packet
 * of one would be scheduled anew). Those are not listed, under either
 * name. */
static int
flow_is_current(const struct sl_daemon *d, const struct sl_flow_info *f)
{
	const struct sl_service_cfg *s;

	if (f->svc_id >= SL_MAX_SERVICES || !d->ids.svc_name[f->svc_id][0])
		return 0;
	s = sl_config_service(&d->cfg, d->ids.svc_name[f->svc_id]);
	if (!s || s->vip.family != f->key.family || s->proto != f->key.proto ||
	    s->port != ntohs(f->key.dport_be))
		return 0;
	return f->key.family == SL_AF_INET ? s->vip.a.w[0] == f->key.dst.w[0]
					   : !memcmp(s->vip.a.b, f->key.dst.b, 16);
}

static int
show_flows(struct sl_daemon *d, const struct sl_cmd *cmd, struct sbuf *o)
{
	struct sl_flow_info *f;
	int sid = -1, n, i, k;

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
	for (i = k = 0; i < n; i++)
		if (flow_is_current(d, &f[i]))
			f[k++] = f[i];
	n = k;
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


/* The ports (DPDK) or interfaces (XDP) as their drivers count them. */
static void
show_ports(struct sl_daemon *d, int json, struct sbuf *o)
{
	uint32_t i;

	if (sl_daemon_read_stats(d) < 0) {
		sb_printf(o, "error: the engine gives no counters\n");
		return;
	}
	if (json)
		sb_printf(o, "{\"ports\":[");
	else
		sb_printf(o, "%-20s %-5s %7s %14s %14s %14s %14s %10s %10s %10s\n", "PORT", "LINK",
			  "MBPS", "RX_PACKETS", "RX_BYTES", "TX_PACKETS", "TX_BYTES", "RX_MISSED",
			  "ERRORS", "CHANGES");
	for (i = 0; i < d->stats->n_ports && i < SL_MAX_PORTS; i++) {
		const struct sl_port_stats *p = &d->stats->port[i];

		if (json) {
			sb_printf(o, "%s{\"name\":", i ? "," : "");
			sb_json_str(o, p->name);
			sb_printf(o, ",\"link\":\"%s\",\"speed_mbps\":%u,\"full_duplex\":%s,"
				  "\"exception\":%s,\"link_changes\":%llu,\"rx_packets\":%llu,"
				  "\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu,"
				  "\"rx_missed\":%llu,\"rx_errors\":%llu,\"tx_errors\":%llu,"
				  "\"rx_nombuf\":%llu}", p->link_up ? "up" : "down", p->speed_mbps,
				  p->full_duplex ? "true" : "false", p->is_exception ? "true" : "false",
				  (unsigned long long)p->link_changes, (unsigned long long)p->rx_pkts,
				  (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_pkts,
				  (unsigned long long)p->tx_bytes, (unsigned long long)p->rx_missed,
				  (unsigned long long)p->rx_errors, (unsigned long long)p->tx_errors,
				  (unsigned long long)p->rx_nombuf);
		} else {
			char name[40];

			snprintf(name, sizeof(name), "%s%s", p->name, p->is_exception ? " (host)" : "");
			sb_printf(o, "%-20s %-5s %7u %14llu %14llu %14llu %14llu %10llu %10llu %10llu\n",
				  name, p->link_up ? "up" : "down", p->speed_mbps,
				  (unsigned long long)p->rx_pkts, (unsigned long long)p->rx_bytes,
				  (unsigned long long)p->tx_pkts, (unsigned long long)p->tx_bytes,
				  (unsigned long long)(p->rx_missed + p->rx_nombuf),
				  (unsigned long long)(p->rx_errors + p->tx_errors),
				  (unsigned long long)p->link_changes);
		}
	}
	if (json)
		sb_printf(o, "]}\n");
}

void
sl_show(struct sl_daemon *d, const struct sl_cmd *cmd, struct sbuf *o)
{
	if (cmd->verb == SL_CMD_SAVE) {
		show_config(d, 0, o);
		return;
	}
	switch (cmd->show) {
	case SL_SHOW_SERVICES: show_services(d, cmd->json, o); break;
	case SL_SHOW_BACKENDS: show_backends(d, cmd, o); break;
	case SL_SHOW_ACL: show_acl(d, cmd->json, o); break;
	case SL_SHOW_STATS: show_stats(d, cmd->json, o); break;
	case SL_SHOW_FLOWS: show_flows(d, cmd, o); break;
	case SL_SHOW_HEALTH: show_health(d, cmd, o); break;
	case SL_SHOW_SINKS: show_sinks(d, cmd->json, o); break;
	case SL_SHOW_CERTS: show_certs(d, cmd->json, o); break;
	case SL_SHOW_PORTS: show_ports(d, cmd->json, o); break;
	default: show_config(d, cmd->json, o); break;
	}
}

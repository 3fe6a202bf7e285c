/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.c - the daemon's figures in the Prometheus text format (0.0.4):
 * what GET /metrics serves and what the sinks push.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "ctl_server.h"

/* ---- metrics (Prometheus text format 0.0.4) ------------------------------------- */

#define M_HEAD(o, name, type, help) \
	sb_printf(o, "# HELP " name " " help "\n# TYPE " name " " type "\n")

void
sl_daemon_metrics_cb(void *arg, struct sbuf *o)
{
	struct sl_daemon *d = arg;
	struct sl_ctl_stats cs = {0};
	int have = sl_daemon_read_stats(d) == 0;
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
				  sl_drop_labels[r], (unsigned long long)d->stats->core[c].drops[r]);

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

				sl_daemon_svc_counters(d, have,
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
			sl_daemon_be_counters(d, have, sid < 0 ? -1 :                                 \
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

	{
		static const struct {
			const char *name, *type, *help;
			size_t off;
		} pm[] = {
			{"sluice_port_rx_packets_total", "counter", "Packets the port received.",
			 offsetof(struct sl_port_stats, rx_pkts)},
			{"sluice_port_rx_bytes_total", "counter", "Bytes the port received.",
			 offsetof(struct sl_port_stats, rx_bytes)},
			{"sluice_port_tx_packets_total", "counter", "Packets the port sent.",
			 offsetof(struct sl_port_stats, tx_pkts)},
			{"sluice_port_tx_bytes_total", "counter", "Bytes the port sent.",
			 offsetof(struct sl_port_stats, tx_bytes)},
			{"sluice_port_rx_missed_total", "counter",
			 "Packets the port dropped for want of room to receive.",
			 offsetof(struct sl_port_stats, rx_missed)},
			{"sluice_port_rx_errors_total", "counter", "Receive errors.",
			 offsetof(struct sl_port_stats, rx_errors)},
			{"sluice_port_tx_errors_total", "counter", "Transmit errors.",
			 offsetof(struct sl_port_stats, tx_errors)},
			{"sluice_port_rx_nombuf_total", "counter",
			 "Packets lost for want of a buffer to receive into.",
			 offsetof(struct sl_port_stats, rx_nombuf)},
			{"sluice_port_link_changes_total", "counter", "Link up/down transitions.",
			 offsetof(struct sl_port_stats, link_changes)},
		};

		for (r = 0; r < SL_ARRAY_SIZE(pm); r++) {
			sb_printf(o, "# HELP %s %s\n# TYPE %s %s\n", pm[r].name, pm[r].help, pm[r].name,
				  pm[r].type);
			for (i = 0; i < d->stats->n_ports && i < SL_MAX_PORTS; i++) {
				uint64_t v;

				memcpy(&v, (const char *)&d->stats->port[i] + pm[r].off, sizeof(v));
				sb_printf(o, "%s{port=\"%s\"} %llu\n", pm[r].name, d->stats->port[i].name,
					  (unsigned long long)v);
			}
		}
		M_HEAD(o, "sluice_port_up", "gauge", "1 when the port's link is up.");
		for (i = 0; i < d->stats->n_ports && i < SL_MAX_PORTS; i++)
			sb_printf(o, "sluice_port_up{port=\"%s\"} %d\n", d->stats->port[i].name,
				  d->stats->port[i].link_up);
	}

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
	sl_daemon_metrics_cb(d, out);
}


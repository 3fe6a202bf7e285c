/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config-t.h - the config model: what an operator configures, as the command
 * language parses it. Types only.
 *
 * This is the control plane's view (names, host-order ports, states). The
 * engines never see it: control/ compiles it into the tables of maps-t.h.
 * Functions over it are in config.h.
 */
#ifndef SLUICE_CONFIG_T_H
#define SLUICE_CONFIG_T_H

#include "base-t.h"
#include "limits-t.h"
#include "maps-t.h"

/* An address with its family. */
struct sl_ipaddr {
	struct sl_addr a;   /* network order */
	uint8_t family;     /* enum sl_family */
};

/* A prefix; family SL_AF_NONE with len 0 is "any". */
struct sl_prefix {
	struct sl_addr a;
	uint8_t family;
	uint8_t len;        /* 0..32 or 0..128 */
};

enum sl_backend_state {
	SL_BE_READY = 0, /* takes new flows */
	SL_BE_DRAIN = 1, /* keeps its flows, takes no new ones */
	SL_BE_MAINT = 2, /* out: no new flows, its flows rescheduled */
	SL_BE_STATE_MAX
};

enum sl_health {
	SL_HEALTH_UP = 0,   /* also the state when no check is configured */
	SL_HEALTH_DOWN = 1,
	SL_HEALTH_MAX
};

enum sl_check_type {
	SL_CHECK_NONE = 0,
	SL_CHECK_TCP = 1,  /* TCP connect */
	SL_CHECK_HTTP = 2, /* HTTP GET path, expect status */
	SL_CHECK_TLS = 3,  /* TLS handshake */
	SL_CHECK_MAX
};

/* Health check of a service's backends, HAProxy semantics. */
struct sl_check {
	uint8_t type;              /* enum sl_check_type */
	uint8_t rise;              /* consecutive successes to go up */
	uint8_t fall;              /* consecutive failures to go down */
	uint16_t expect_status;    /* http: expected status */
	uint32_t interval_ms;
	uint32_t timeout_ms;
	char path[SL_PATH_MAX];    /* http: request path */
};

struct sl_backend_cfg {
	struct sl_ipaddr addr;
	uint16_t port;             /* host order */
	uint16_t weight;           /* 0..SL_WEIGHT_MAX */
	uint8_t state;             /* enum sl_backend_state, operator's */
	uint8_t health;            /* enum sl_health, health checker's */
};

struct sl_service_cfg {
	char name[SL_NAME_MAX];
	struct sl_ipaddr vip;
	uint16_t port;             /* host order */
	uint8_t proto;             /* SL_IPPROTO_TCP or SL_IPPROTO_UDP */
	uint8_t sched;             /* enum sl_sched_kind */
	uint8_t mode;              /* enum sl_fwd_mode */
	uint8_t tunnel;            /* enum sl_tunnel_type */
	uint8_t all_down;          /* enum sl_all_down */
	uint16_t gue_port;         /* tunnel gue: UDP destination port */
	uint32_t maglev_size;      /* prime */
	struct sl_ipaddr snat;     /* nat: source address toward backends (family NONE: auto) */
	char cert[SL_NAME_MAX];    /* tls mode: certificate name */
	struct sl_check check;
	uint32_t n_backends;
	struct sl_backend_cfg *backends; /* n_backends, in the order added */
};

enum sl_acl_action {
	SL_ACL_ALLOW = 0,
	SL_ACL_DENY = 1,
	SL_ACL_ACTION_MAX
};

/* A firewall rule; rules match in ascending priority, first match wins. */
struct sl_acl_rule_cfg {
	uint32_t priority;         /* unique; the rule's name in commands */
	uint8_t action;            /* enum sl_acl_action */
	uint8_t proto;             /* enum sl_ipproto, 0 = any */
	uint8_t family;            /* SL_AF_NONE: both, from the prefixes otherwise */
	struct sl_prefix src, dst;
	uint16_t sport_lo, sport_hi; /* host order, inclusive */
	uint16_t dport_lo, dport_hi;
};

enum sl_sink_type {
	SL_SINK_PUSHGATEWAY = 0, /* Prometheus Pushgateway, PUT text 0.0.4 */
	SL_SINK_HTTP = 1,        /* HTTP(S) collector (SumoLogic HTTP source) */
	SL_SINK_STATSD = 2,      /* StatsD over UDP */
	SL_SINK_GRAPHITE = 3,    /* Graphite plaintext over TCP */
	SL_SINK_TYPE_MAX
};

enum sl_sink_format {
	SL_FMT_PROMETHEUS = 0,
	SL_FMT_GRAPHITE = 1,
	SL_FMT_CARBON2 = 2,
	SL_FMT_MAX
};

struct sl_sink_cfg {
	char name[SL_NAME_MAX];
	uint8_t type;              /* enum sl_sink_type */
	uint8_t format;            /* http: enum sl_sink_format */
	uint8_t gzip;              /* http: compress bodies */
	uint32_t interval_ms;
	char target[SL_URL_MAX];   /* URL (pushgateway, http) or HOST:PORT */
	char category[SL_NAME_MAX * 4]; /* http: X-Sumo-Category, may be empty */
	char dimensions[SL_NAME_MAX * 4]; /* http: X-Sumo-Dimensions (k=v,k=v), may be empty */
};

struct sl_cert_cfg {
	char name[SL_NAME_MAX];
	char chain[SL_PATH_MAX];   /* PEM certificate chain */
	char key[SL_PATH_MAX];     /* PEM private key */
};

/* Global settings. */
struct sl_globals {
	uint32_t flows_per_core;   /* flow table entries per core */
	uint32_t tcp_timeout_s;    /* idle established TCP */
	uint32_t tcp_fin_timeout_s;/* after FIN or RST */
	uint32_t udp_timeout_s;
	uint32_t other_timeout_s;  /* ICMP and others */
	uint8_t acl_default;       /* enum sl_acl_action */
};

/* The whole configuration. Owned by the control plane. */
struct sl_config {
	struct sl_globals g;
	uint32_t n_services;
	struct sl_service_cfg *services;
	uint32_t n_acl;
	struct sl_acl_rule_cfg *acl;  /* sorted by priority */
	uint32_t n_sinks;
	struct sl_sink_cfg *sinks;
	uint32_t n_certs;
	struct sl_cert_cfg *certs;
};

#endif /* SLUICE_CONFIG_T_H */

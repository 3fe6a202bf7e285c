/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.h - what the control plane asks of a data plane, and the snapshot
 * it hands over.
 *
 * The daemon never knows which engine runs: DPDK, XDP, or in tests a
 * recording engine. It compiles the config model into a struct
 * sl_snapshot (the engine-facing tables of sluice/maps-t.h, with stable
 * ids) and calls apply(); the engine publishes it whole, so that no packet
 * sees half a config, or refuses it and keeps the previous one.
 *
 * Ids are stable: a service or backend keeps its id across snapshots for as
 * long as it exists, so per-id counters in the engines stay meaningful. A
 * freed id may be reused; the daemon takes a baseline of its counters then.
 *
 * All calls come from the daemon's thread. apply() must not block for long
 * (it may wait for readers to pass a quiescent state).
 */
#ifndef SLUICE_ENGINE_H
#define SLUICE_ENGINE_H

#include <stddef.h>
#include <sluice/config-t.h>
#include <sluice/counters-t.h>
#include <sluice/flow-t.h>
#include <sluice/maps-t.h>

/* One service of a snapshot. */
struct sl_snap_svc {
	struct sl_svc_key key;        /* VIP, port, proto (network order) */
	struct sl_svc svc;            /* id, mode, sched, ... */
	uint8_t all_down;             /* enum sl_all_down */
	struct sl_sched_tbl *tbl;     /* owned by the snapshot; slots only up to size */
	const char *name;             /* points into the snapshot */
};

struct sl_snapshot {
	uint32_t gen;                 /* increases by one per applied snapshot */
	struct sl_globals g;
	uint32_t n_svc;
	struct sl_snap_svc *svc;      /* in config order */
	uint32_t max_svc_id;          /* ids are < max_svc_id */
	uint32_t max_backend_id;      /* ids are < max_backend_id */
	struct sl_backend *backends;  /* indexed by backend id; unused ids zeroed */
	uint32_t n_acl;
	struct sl_acl_rule_cfg *acl;  /* sorted by priority: the order to match in */
	uint8_t acl_default;          /* enum sl_acl_action */
};

/* Counters as the daemon reads them: per core, and summed over cores for
 * services, backends and ACL rules (indexed by id / rule position). */
/* One port (DPDK) or interface (XDP), as its driver counts it. */
#define SL_MAX_PORTS 16
struct sl_port_stats {
	char name[32];
	uint8_t link_up;
	uint8_t is_exception;         /* DPDK: the way to the kernel (net_tap) */
	uint8_t full_duplex;
	uint32_t speed_mbps;          /* 0: unknown */
	uint64_t link_changes;        /* up/down transitions seen by the engine */
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t rx_missed;           /* dropped by the NIC: no room to receive */
	uint64_t rx_errors, tx_errors;
	uint64_t rx_nombuf;           /* DPDK: no mbuf to receive into */
};

struct sl_stats {
	uint32_t n_cores;
	uint32_t n_ports;
	struct sl_port_stats port[SL_MAX_PORTS];
	struct sl_core_counters core[SL_MAX_CORES];
	struct sl_svc_counters svc[SL_MAX_SERVICES];
	struct sl_backend_counters backend[SL_MAX_BACKENDS];
	struct sl_acl_counters acl[SL_MAX_ACL_RULES];
	struct sl_acl_counters acl_default;
};

/* One flow, for `show flows`. */
struct sl_flow_info {
	struct sl_flow_key key;
	uint16_t svc_id;
	uint16_t backend_id;
	uint16_t core;
	uint8_t flags;                /* SL_FLOW_F_* */
	uint32_t idle_ms;
};

struct sl_engine;

struct sl_engine_ops {
	const char *name;             /* "dpdk", "xdp", ... */
	/* Publish a snapshot whole. 0, or -1 with a one-line reason (the
	 * previous snapshot stays in force). */
	int (*apply)(struct sl_engine *e, const struct sl_snapshot *s, char *err, size_t errlen);
	/* Read counters without stopping the workers. */
	int (*stats)(struct sl_engine *e, struct sl_stats *out);
	/* Up to max flows (of service svc_id, or all if svc_id < 0). Returns
	 * the number written, or -1. */
	int (*flows)(struct sl_engine *e, int svc_id, struct sl_flow_info *out, size_t max);
	/* Stop forwarding, detach from NICs, free everything. */
	void (*destroy)(struct sl_engine *e);
	/* Optional, about once a second on the daemon's thread: look at the
	 * links (a change is logged and counted in the port's stats). */
	void (*tick)(struct sl_engine *e);
};

struct sl_engine {
	const struct sl_engine_ops *ops;
	void *priv;
};

/* How an engine is made: sluiced picks one by name (--dataplane NAME). */
struct sl_engine_args {
	const char *iface;            /* --iface (xdp) */
	const char *xdp_mode;         /* --xdp-mode native|generic */
	int argc;                     /* what follows "--" (DPDK EAL arguments) */
	char **argv;
};

struct sl_engine_factory {
	const char *name;
	const char *summary;          /* one line for --help */
	struct sl_engine *(*create)(const struct sl_engine_args *a, char *err, size_t errlen);
};

/* sluiced's main, over the engines this binary was built with. */
int sl_main(int argc, char **argv, const struct sl_engine_factory *engines, size_t n_engines);

/* ---- snapshots (snapshot.c) ------------------------------------------------------ */

/* Stable id allocation across snapshots, owned by the daemon. */
struct sl_ids {
	char svc_name[SL_MAX_SERVICES][SL_NAME_MAX];     /* "" when free */
	struct {
		uint16_t svc_id;      /* owner service id + 1, 0 when free */
		uint16_t port;
		struct sl_ipaddr addr;
	} be[SL_MAX_BACKENDS];
	uint32_t reused_svc[SL_MAX_SERVICES];   /* bumped when an id is reused */
	uint32_t reused_be[SL_MAX_BACKENDS];
};

/*
 * Compile a config into a snapshot: assign stable ids (updating *ids),
 * translate to network order, compute eligibility (ready and healthy and
 * weight > 0 for new flows; ready or drain, and healthy, to keep flows) and
 * build every service's scheduling table. A service with `all-down
 * keep-last` and no eligible backend keeps the table it had in `prev` (may
 * be NULL), less the backends that are gone or in maintenance. Returns a
 * malloc'd snapshot, or NULL with err set (out of memory, too many ids).
 */
struct sl_snapshot *sl_snapshot_build(const struct sl_config *cfg, const struct sl_snapshot *prev,
				      struct sl_ids *ids, uint32_t gen, char *err, size_t errlen);
void sl_snapshot_free(struct sl_snapshot *s);

/* The id a backend has in *ids, or -1. */
int sl_ids_backend(const struct sl_ids *ids, uint32_t svc_id, const struct sl_ipaddr *addr,
		   uint16_t port);
int sl_ids_service(const struct sl_ids *ids, const char *name);

#endif /* SLUICE_ENGINE_H */

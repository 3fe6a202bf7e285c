/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_dpdk.h - the DPDK engine (see engine_dpdk.c).
 *
 *   sluiced --dataplane dpdk [OPTIONS] -- EAL_ARGS [-- ENGINE_OPTIONS]
 *
 * EAL_ARGS are DPDK's (-l 0,1 --vdev=net_af_packet0,iface=eth0 ...): the
 * daemon's thread is the main lcore and keeps running the control plane;
 * every other lcore is a worker. Every DPDK port gets one RX and one TX
 * queue per worker (RSS over them where the device has it). With several
 * workers, a NAT reply received by a worker that does not own its flow is
 * handed to the one that does (handoff.h). A net_tap port given last is
 * the exception path to the kernel.
 * ENGINE_OPTIONS:
 *   --gw-mac MAC     next hop for backends whose MAC the snapshot does not
 *                    give (this slice resolves no neighbours: ARP/ND)
 *   --local-ip ADDR  this node's IPv4 and/or IPv6 address (repeatable):
 *                    tunnel source, and NAT source when a service has no snat
 */
#ifndef SLUICE_ENGINE_DPDK_H
#define SLUICE_ENGINE_DPDK_H

#include "engine.h"

/* Runs rte_eal_init on a->argv, brings up the ports, launches the workers.
 * NULL with a one-line reason in err when EAL, ports or memory fail. The
 * EAL can be initialised once per process: so can this engine be made. */
struct sl_engine *sl_dpdk_engine_create(const struct sl_engine_args *a, char *err, size_t errlen);

/* The same engine over an EAL the caller initialised, on the ports that
 * exist now (tests make theirs with rte_eth_from_rings). a->argv holds
 * ENGINE_OPTIONS only. destroy() then leaves rte_eal_cleanup to the caller. */
struct sl_engine *sl_dpdk_engine_create_on_eal(const struct sl_engine_args *a, char *err,
					       size_t errlen);

/* For benchmarks: the same engine with one worker that no lcore runs, on
 * the caller's lcore: each sl_dpdk_engine_poll() call is one pass of its
 * loop (every port's queue once, the expiry sweep when due), so that one
 * thread can feed the ports and run the worker in turn. Its apply() does
 * not wait for the worker, which is quiescent between calls. Made on an
 * lcore's thread; sl_dpdk_engine_poll() does nothing to an engine made
 * otherwise. */
struct sl_engine *sl_dpdk_engine_create_polled(const struct sl_engine_args *a, char *err,
					       size_t errlen);
void sl_dpdk_engine_poll(struct sl_engine *e);

#endif /* SLUICE_ENGINE_DPDK_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring_port.h - what the in-process DPDK tests share: whether DPDK can run
 * here, the EAL started the tests' way, and a port made of rte_rings
 * (rte_eth_from_rings) through which a test feeds the engine frames and
 * takes what it sends.
 *
 * A plain --vdev=net_ring0 loops to itself (the engine would receive its
 * own output), so the port gets separate rings: queue q receives from
 * rx[q] and transmits to tx[q]. The ring PMD has no RSS: the test chooses
 * the queue, which is the worker whose queue it is.
 *
 * Single-threaded: the test's own thread (the main lcore) only.
 */
#ifndef SLUICE_TEST_RING_PORT_H
#define SLUICE_TEST_RING_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define RING_PORT_MAX_Q 8

struct ring_port {
	uint16_t port_id;
	uint16_t nq;
	struct rte_ring *rx[RING_PORT_MAX_Q]; /* the port receives from these: the test enqueues */
	struct rte_ring *tx[RING_PORT_MAX_Q]; /* the port transmits to these: the test dequeues */
	struct rte_mempool *mp;               /* the test's frames */
};

/* Root, hugetlbfs mounted and 64 free 2 MB pages: 1. Else 0, having said
 * on stderr what `what` (e.g. "the DPDK engine test") needs; the caller
 * then exits 77 (skip). */
int dpdk_test_can_run(const char *what);

/* rte_eal_init with --no-pci --in-memory, quiet EAL logs, and `lcores` as
 * --lcores takes it ("0,1": the main lcore and one worker; "0@0,1@1,2@1":
 * two workers sharing CPU 1). 0, or -1 having said why. */
int dpdk_test_eal_init(const char *prog, const char *lcores);

/* A port of `nq` RX and `nq` TX rings (1024 frames each) and a pool of
 * 4095 mbufs, all named from `name` (unique in the process). 0 or -1. */
int ring_port_create(struct ring_port *p, const char *name, uint16_t nq);
/* Free the rings and the pool (the engine must have closed the port). */
void ring_port_free(struct ring_port *p);

/* A copy of `frame` for RX queue q. 0, or -1 (no mbuf, ring full). */
int ring_port_inject(struct ring_port *p, uint16_t q, const uint8_t *frame, size_t len);
/* The next frame the engine sent on TX queue q, waiting up to timeout_s
 * seconds; NULL if none came. The caller frees it. */
struct rte_mbuf *ring_port_recv(struct ring_port *p, uint16_t q, double timeout_s);
/* Frames waiting on TX queue q. */
unsigned int ring_port_pending(const struct ring_port *p, uint16_t q);

/* CLOCK_MONOTONIC in seconds. */
double ring_port_now_s(void);

#endif

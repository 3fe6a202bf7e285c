/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_fixture.h - what the in-process DPDK engine tests share
 * (test_dpdk_engine.c, test_dpdk_nat.c): the engine on one port made of
 * two rte_rings (ring_port.h), one worker lcore (--lcores 0,1); the test
 * puts frames on the ring the port receives from and takes what the
 * engine sent off the ring the port transmits to.
 *
 * Snapshots are the daemon's own: a config made with sl_config_exec and
 * compiled with sl_snapshot_build; each backend is given the MAC
 * 02:00:00:00:00:ID+1, so that a frame's destination MAC says which
 * backend the engine chose. Clients sit behind the gateway --gw-mac
 * 02:99:00:00:00:fe; the engine's --local-ip is LOCAL4.
 *
 * The helpers fail the running cmocka test on any error.
 */
#ifndef SLUICE_TEST_ENGINE_FIXTURE_H
#define SLUICE_TEST_ENGINE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <sluice/parse.h>

#include "config.h"
#include "engine.h"
#include "ring_port.h"

#define LOCAL4 "192.0.2.1"

extern struct sl_engine *eng;
extern struct ring_port rp;
extern struct rte_ether_addr port_mac;   /* the ring port's */
extern struct sl_config cfg;             /* the config apply() compiles */
extern struct sl_ids ids;
extern struct sl_snapshot *prev;         /* the snapshot in force */
extern uint32_t gen;
extern struct sl_stats st;               /* as read_stats() left it */

/* cmocka group set-up and tear-down: the EAL, the ring port, the engine. */
int engine_fixture_setup(void **state);
int engine_fixture_teardown(void **state);

/* One config line into cfg. */
void exec(const char *line);
/* cfg emptied, with a 4096-flow table. */
void cfg_reset(void);
/* The MAC given to backend id. */
void be_mac(uint32_t id, uint8_t mac[6]);
/* cfg compiled and applied; prev is the new snapshot. */
void apply(void);
/* The id of a backend (IPv4 address) in the snapshot in force. */
int be_id(const char *addr);
const struct sl_backend *be_of(int id);

void inject(const uint8_t *frame, size_t len);
/* The next frame the engine sent (waits up to 3 s). The caller frees it. */
struct rte_mbuf *recv_one(void);
void read_stats(void);
/* Wait until the worker has received `n` packets in all and is done with
 * them: each one sent, dropped or handed to the host. */
void wait_rx(uint64_t n);
/* Which backend a frame went to, by its destination MAC. */
int backend_of(const struct rte_mbuf *m);
/* A TCP/IPv4 frame with 20 bytes of payload; its length. */
size_t tcp4(uint8_t *out, const char *src, const char *vip, uint16_t sport, uint16_t dport,
	    uint8_t flags);
/* One TCP packet of a flow through the engine: the backend it went to. */
int send_flow(const char *src, const char *vip, uint16_t sport, uint8_t flags);
/* A frame out of the engine against the expected bytes. */
void expect_frame(const struct rte_mbuf *m, const uint8_t *exp, size_t len);
/* Inject frame f and parse what the engine sends for it into *p (the
 * mbuf is freed: p holds the parsed key and offsets). */
void send_parsed(const uint8_t *f, size_t len, struct sl_pkt *p);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.c - bring up every DPDK port: one RX and one TX queue per worker
 * (RSS over them when there are several and the port can), the mbuf pool,
 * start; and take them down again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "handoff.h"
#include "sbuf.h"

static int
port_setup(struct dp_engine *e, struct dp_port *pt, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, nq = e->n_workers, nrx = DP_RX_DESC, ntx = DP_TX_DESC;
	int socket = rte_eth_dev_socket_id(pt->port_id), rc;
	char name[RTE_ETH_NAME_MAX_LEN] = "?";

	rte_eth_dev_get_name_by_port(pt->port_id, name);
	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(pt->port_id, &info);
	if (rc)
		return sl_err(err, errlen, "port %u (%s): cannot get its info: %s", pt->port_id, name,
			    rte_strerror(-rc));
	if (nq > info.max_rx_queues)
		nq = info.max_rx_queues;
	if (nq > info.max_tx_queues)
		nq = info.max_tx_queues;
	if (nq == 0)
		return sl_err(err, errlen, "port %u (%s) has no queue to give", pt->port_id, name);
	if (nq < e->n_workers && !pt->is_exception)
		fprintf(stderr, "sluiced: dpdk: port %u (%s) has %u queues for %u workers: "
			"workers beyond %u do not poll it\n", pt->port_id, name, nq, e->n_workers, nq);

	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			      info.flow_type_rss_offloads;

		if (hf) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
		} else {
			/* net_ring, net_memif: queue i is the peer's ring i;
			 * net_af_packet (qpairs=N): the kernel's fanout hash */
			fprintf(stderr, "sluiced: dpdk: port %u (%s) has no RSS: the device "
				"alone decides which of its %u queues a packet reaches\n",
				pt->port_id, name, nq);
		}
	}
	rc = rte_eth_dev_configure(pt->port_id, nq, nq, &conf);
	if (rc)
		return sl_err(err, errlen, "port %u (%s): cannot configure %u queues: %s", pt->port_id,
			    name, nq, rte_strerror(-rc));
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pt->port_id, &nrx, &ntx);
	if (rc)
		return sl_err(err, errlen, "port %u (%s): descriptors: %s", pt->port_id, name,
			    rte_strerror(-rc));
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pt->port_id, q, nrx, (unsigned int)socket, NULL, e->pool);
		if (rc)
			return sl_err(err, errlen, "port %u (%s): RX queue %u: %s", pt->port_id, name, q,
				    rte_strerror(-rc));
		rc = rte_eth_tx_queue_setup(pt->port_id, q, ntx, (unsigned int)socket, NULL);
		if (rc)
			return sl_err(err, errlen, "port %u (%s): TX queue %u: %s", pt->port_id, name, q,
				    rte_strerror(-rc));
	}
	rc = rte_eth_dev_start(pt->port_id);
	if (rc)
		return sl_err(err, errlen, "port %u (%s): cannot start: %s", pt->port_id, name,
			    rte_strerror(-rc));
	rte_eth_promiscuous_enable(pt->port_id); /* not every PMD can; not needed for DSR/NAT */
	rte_eth_macaddr_get(pt->port_id, &pt->mac);
	if (rte_eth_dev_get_mtu(pt->port_id, &pt->mtu))
		pt->mtu = RTE_ETHER_MTU;
	pt->nq = nq;
	return 0;
}

int
dp_ports_setup(struct dp_engine *e, char *err, size_t errlen)
{
	uint16_t pid, i;
	unsigned int nb_mbufs;
	char pool_name[RTE_MEMPOOL_NAMESIZE];

	e->n_ports = 0;
	e->exc_port = -1;
	RTE_ETH_FOREACH_DEV(pid) {
		if (e->n_ports == DP_MAX_PORTS)
			return sl_err(err, errlen, "more than %d DPDK ports", DP_MAX_PORTS);
		e->port[e->n_ports++].port_id = pid;
	}
	if (e->n_ports == 0)
		return sl_err(err, errlen, "no DPDK port: give one with --vdev=net_af_packet0,iface=IF "
			    "(or bind a NIC to vfio-pci)");
	if (e->n_ports >= 2) {
		struct rte_eth_dev_info info;
		struct dp_port *last = &e->port[e->n_ports - 1];

		if (!rte_eth_dev_info_get(last->port_id, &info) && info.driver_name &&
		    !strcmp(info.driver_name, "net_tap")) {
			last->is_exception = 1;
			e->exc_port = e->n_ports - 1;
		}
	}

	/* mbufs: every RX and TX ring full, plus each worker's bursts and cache,
	 * plus every hand-off ring full (handoff.h: one per worker when several) */
	nb_mbufs = (unsigned int)e->n_ports * e->n_workers * (DP_RX_DESC + DP_TX_DESC) +
		   e->n_workers * (4 * DP_BURST + 256) + 1024 +
		   (e->n_workers > 1 ? e->n_workers * DP_HANDOFF_RING : 0);
	if (nb_mbufs < 8191)
		nb_mbufs = 8191;
	snprintf(pool_name, sizeof(pool_name), "sl_mbuf_%d", (int)getpid());
	e->pool = rte_pktmbuf_pool_create(pool_name, nb_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!e->pool)
		return sl_err(err, errlen, "cannot create a pool of %u packet buffers: %s "
			    "(are enough 2 MB hugepages reserved? see deploy/install-deps.sh)",
			    nb_mbufs, rte_strerror(rte_errno));
	for (i = 0; i < e->n_ports; i++)
		if (port_setup(e, &e->port[i], err, errlen) < 0)
			return -1;
	return 0;
}

void
dp_ports_close(struct dp_engine *e)
{
	uint16_t i;

	for (i = 0; i < e->n_ports; i++) {
		rte_eth_dev_stop(e->port[i].port_id);
		rte_eth_dev_close(e->port[i].port_id);
	}
	e->n_ports = 0;
	if (e->pool) {
		rte_mempool_free(e->pool);
		e->pool = NULL;
	}
}

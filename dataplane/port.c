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
#include "engine.h"
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
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	pt->link_up = -1;
	if (rte_eth_dev_get_mtu(pt->port_id, &pt->mtu))
		pt->mtu = RTE_ETHER_MTU;
	pt->nq = nq;
	return 0;
}

/*
 * The exception port is the kernel's view of the wire: it wears the first
 * port's MAC, so that what the kernel sends through it (ARP requests,
 * health checks, ssh replies) is answered to an address the NIC receives,
 * and what the engine hands it is addressed to it. The operator gives the
 * host's addresses to its interface as to any other.
 */
static int
exception_setup(struct dp_engine *e, char *err, size_t errlen)
{
	struct dp_port *x = &e->port[e->exc_port], *p0 = &e->port[0];
	char name[RTE_ETH_NAME_MAX_LEN] = "?";
	int rc;

	rte_eth_dev_get_name_by_port(x->port_id, name);
	rc = rte_eth_dev_default_mac_addr_set(x->port_id, &p0->mac);
	if (rc)
		return sl_err(err, errlen, "exception port %u (%s): cannot give it the first port's "
			    "MAC: %s", x->port_id, name, rte_strerror(-rc));
	x->mac = p0->mac;
	if (p0->mtu && rte_eth_dev_set_mtu(x->port_id, p0->mtu) == 0)
		x->mtu = p0->mtu;
	fprintf(stderr, "sluiced: dpdk: port %u (%s) is the exception path to the kernel, with "
		"port %u's MAC " RTE_ETHER_ADDR_PRT_FMT "\n", x->port_id, name, p0->port_id,
		RTE_ETHER_ADDR_BYTES(&p0->mac));
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
	if (e->exc_port >= 0)
		return exception_setup(e, err, errlen);
	return 0;
}

void
dp_ports_poll(struct dp_engine *e)
{
	uint16_t i;

	for (i = 0; i < e->n_ports; i++) {
		struct dp_port *pt = &e->port[i];
		struct rte_eth_link l;
		int up;

		memset(&l, 0, sizeof(l));
		if (rte_eth_link_get_nowait(pt->port_id, &l))
			continue;
		up = l.link_status == RTE_ETH_LINK_UP;
		pt->speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
		pt->full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
		if (up == pt->link_up)
			continue;
		if (pt->link_up >= 0 || !up) {
			/* the first look is news only when the link is down */
			fprintf(stderr, "sluiced: dpdk: port %u (%s): link %s", pt->port_id, pt->name,
				up ? "up" : "down");
			if (up && pt->speed_mbps)
				fprintf(stderr, ", %u Mbps %s-duplex", pt->speed_mbps,
					pt->full_duplex ? "full" : "half");
			fputc('\n', stderr);
		}
		if (pt->link_up >= 0)
			pt->link_changes++;
		pt->link_up = (int8_t)up;
	}
}

void
dp_ports_stats(struct dp_engine *e, struct sl_stats *out)
{
	uint16_t i;

	out->n_ports = 0;
	for (i = 0; i < e->n_ports && i < SL_MAX_PORTS; i++) {
		const struct dp_port *pt = &e->port[i];
		struct sl_port_stats *o = &out->port[out->n_ports++];
		struct rte_eth_stats st;

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", pt->name);
		o->link_up = pt->link_up > 0;
		o->full_duplex = pt->full_duplex;
		o->speed_mbps = pt->speed_mbps;
		o->link_changes = pt->link_changes;
		o->is_exception = pt->is_exception;
		if (rte_eth_stats_get(pt->port_id, &st))
			continue;
		o->rx_pkts = st.ipackets;
		o->rx_bytes = st.ibytes;
		o->tx_pkts = st.opackets;
		o->tx_bytes = st.obytes;
		o->rx_missed = st.imissed;
		o->rx_errors = st.ierrors;
		o->tx_errors = st.oerrors;
		o->rx_nombuf = st.rx_nombuf;
	}
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

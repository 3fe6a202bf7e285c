/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring_port.c - see ring_port.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ring_port.h"

int
dpdk_test_can_run(const char *what)
{
	FILE *f;
	char line[256];
	long free_pages = 0;
	int mounted = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "skip: %s needs root\n", what);
		return 0;
	}
	f = fopen("/proc/mounts", "r");
	while (f && fgets(line, sizeof(line), f))
		mounted |= strstr(line, " hugetlbfs ") != NULL;
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
			break;
	if (f)
		fclose(f);
	if (!mounted || free_pages < 64) {
		fprintf(stderr, "skip: %s needs hugetlbfs mounted and 64 free hugepages "
			"(deploy/install-deps.sh)\n", what);
		return 0;
	}
	return 1;
}

int
dpdk_test_eal_init(const char *prog, const char *lcores)
{
	char *argv[] = {(char *)prog, "--no-pci", "--in-memory", "--lcores", (char *)lcores,
			"--log-level", "lib.eal:warning", NULL};

	if (rte_eal_init(7, argv) < 0) {
		fprintf(stderr, "rte_eal_init (--lcores %s) failed\n", lcores);
		return -1;
	}
	return 0;
}

int
ring_port_create(struct ring_port *p, const char *name, uint16_t nq)
{
	char n[RTE_RING_NAMESIZE];
	int socket = (int)rte_socket_id(), rc;
	uint16_t q;

	memset(p, 0, sizeof(*p));
	if (nq == 0 || nq > RING_PORT_MAX_Q)
		return -1;
	p->nq = nq;
	for (q = 0; q < nq; q++) {
		snprintf(n, sizeof(n), "%s_rx%u", name, q);
		p->rx[q] = rte_ring_create(n, 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "%s_tx%u", name, q);
		p->tx[q] = rte_ring_create(n, 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!p->rx[q] || !p->tx[q])
			goto fail;
	}
	snprintf(n, sizeof(n), "%s_pool", name);
	p->mp = rte_pktmbuf_pool_create(n, 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!p->mp)
		goto fail;
	rc = rte_eth_from_rings(name, p->rx, nq, p->tx, nq, (unsigned int)socket);
	if (rc < 0)
		goto fail;
	p->port_id = (uint16_t)rc;
	return 0;
fail:
	fprintf(stderr, "ring port %s (%u queues): cannot create its rings, pool or port\n", name,
		nq);
	ring_port_free(p);
	return -1;
}

void
ring_port_free(struct ring_port *p)
{
	uint16_t q;
	void *m;

	for (q = 0; q < RING_PORT_MAX_Q; q++) {
		/* frames nobody took back: to their pool before it goes */
		while (p->tx[q] && rte_ring_dequeue(p->tx[q], &m) == 0)
			rte_pktmbuf_free(m);
		while (p->rx[q] && rte_ring_dequeue(p->rx[q], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(p->rx[q]);
		rte_ring_free(p->tx[q]);
		p->rx[q] = p->tx[q] = NULL;
	}
	rte_mempool_free(p->mp);
	p->mp = NULL;
}

int
ring_port_inject(struct ring_port *p, uint16_t q, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m;
	char *d;

	if (q >= p->nq || len > UINT16_MAX)
		return -1;
	m = rte_pktmbuf_alloc(p->mp);
	if (!m)
		return -1;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (!d) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(d, frame, len);
	if (rte_ring_enqueue(p->rx[q], m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

double
ring_port_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct rte_mbuf *
ring_port_recv(struct ring_port *p, uint16_t q, double timeout_s)
{
	double end = ring_port_now_s() + timeout_s;
	void *m;

	if (q >= p->nq)
		return NULL;
	for (;;) {
		if (rte_ring_dequeue(p->tx[q], &m) == 0)
			return m;
		if (ring_port_now_s() > end)
			return NULL;
		usleep(10);
	}
}

unsigned int
ring_port_pending(const struct ring_port *p, uint16_t q)
{
	return q < p->nq ? rte_ring_count(p->tx[q]) : 0;
}

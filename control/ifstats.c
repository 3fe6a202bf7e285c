/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ifstats.c - a kernel network interface's link and counters, from sysfs
 * (/sys/class/net/IF/...: the namespace's own view), for engines that run
 * on kernel interfaces (XDP).
 */
#include <stdio.h>
#include <string.h>

#include "ifstats.h"

static int
read_u64(const char *ifname, const char *leaf, uint64_t *v)
{
	char path[256];
	unsigned long long x;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, leaf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu", &x) == 1;
	fclose(f);
	if (!ok)
		return -1;
	*v = x;
	return 0;
}

int
sl_ifstats_link(const char *ifname)
{
	char path[256], state[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(state, sizeof(state), f))
		state[0] = 0;
	fclose(f);
	return !strncmp(state, "up", 2);
}

void
sl_ifstats_read(const char *ifname, struct sl_port_stats *o)
{
	static const struct {
		const char *leaf;
		size_t off;
	} f[] = {
		{"statistics/rx_packets", offsetof(struct sl_port_stats, rx_pkts)},
		{"statistics/rx_bytes", offsetof(struct sl_port_stats, rx_bytes)},
		{"statistics/tx_packets", offsetof(struct sl_port_stats, tx_pkts)},
		{"statistics/tx_bytes", offsetof(struct sl_port_stats, tx_bytes)},
		{"statistics/rx_missed_errors", offsetof(struct sl_port_stats, rx_missed)},
		{"statistics/rx_errors", offsetof(struct sl_port_stats, rx_errors)},
		{"statistics/tx_errors", offsetof(struct sl_port_stats, tx_errors)},
	};
	uint64_t v;
	size_t i;

	snprintf(o->name, sizeof(o->name), "%s", ifname);
	o->link_up = sl_ifstats_link(ifname) == 1;
	/* speed is -1 (or unreadable) on virtual interfaces: 0, unknown */
	o->speed_mbps = read_u64(ifname, "speed", &v) == 0 && v < 4000000000u ? (uint32_t)v : 0;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (read_u64(ifname, f[i].leaf, &v) == 0)
			memcpy((char *)o + f[i].off, &v, sizeof(v));
}

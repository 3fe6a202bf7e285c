/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ifstats.h - a kernel interface's link state and counters (sysfs).
 * Blocking file reads: control thread only.
 */
#ifndef SLUICE_IFSTATS_H
#define SLUICE_IFSTATS_H

#include "engine.h"

/* 1 when the interface is operationally up, 0 when not, -1 when it is gone. */
int sl_ifstats_link(const char *ifname);

/* Name, link, speed and counters into *o (fields it cannot read stay as
 * they are). */
void sl_ifstats_read(const char *ifname, struct sl_port_stats *o);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h - the next hop toward a backend, from the kernel's routing and
 * neighbour tables (rtnetlink): its MAC and the interface it is behind.
 * The daemon writes them into each snapshot's backends, so that an engine
 * need not ask per packet. Blocking netlink calls, off the packet path;
 * not thread safe (one socket).
 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <sluice/maps-t.h>

/* Fill mac and ifindex of every backend of a snapshot that has a route
 * and a resolved neighbour; leave the others zero, and ask the kernel to
 * resolve those that have a route (a later fill finds them). Returns how
 * many were resolved. */
struct sl_snapshot;
unsigned int sl_neigh_fill(struct sl_snapshot *s);
/* After a fill: backends with a route whose neighbour the kernel has not
 * resolved yet (it was asked to). */
extern unsigned int sl_neigh_waiting;

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sched.h - pick a backend for a new flow from a prepared table.
 *
 * The control plane does the thinking (control/sched_build.c turns backends,
 * weights and states into a struct sl_sched_tbl); the engines only index:
 *   rr, wrr: the next slot after the caller's cursor. The cursor is per
 *            core and per service, so each core walks the sequence on its
 *            own: with W workers, a backend's share of new flows is exact
 *            to within one flow per worker.
 *   maglev:  slot[flow_hash % size], the same on every core and node.
 * Pure function plus the caller's cursor; the caller owns the cursor.
 */
#ifndef SLUICE_SCHED_H
#define SLUICE_SCHED_H

#include "base-t.h"
#include "maps-t.h"
#include "proto-t.h"

/* Returns a global backend id, or -1 when the table is empty. */
static SL_ALWAYS_INLINE int
sl_sched_pick(const struct sl_sched_tbl *t, uint8_t kind, uint32_t flow_hash,
	      uint32_t *cursor)
{
	uint32_t size = t->size;
	uint32_t idx;

	if (size == 0 || size > SL_SCHED_TBL_MAX)
		return -1;
	if (kind == SL_SCHED_MAGLEV) {
		idx = flow_hash % size;
	} else {
		idx = *cursor;
		if (idx >= size)
			idx = 0;
		*cursor = idx + 1;
	}
	{
		uint64_t i = idx;

		SL_BARRIER_VAR(i); /* the bound below is the one the verifier sees */
		if (i >= SL_SCHED_TBL_MAX)
			return -1;
		return t->slot[i];
	}
}

/*
 * A TCP SYN without ACK on a flow that has seen a FIN or a RST opens a new
 * connection on the same 5-tuple (a client reusing its port): the old
 * connection is over, so both engines treat the flow as expired and
 * schedule the new one afresh, as a new connection would be. A SYN on a
 * live flow (a retransmission) stays on its backend.
 */
static SL_ALWAYS_INLINE int
sl_flow_reopened(uint8_t proto, uint8_t tcp_flags, uint8_t flow_flags)
{
	return proto == 6 /* TCP */ && (tcp_flags & (SL_TCP_SYN | SL_TCP_ACK)) == SL_TCP_SYN &&
	       (flow_flags & (SL_FLOW_F_FIN_SEEN | SL_FLOW_F_RST_SEEN));
}

#endif /* SLUICE_SCHED_H */

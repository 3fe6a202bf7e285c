/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sched_build.h - turn a service's backends into the scheduling table the
 * engines index (struct sl_sched_tbl, see sluice/sched.h).
 *
 * Off the fast path: called by the control plane when it builds a config
 * snapshot. Thread safe (no shared state); allocates scratch memory.
 */
#ifndef SLUICE_SCHED_BUILD_H
#define SLUICE_SCHED_BUILD_H

#include <sluice/maps-t.h>

/* One eligible backend (ready, healthy, weight > 0). */
struct sl_sched_input {
	uint16_t id;           /* global backend id, what the table holds */
	uint16_t weight;       /* 1..SL_WEIGHT_MAX */
	struct sl_addr addr;   /* identity for maglev: address and port */
	uint16_t port_be;
};

/*
 * Fill *t for `kind` from n eligible backends (n may be 0: empty table).
 *   rr:     each backend once, in the order given, weights ignored.
 *   wrr:    the smooth weighted round-robin sequence (as nginx), weights
 *           divided by their gcd; if the sum still exceeds
 *           SL_SCHED_TBL_MAX they are scaled down in proportion.
 *   maglev: Maglev lookup table of `maglev_size` (prime) slots; each
 *           backend fills slots in proportion to its weight. The result
 *           depends only on the set of (address, port, weight), not on the
 *           order given, so every node builds the same table.
 * Returns 0, or -1 on bad arguments (errno EINVAL) or memory (ENOMEM).
 */
int sl_sched_build(struct sl_sched_tbl *t, unsigned int kind, const struct sl_sched_input *in,
		   uint32_t n, uint32_t maglev_size);

#endif /* SLUICE_SCHED_BUILD_H */

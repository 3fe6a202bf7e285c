/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_engine.h - the XDP engine (see xdp_engine.c).
 */
#ifndef SLUICE_XDP_ENGINE_H
#define SLUICE_XDP_ENGINE_H

#include "engine.h"

/* --dataplane xdp: --iface IF[,IF...], --xdp-mode native|generic. With
 * SLUICE_XDP_NO_ATTACH set in the environment the program is loaded but
 * attached nowhere (tests drive it with BPF_PROG_TEST_RUN). */
struct sl_engine *sl_xdp_engine_create(const struct sl_engine_args *a, char *err, size_t errlen);

/* The loaded program, for tests; -1 before the first snapshot. */
int sl_xdp_engine_prog_fd(struct sl_engine *e);

#endif

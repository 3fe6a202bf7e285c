/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * limits-t.h - sizes that bound every table. Types only.
 *
 * Changing one changes the engines' memory layout (BPF map sizes, DPDK
 * tables), so they live in one place.
 */
#ifndef SLUICE_LIMITS_T_H
#define SLUICE_LIMITS_T_H

#define SL_NAME_MAX          32     /* service, sink, cert names, with NUL */
#define SL_MAX_SERVICES      256
#define SL_MAX_SVC_BACKENDS  1024   /* backends in one service */
#define SL_MAX_BACKENDS      4096   /* backends in all services */
#define SL_MAX_ACL_RULES     4096
#define SL_MAX_SINKS         16
#define SL_MAX_CERTS         64
#define SL_MAX_CORES         128

#define SL_WEIGHT_MAX        256    /* as HAProxy: 0..256, 0 = no new flows */
#define SL_WEIGHT_DEFAULT    1

/* Scheduling tables (struct sl_sched_tbl). Maglev sizes are prime. */
#define SL_SCHED_TBL_MAX     65537
#define SL_MAGLEV_MIN        7
#define SL_MAGLEV_DEFAULT    65537

/* Flow table per core */
#define SL_FLOWS_DEFAULT     (1u << 20)
#define SL_FLOWS_MIN         1024
#define SL_FLOWS_MAX         (1u << 26)

/* Command language */
#define SL_CMD_LINE_MAX      4096   /* bytes in one command line, without newline */
#define SL_CMD_WORDS_MAX     64
#define SL_PATH_MAX          256
#define SL_URL_MAX           512

#endif /* SLUICE_LIMITS_T_H */

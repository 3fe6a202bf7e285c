/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * diff.h - what the differential test's two halves share: test_diff.c
 * (the two engines, one world, the comparison of one packet, the
 * counters) and diff_corpus.c (the packets). See test_diff.c.
 */
#ifndef SLUICE_TEST_DIFF_H
#define SLUICE_TEST_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "pktbuild.h"

/* ---- the world both engines see ---- */
#define IFNAME "dfx0"
#define PEERNAME "dfx1"
#define PORT_MAC "02:5c:d1:ff:00:01"   /* the veth's and the DPDK port's */
#define GW_MAC "02:5c:d1:be:00:01"     /* every backend's next hop */
#define LOCAL4 "10.231.0.1"
#define LOCAL6 "fd00:231::1"
#define PIN_CORE_CTR "/sys/fs/bpf/sluice/" IFNAME "/sl_core_ctr"

/* One service per (mode, family, protocol); a VIP per mode. */
#define N_MODES 4
extern const char *const mode_name[N_MODES];   /* nat, dsr, ipip, gue */
extern const char *const mode_opts[N_MODES];   /* their config words */
#define VIP4_FMT "198.51.100.%d"       /* 10 + mode */
#define VIP6_FMT "2001:db8:100::%d"    /* 10 + mode */
#define PORT_TCP4 80
#define PORT_TCP6 443
#define PORT_UDP 53

/* ---- one packet through both engines ---- */
enum verdict { V_FWD, V_HOST, V_DROP, V_OTHER, V_SKIP, V_N };

struct result {
	int verdict;
	int reason;                /* drop reason (V_DROP), raw retval (V_OTHER) */
	size_t len;
	uint8_t out[PB_MAX_LEN + 256];
};

/* Frame `in` through the XDP engine, then the DPDK engine (xr, dr: their
 * results); a difference is counted and dumped under `label`. */
void compare(const char *label, const uint8_t *in, size_t len);
/* One engine's result on stderr. */
void describe(const char *who, const struct result *r);
extern struct result xr, dr;

/* ---- test_diff.c: what the corpus tells compare() and reads back ---- */
extern const char *const verdict_name[V_N];
extern int in_nat_reply;       /* the packet is a backend's reply to a NAT flow */
extern int in_icmp;            /* the packet is an ICMP error of icmp_errors() */
extern size_t n_icmp_wrong;    /* ICMP errors not as they should be */

/* ---- diff_corpus.c: the packets, each through compare() ---- */
void corpus_valid(void);
void corpus_reopen(void);
void icmp_error_echo(int family);
void corpus_bad(void);
void corpus_big(void);
void corpus_corrupted(void);
/* corpus_reopen(): reopened nat flows that moved to another backend, and
 * after that the old backend's packets to the host, the new one's sent */
extern size_t n_reopen_moved, n_stale_host, n_fresh_fwd;

#endif

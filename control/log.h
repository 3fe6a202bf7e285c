/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h - the daemon's log: one line per event, to stderr and/or syslog
 * (journald reads both). Never called on the packet path.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <syslog.h>

enum sl_log_to {
	SL_LOG_STDERR = 1,
	SL_LOG_SYSLOG = 2,
	SL_LOG_BOTH = 3,
};

void sl_log_open(const char *ident, int to);
void sl_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int log_to = SL_LOG_STDERR;
static const char *log_ident = "sluiced";

void
sl_log_open(const char *ident, int to)
{
	log_ident = ident;
	log_to = to;
	if (to & SL_LOG_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
sl_log(int prio, const char *fmt, ...)
{
	static const char *const names[] = {"emerg", "alert", "crit", "error",
					    "warning", "notice", "info", "debug"};
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_to & SL_LOG_STDERR)
		fprintf(stderr, "%s: %s: %s\n", log_ident, names[prio & 7], msg);
	if (log_to & SL_LOG_SYSLOG)
		syslog(prio, "%s", msg);
}

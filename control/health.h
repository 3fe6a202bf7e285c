/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.h - health checks of backends, off the packet path.
 *
 * Each backend of a service whose check is not `none` is checked every
 * interval: TCP connect, HTTP GET with an expected status, or a TLS
 * handshake, each bounded by the check's timeout. HAProxy semantics: a
 * backend starts up; `fall` consecutive failures take it down; while down,
 * `rise` consecutive successes bring it up. Every change of state is
 * reported through the notify callback, with the reason.
 *
 * Everything runs on the daemon's event loop (loop.h) with non-blocking
 * sockets: a check never blocks the loop, whatever the backend does. The
 * notify callback may call sl_hc_sync(), sl_hc_apply() and sl_hc_status(),
 * even to remove the backend it is told about. TLS checks send no SNI and
 * verify no certificate; the process must ignore SIGPIPE (OpenSSL writes
 * with write(2)).
 * Thread safety: none; use from the loop's thread.
 */
#ifndef SLUICE_HEALTH_H
#define SLUICE_HEALTH_H

#include <stddef.h>
#include <sluice/config-t.h>

#include "loop.h"

struct sl_hc;

/* A backend changed state: health is SL_HEALTH_UP or SL_HEALTH_DOWN;
 * reason is a short text such as "connect: Connection refused",
 * "timeout after 1000ms", "http status 503, expected 200". */
typedef void (*sl_hc_notify_fn)(void *arg, const char *svc, const struct sl_ipaddr *addr,
				uint16_t port, uint8_t health, const char *reason);

struct sl_hc_status {
	char svc[SL_NAME_MAX];
	struct sl_ipaddr addr;
	uint16_t port;
	uint8_t type;              /* enum sl_check_type */
	uint8_t health;            /* enum sl_health */
	uint8_t streak;            /* consecutive results against the state: 
				    * failures while up, successes while down */
	uint64_t checks;           /* checks completed */
	uint64_t failures;         /* of which failed */
	uint64_t changes;          /* state changes */
	uint64_t last_change_ms;   /* sl_now_ms() of the last change, 0: never */
	uint32_t last_ms;          /* duration of the last check */
	char last_reason[96];      /* result of the last check ("ok" or why not) */
};

struct sl_hc *sl_hc_new(struct sl_loop *loop, sl_hc_notify_fn notify, void *arg);
void sl_hc_free(struct sl_hc *hc); /* cancels checks in flight, closes sockets */

/*
 * Make the checked set match `cfg`: start checking backends of services with
 * a check, stop checking backends (or services) that are gone or whose
 * check became `none`. A backend that stays, with the same check, keeps its
 * state and counters; a new one, or one whose check parameters changed,
 * starts with zeroed counters from the health that cfg gives it (so a
 * failing backend whose check is edited stays out until it rises). Never
 * calls notify. Returns 0, or -1 when out of memory (the checked set is
 * then unchanged).
 */
int sl_hc_sync(struct sl_hc *hc, const struct sl_config *cfg);

/* Write the current health of every checked backend into cfg's backends
 * (those not checked are set up). For a freshly loaded config (reload). */
void sl_hc_apply(const struct sl_hc *hc, struct sl_config *cfg);

/* Copy the status of up to max checked backends, in config order; returns
 * how many are checked in all. */
size_t sl_hc_status(const struct sl_hc *hc, struct sl_hc_status *out, size_t max);

#endif /* SLUICE_HEALTH_H */

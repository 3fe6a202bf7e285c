/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loop.h - the control plane's event loop: one thread, epoll, and timers.
 *
 * Everything the daemon does off the packet path runs here: the control
 * socket, health checks, signals, reloads. A module registers a struct
 * sl_ev (file descriptor plus callback) or a struct sl_timer (deadline plus
 * callback) that it embeds in its own state; the loop calls back, and a
 * callback may add, re-arm or remove any event or timer, its own included.
 *
 * Thread safety: none; one loop per thread, used from that thread only.
 */
#ifndef SLUICE_LOOP_H
#define SLUICE_LOOP_H

#include <stdint.h>

struct sl_loop;

struct sl_ev {
	int fd;
	void (*on)(struct sl_ev *ev, uint32_t events); /* EPOLLIN, EPOLLOUT, ... */
};

struct sl_timer {
	uint64_t when_ms;                /* CLOCK_MONOTONIC ms; 0: not armed */
	void (*on)(struct sl_timer *t);
	struct sl_timer *next, *prev;    /* loop's own */
};

/* Monotonic milliseconds. */
uint64_t sl_now_ms(void);

struct sl_loop *sl_loop_new(void);
void sl_loop_free(struct sl_loop *l);

/* Watch ev->fd for `events` (EPOLLIN | EPOLLOUT ...). 0, or -1 with errno. */
int sl_loop_add(struct sl_loop *l, struct sl_ev *ev, uint32_t events);
int sl_loop_mod(struct sl_loop *l, struct sl_ev *ev, uint32_t events);
/* Stop watching; safe to free ev after this, even from its own callback. */
void sl_loop_del(struct sl_loop *l, struct sl_ev *ev);

/* Arm (or re-arm) a timer at an absolute time, or cancel it. */
void sl_timer_at(struct sl_loop *l, struct sl_timer *t, uint64_t when_ms);
void sl_timer_cancel(struct sl_loop *l, struct sl_timer *t);

/* Run until sl_loop_stop(). Returns 0, or -1 if epoll fails. */
int sl_loop_run(struct sl_loop *l);
/* Run one round: wait at most timeout_ms for events, then run due timers. */
int sl_loop_once(struct sl_loop *l, int timeout_ms);
void sl_loop_stop(struct sl_loop *l);

#endif /* SLUICE_LOOP_H */

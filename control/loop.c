/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define EVENTS_MAX 64

struct sl_loop {
	int epfd;
	int stop;
	struct sl_timer timers; /* sentinel of a list kept sorted by when_ms */
	/* events of the current round; an event deleted during the round
	 * is cleared here so that it is not called after being freed */
	struct epoll_event evs[EVENTS_MAX];
	int n_evs;
};

uint64_t
sl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct sl_loop *
sl_loop_new(void)
{
	struct sl_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->timers.next = l->timers.prev = &l->timers;
	return l;
}

void
sl_loop_free(struct sl_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

int
sl_loop_add(struct sl_loop *l, struct sl_ev *ev, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = ev};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, ev->fd, &e);
}

int
sl_loop_mod(struct sl_loop *l, struct sl_ev *ev, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = ev};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, ev->fd, &e);
}

void
sl_loop_del(struct sl_loop *l, struct sl_ev *ev)
{
	int i;

	if (ev->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
	for (i = 0; i < l->n_evs; i++)
		if (l->evs[i].data.ptr == ev)
			l->evs[i].data.ptr = NULL;
}

static void
timer_unlink(struct sl_timer *t)
{
	if (t->next) {
		t->prev->next = t->next;
		t->next->prev = t->prev;
		t->next = t->prev = NULL;
	}
}

void
sl_timer_cancel(struct sl_loop *l, struct sl_timer *t)
{
	(void)l;
	timer_unlink(t);
	t->when_ms = 0;
}

void
sl_timer_at(struct sl_loop *l, struct sl_timer *t, uint64_t when_ms)
{
	struct sl_timer *p;

	timer_unlink(t);
	t->when_ms = when_ms ? when_ms : 1;
	/* sorted insert, scanning from the latest: new timers are usually last */
	for (p = l->timers.prev; p != &l->timers && p->when_ms > t->when_ms; p = p->prev)
		;
	t->prev = p;
	t->next = p->next;
	p->next->prev = t;
	p->next = t;
}

static int
next_timeout(struct sl_loop *l, int cap)
{
	struct sl_timer *t = l->timers.next;
	uint64_t now;

	if (t == &l->timers)
		return cap;
	now = sl_now_ms();
	if (t->when_ms <= now)
		return 0;
	if (cap >= 0 && t->when_ms - now > (uint64_t)cap)
		return cap;
	return (int)(t->when_ms - now);
}

int
sl_loop_once(struct sl_loop *l, int timeout_ms)
{
	uint64_t now;
	int i, n;

	n = epoll_wait(l->epfd, l->evs, EVENTS_MAX, next_timeout(l, timeout_ms));
	if (n < 0 && errno != EINTR)
		return -1;
	l->n_evs = n > 0 ? n : 0;
	for (i = 0; i < l->n_evs; i++) {
		struct sl_ev *ev = l->evs[i].data.ptr;

		if (ev)
			ev->on(ev, l->evs[i].events);
	}
	l->n_evs = 0;
	now = sl_now_ms();
	while (l->timers.next != &l->timers && l->timers.next->when_ms <= now) {
		struct sl_timer *t = l->timers.next;

		timer_unlink(t);
		t->when_ms = 0;
		t->on(t);
	}
	return 0;
}

int
sl_loop_run(struct sl_loop *l)
{
	l->stop = 0;
	while (!l->stop)
		if (sl_loop_once(l, -1) < 0)
			return -1;
	return 0;
}

void
sl_loop_stop(struct sl_loop *l)
{
	l->stop = 1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.c - health checks of backends (see health.h).
 *
 * One struct hc_be per checked backend, in config order. Each holds one
 * timer, which is the time of the next check while idle and the deadline of
 * the check in flight otherwise, and one event, the check's socket (fd -1
 * when idle). A check runs as a small state machine driven by the loop:
 * connect, then (http) send the request and read the status line, or (tls)
 * run the client handshake. Whatever ends a check (result, error, timeout)
 * goes through be_finish(), which closes the socket, counts, arms the next
 * check and, last of all, calls notify: the callback may change the checked
 * set (sl_hc_sync), so nothing of the backend is used after it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cmd.h"
#include "health.h"

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

#define RESP_MAX 1024 /* request, then the response up to its status line */
#define REASON_MAX sizeof(((struct sl_hc_status *)0)->last_reason)

enum phase {
	PH_IDLE = 0,   /* timer: next check */
	PH_CONNECT,    /* timer: deadline, from here on */
	PH_SEND,       /* http: request */
	PH_RECV,       /* http: status line */
	PH_HANDSHAKE,  /* tls */
};

struct hc_be {
	struct sl_hc *hc;
	struct sl_timer timer;
	struct sl_ev ev;
	uint32_t ev_events;        /* watched on ev.fd, 0: not in the loop */
	SSL *ssl;
	uint8_t phase;             /* enum phase */
	uint8_t claimed;           /* sl_hc_sync: kept */

	/* identity and check */
	char svc[SL_NAME_MAX];
	struct sl_ipaddr addr;
	uint16_t port;
	uint32_t hash;
	struct sl_check check;

	/* check in flight */
	uint64_t started_ms;
	size_t len, off;           /* buf: bytes held, bytes sent */
	char buf[RESP_MAX];

	/* state */
	uint8_t health;
	uint8_t streak;
	uint64_t checks, failures, changes, last_change_ms;
	uint32_t last_ms;
	char last_reason[REASON_MAX];
};

struct sl_hc {
	struct sl_loop *loop;
	sl_hc_notify_fn notify;
	void *arg;
	SSL_CTX *ssl_ctx;          /* tls checks, made at the first one */
	struct hc_be **be;         /* n, config order */
	size_t n;
	struct hc_be **idx;        /* open addressing by identity, idx_mask + 1 slots */
	size_t idx_mask;
};

/* ---- identity ------------------------------------------------------------------------- */

static size_t
addr_len(const struct sl_ipaddr *a)
{
	return a->family == SL_AF_INET6 ? 16 : a->family == SL_AF_INET ? 4 : 0;
}

static uint32_t
fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static uint32_t
key_hash(const char *svc, const struct sl_ipaddr *a, uint16_t port)
{
	uint32_t h = 2166136261u;

	h = fnv1a(h, svc, strnlen(svc, SL_NAME_MAX));
	h = fnv1a(h, &a->family, 1);
	h = fnv1a(h, a->a.b, addr_len(a));
	h = fnv1a(h, &port, sizeof(port));
	/* final mix, so that the low bits (slot, spread) depend on all */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

static int
key_eq(const struct hc_be *b, const char *svc, const struct sl_ipaddr *a, uint16_t port)
{
	return b->port == port && b->addr.family == a->family &&
	       !memcmp(b->addr.a.b, a->a.b, addr_len(a)) && !strncmp(b->svc, svc, SL_NAME_MAX);
}

static struct hc_be *
idx_find(struct hc_be *const *idx, size_t mask, uint32_t h, const char *svc,
	 const struct sl_ipaddr *a, uint16_t port)
{
	size_t i;

	if (!idx)
		return NULL;
	for (i = h & mask; idx[i]; i = (i + 1) & mask)
		if (idx[i]->hash == h && key_eq(idx[i], svc, a, port))
			return idx[i];
	return NULL;
}

static void
idx_put(struct hc_be **idx, size_t mask, struct hc_be *b)
{
	size_t i;

	for (i = b->hash & mask; idx[i]; i = (i + 1) & mask)
		;
	idx[i] = b;
}

/* Same check, as far as it matters for the check's type. */
static int
check_eq(const struct sl_check *x, const struct sl_check *y)
{
	if (x->type != y->type || x->rise != y->rise || x->fall != y->fall ||
	    x->interval_ms != y->interval_ms || x->timeout_ms != y->timeout_ms)
		return 0;
	if (x->type == SL_CHECK_HTTP &&
	    (x->expect_status != y->expect_status || strncmp(x->path, y->path, SL_PATH_MAX)))
		return 0;
	return 1;
}

/* ---- a check -------------------------------------------------------------------------- */

static void be_on_timer(struct sl_timer *t);
static void be_on_io(struct sl_ev *ev, uint32_t events);

static uint32_t
interval_of(const struct hc_be *b)
{
	return b->check.interval_ms ? b->check.interval_ms : 1;
}

/* Close the check in flight, if any. */
static void
be_close(struct hc_be *b)
{
	if (b->ssl) {
		SSL_free(b->ssl); /* no close_notify: the socket is dropped */
		b->ssl = NULL;
	}
	if (b->ev.fd >= 0) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		if (b->ev_events)
			sl_loop_del(b->hc->loop, &b->ev);
		/* reset rather than FIN: no TIME_WAIT left behind per check */
		setsockopt(b->ev.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(b->ev.fd);
		b->ev.fd = -1;
	}
	b->ev_events = 0;
	b->phase = PH_IDLE;
	b->len = b->off = 0;
}

/* Stop everything of b (timer and socket); b can then be freed. */
static void
be_stop(struct hc_be *b)
{
	sl_timer_cancel(b->hc->loop, &b->timer);
	be_close(b);
}

/*
 * The end of a check, whatever ended it: count, move the state, arm the next
 * check, then notify. Callers return right after: notify may free b.
 */
static void
be_finish(struct hc_be *b, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
be_finish(struct hc_be *b, int ok, const char *fmt, ...)
{
	struct sl_hc *hc = b->hc;
	uint64_t now = sl_now_ms(), next;
	char reason[REASON_MAX];
	char svc[SL_NAME_MAX];
	struct sl_ipaddr addr;
	uint16_t port;
	uint8_t health;
	int changed = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	be_close(b);
	b->checks++;
	if (!ok)
		b->failures++;
	b->last_ms = now > b->started_ms ? (uint32_t)(now - b->started_ms) : 0;
	memcpy(b->last_reason, reason, sizeof(reason));

	if (b->health == SL_HEALTH_UP) {
		b->streak = ok ? 0 : (uint8_t)(b->streak + 1);
		if (!ok && b->streak >= (b->check.fall ? b->check.fall : 1)) {
			b->health = SL_HEALTH_DOWN;
			changed = 1;
		}
	} else {
		b->streak = ok ? (uint8_t)(b->streak + 1) : 0;
		if (ok && b->streak >= (b->check.rise ? b->check.rise : 1)) {
			b->health = SL_HEALTH_UP;
			changed = 1;
		}
	}
	if (changed) {
		b->streak = 0;
		b->changes++;
		b->last_change_ms = now ? now : 1;
	}

	/* every interval from the start of the previous check; never in this
	 * round of the loop, whatever the interval */
	next = b->started_ms + interval_of(b);
	if (next <= now)
		next = now + 1;
	sl_timer_at(hc->loop, &b->timer, next);

	if (!changed || !hc->notify)
		return;
	memcpy(svc, b->svc, sizeof(svc));
	addr = b->addr;
	port = b->port;
	health = b->health;
	hc->notify(hc->arg, svc, &addr, port, health, reason);
	/* b may be gone */
}

/* Watch the socket for `events` (adding it to the loop the first time). */
static int
be_want(struct hc_be *b, uint32_t events)
{
	int rc;

	if (b->ev_events == events)
		return 0;
	if (b->ev_events)
		rc = sl_loop_mod(b->hc->loop, &b->ev, events);
	else
		rc = sl_loop_add(b->hc->loop, &b->ev, events);
	if (rc == 0)
		b->ev_events = events;
	return rc;
}

/* Printable excerpt of what a peer sent, for a reason. */
static void
excerpt(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < outlen; i++)
		out[o++] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? p[i] : '.';
	out[o] = '\0';
}

/* The status of a complete status line, or -1. */
static int
parse_status(const char *p, size_t n)
{
	size_t i = 5; /* after "HTTP/" */
	int st;

	if (n < 5 || memcmp(p, "HTTP/", 5))
		return -1;
	while (i < n && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
		i++;
	if (i == 5 || i >= n || p[i] != ' ')
		return -1;
	i++;
	if (i + 3 > n)
		return -1;
	if (p[i] < '1' || p[i] > '9' || p[i + 1] < '0' || p[i + 1] > '9' || p[i + 2] < '0' ||
	    p[i + 2] > '9')
		return -1;
	st = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
	i += 3;
	if (i < n && p[i] != ' ' && p[i] != '\r' && p[i] != '\n')
		return -1;
	return st;
}

/* http: what is in buf; eof when the peer closed. Ends the check or waits. */
static void
http_look(struct hc_be *b, int eof)
{
	const char *nl = memchr(b->buf, '\n', b->len);
	size_t head = b->len < 5 ? b->len : 5;
	char ex[24];
	int st;

	if (memcmp(b->buf, "HTTP/", head)) {
		excerpt(b->buf, b->len < 16 ? b->len : 16, ex, sizeof(ex));
		be_finish(b, 0, "http: not an HTTP response (\"%s\")", ex);
		return;
	}
	if (!nl) {
		if (b->len >= sizeof(b->buf))
			be_finish(b, 0, "http: status line longer than %zu bytes", sizeof(b->buf));
		else if (eof && !b->len)
			be_finish(b, 0, "http: connection closed without a response");
		else if (eof)
			be_finish(b, 0, "http: connection closed in the status line");
		return; /* more to come */
	}
	st = parse_status(b->buf, (size_t)(nl - b->buf));
	if (st < 0) {
		excerpt(b->buf, (size_t)(nl - b->buf) < 32 ? (size_t)(nl - b->buf) : 32, ex, sizeof(ex));
		be_finish(b, 0, "http: bad status line \"%s\"", ex);
	} else if (st != b->check.expect_status) {
		be_finish(b, 0, "http status %d, expected %u", st, (unsigned int)b->check.expect_status);
	} else {
		be_finish(b, 1, "ok");
	}
}

static void
http_recv(struct hc_be *b)
{
	for (;;) {
		ssize_t r;

		if (b->len >= sizeof(b->buf)) {
			http_look(b, 0);
			return;
		}
		r = recv(b->ev.fd, b->buf + b->len, sizeof(b->buf) - b->len, 0);
		if (r > 0) {
			b->len += (size_t)r;
			/* as soon as it is decided (not HTTP, or a whole line) */
			if (memchr(b->buf + b->len - (size_t)r, '\n', (size_t)r) ||
			    memcmp(b->buf, "HTTP/", b->len < 5 ? b->len : 5)) {
				http_look(b, 0);
				return;
			}
			continue;
		}
		if (r == 0) {
			http_look(b, 1);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (be_want(b, EPOLLIN) < 0)
				be_finish(b, 0, "epoll: %s", strerror(errno));
			return;
		}
		be_finish(b, 0, "recv: %s", strerror(errno));
		return;
	}
}

static void
http_send(struct hc_be *b)
{
	while (b->off < b->len) {
		ssize_t r = send(b->ev.fd, b->buf + b->off, b->len - b->off, MSG_NOSIGNAL);

		if (r >= 0) {
			b->off += (size_t)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (be_want(b, EPOLLOUT) < 0)
				be_finish(b, 0, "epoll: %s", strerror(errno));
			return;
		}
		be_finish(b, 0, "send: %s", strerror(errno));
		return;
	}
	b->phase = PH_RECV;
	b->len = b->off = 0;
	http_recv(b);
}

static void
http_start(struct hc_be *b)
{
	char host[80];
	const char *path = b->check.path[0] ? b->check.path : "/";
	int n;

	if (sl_addr_port_format(&b->addr, b->port, host, sizeof(host)) < 0) {
		be_finish(b, 0, "http: bad address");
		return;
	}
	n = snprintf(b->buf, sizeof(b->buf),
		     "GET %.*s HTTP/1.0\r\nHost: %s\r\nUser-Agent: sluice-health/1\r\n"
		     "Connection: close\r\n\r\n",
		     (int)strnlen(path, SL_PATH_MAX), path, host);
	if (n < 0 || (size_t)n >= sizeof(b->buf)) {
		be_finish(b, 0, "http: request too long");
		return;
	}
	b->len = (size_t)n;
	b->off = 0;
	b->phase = PH_SEND;
	http_send(b);
}

/* A reason from OpenSSL's error queue (or errno), then clear the queue. */
static void
tls_fail(struct hc_be *b, int err, int saved_errno)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	if (r)
		be_finish(b, 0, "tls: %s", r);
	else if (e)
		be_finish(b, 0, "tls: error %lu", e);
	else if (err == SSL_ERROR_SYSCALL && saved_errno)
		be_finish(b, 0, "tls: %s", strerror(saved_errno));
	else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)
		be_finish(b, 0, "tls: connection closed during the handshake");
	else
		be_finish(b, 0, "tls: handshake failed (error %d)", err);
}

static void
tls_step(struct hc_be *b)
{
	int r, err, saved;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(b->ssl);
	if (r == 1) {
		be_finish(b, 1, "ok");
		return;
	}
	saved = errno;
	err = SSL_get_error(b->ssl, r);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		if (be_want(b, err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT) < 0)
			be_finish(b, 0, "epoll: %s", strerror(errno));
		return;
	}
	tls_fail(b, err, saved);
}

static void
tls_start(struct hc_be *b)
{
	struct sl_hc *hc = b->hc;

	ERR_clear_error();
	if (!hc->ssl_ctx) {
		hc->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!hc->ssl_ctx) {
			tls_fail(b, SSL_ERROR_SSL, 0);
			return;
		}
		/* a check of the handshake, not of the certificate */
		SSL_CTX_set_verify(hc->ssl_ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_session_cache_mode(hc->ssl_ctx, SSL_SESS_CACHE_OFF);
	}
	b->ssl = SSL_new(hc->ssl_ctx);
	if (!b->ssl || !SSL_set_fd(b->ssl, b->ev.fd)) {
		tls_fail(b, SSL_ERROR_SSL, 0);
		return;
	}
	SSL_set_connect_state(b->ssl);
	b->phase = PH_HANDSHAKE;
	tls_step(b);
}

static void
be_connected(struct hc_be *b)
{
	switch (b->check.type) {
	case SL_CHECK_HTTP:
		http_start(b);
		break;
	case SL_CHECK_TLS:
		tls_start(b);
		break;
	default:
		be_finish(b, 1, "ok");
		break;
	}
}

static void
be_on_io(struct sl_ev *ev, uint32_t events)
{
	struct hc_be *b = container_of(ev, struct hc_be, ev);
	int err = 0;
	socklen_t len = sizeof(err);

	switch (b->phase) {
	case PH_CONNECT:
		if (getsockopt(ev->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			be_finish(b, 0, "connect: %s", strerror(err));
			return;
		}
		if (!(events & EPOLLOUT)) {
			be_finish(b, 0, "connect: failed");
			return;
		}
		be_connected(b);
		break;
	case PH_SEND:
		http_send(b);
		break;
	case PH_RECV:
		http_recv(b);
		break;
	case PH_HANDSHAKE:
		tls_step(b);
		break;
	default:
		break;
	}
}

static void
be_start(struct hc_be *b)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa;
	socklen_t salen;
	int fd, af;

	memset(&sa, 0, sizeof(sa));
	if (b->addr.family == SL_AF_INET6) {
		af = AF_INET6;
		sa.in6.sin6_family = AF_INET6;
		sa.in6.sin6_port = htons(b->port);
		memcpy(&sa.in6.sin6_addr, b->addr.a.b, 16);
		salen = sizeof(sa.in6);
	} else {
		af = AF_INET;
		sa.in.sin_family = AF_INET;
		sa.in.sin_port = htons(b->port);
		memcpy(&sa.in.sin_addr, b->addr.a.b, 4);
		salen = sizeof(sa.in);
	}

	b->started_ms = sl_now_ms();
	b->phase = PH_CONNECT;
	sl_timer_at(b->hc->loop, &b->timer,
		    b->started_ms + (b->check.timeout_ms ? b->check.timeout_ms : 1));

	if (b->addr.family != SL_AF_INET && b->addr.family != SL_AF_INET6) {
		be_finish(b, 0, "no address");
		return;
	}
	fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		be_finish(b, 0, "socket: %s", strerror(errno));
		return;
	}
	b->ev.fd = fd;
	if (connect(fd, &sa.sa, salen) == 0) {
		be_connected(b);
		return;
	}
	if (errno != EINPROGRESS && errno != EINTR) {
		be_finish(b, 0, "connect: %s", strerror(errno));
		return;
	}
	if (be_want(b, EPOLLOUT) < 0)
		be_finish(b, 0, "epoll: %s", strerror(errno));
}

static void
be_on_timer(struct sl_timer *t)
{
	struct hc_be *b = container_of(t, struct hc_be, timer);

	if (b->phase == PH_IDLE)
		be_start(b);
	else
		be_finish(b, 0, "timeout after %ums", b->check.timeout_ms);
}

/* ---- the checker ---------------------------------------------------------------------- */

struct sl_hc *
sl_hc_new(struct sl_loop *loop, sl_hc_notify_fn notify, void *arg)
{
	struct sl_hc *hc;

	if (!loop)
		return NULL;
	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return NULL;
	hc->loop = loop;
	hc->notify = notify;
	hc->arg = arg;
	return hc;
}

void
sl_hc_free(struct sl_hc *hc)
{
	size_t i;

	if (!hc)
		return;
	for (i = 0; i < hc->n; i++) {
		be_stop(hc->be[i]);
		free(hc->be[i]);
	}
	free(hc->be);
	free(hc->idx);
	SSL_CTX_free(hc->ssl_ctx);
	free(hc);
}

static struct hc_be *
be_new(struct sl_hc *hc, const struct sl_service_cfg *s, const struct sl_backend_cfg *bc,
       uint32_t h)
{
	struct hc_be *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->hc = hc;
	b->timer.on = be_on_timer;
	b->ev.fd = -1;
	b->ev.on = be_on_io;
	memcpy(b->svc, s->name, sizeof(b->svc));
	b->svc[sizeof(b->svc) - 1] = '\0';
	b->addr = bc->addr;
	b->port = bc->port;
	b->hash = h;
	b->check = s->check;
	/* a new backend, or one whose check changed, starts from the health
	 * the config holds (health.h): editing a failing backend's check does
	 * not let it take traffic before it has passed `rise` checks */
	b->health = bc->health < SL_HEALTH_MAX ? bc->health : SL_HEALTH_UP;
	snprintf(b->last_reason, sizeof(b->last_reason), "not checked yet");
	return b;
}

int
sl_hc_sync(struct sl_hc *hc, const struct sl_config *cfg)
{
	struct hc_be **be = NULL, **idx = NULL;
	size_t n = 0, k = 0, slots = 8, i;
	uint32_t si, bi;
	uint64_t now;

	for (si = 0; si < cfg->n_services; si++)
		if (cfg->services[si].check.type != SL_CHECK_NONE)
			n += cfg->services[si].n_backends;
	while (slots < 2 * n)
		slots *= 2;
	be = calloc(n ? n : 1, sizeof(*be));
	idx = calloc(slots, sizeof(*idx));
	if (!be || !idx)
		goto nomem;

	for (si = 0; si < cfg->n_services; si++) {
		const struct sl_service_cfg *s = &cfg->services[si];

		if (s->check.type == SL_CHECK_NONE)
			continue;
		for (bi = 0; bi < s->n_backends; bi++) {
			const struct sl_backend_cfg *bc = &s->backends[bi];
			uint32_t h = key_hash(s->name, &bc->addr, bc->port);
			struct hc_be *b = idx_find(hc->idx, hc->idx_mask, h, s->name, &bc->addr, bc->port);

			if (b && !b->claimed && check_eq(&b->check, &s->check)) {
				b->claimed = 1;
			} else {
				b = be_new(hc, s, bc, h);
				if (!b)
					goto nomem;
				b->claimed = 2; /* new */
			}
			be[k++] = b;
			idx_put(idx, slots - 1, b);
		}
	}

	/* commit: nothing can fail from here */
	for (i = 0; i < hc->n; i++) {
		if (!hc->be[i]->claimed) {
			be_stop(hc->be[i]);
			free(hc->be[i]);
		}
	}
	now = sl_now_ms();
	for (i = 0; i < k; i++) {
		struct hc_be *b = be[i];

		if (b->claimed == 2) /* first check spread over the interval */
			sl_timer_at(hc->loop, &b->timer, now + 1 + b->hash % interval_of(b));
		b->claimed = 0;
	}
	free(hc->be);
	free(hc->idx);
	hc->be = be;
	hc->n = k;
	hc->idx = idx;
	hc->idx_mask = slots - 1;
	return 0;

nomem:
	for (i = 0; i < k; i++) {
		if (be[i]->claimed == 2)
			free(be[i]); /* never armed nor opened */
		else
			be[i]->claimed = 0;
	}
	free(be);
	free(idx);
	return -1;
}

void
sl_hc_apply(const struct sl_hc *hc, struct sl_config *cfg)
{
	uint32_t si, bi;

	for (si = 0; si < cfg->n_services; si++) {
		struct sl_service_cfg *s = &cfg->services[si];

		for (bi = 0; bi < s->n_backends; bi++) {
			struct sl_backend_cfg *bc = &s->backends[bi];
			const struct hc_be *b = NULL;

			if (s->check.type != SL_CHECK_NONE)
				b = idx_find(hc->idx, hc->idx_mask, key_hash(s->name, &bc->addr, bc->port),
					     s->name, &bc->addr, bc->port);
			bc->health = b ? b->health : SL_HEALTH_UP;
		}
	}
}

size_t
sl_hc_status(const struct sl_hc *hc, struct sl_hc_status *out, size_t max)
{
	size_t i;

	for (i = 0; out && i < max && i < hc->n; i++) {
		const struct hc_be *b = hc->be[i];
		struct sl_hc_status *o = &out[i];

		memset(o, 0, sizeof(*o));
		memcpy(o->svc, b->svc, sizeof(o->svc));
		o->addr = b->addr;
		o->port = b->port;
		o->type = b->check.type;
		o->health = b->health;
		o->streak = b->streak;
		o->checks = b->checks;
		o->failures = b->failures;
		o->changes = b->changes;
		o->last_change_ms = b->last_change_ms;
		o->last_ms = b->last_ms;
		memcpy(o->last_reason, b->last_reason, sizeof(o->last_reason));
	}
	return hc->n;
}

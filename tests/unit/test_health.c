/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_health.c - the health checker against real servers on loopback.
 *
 * Every test runs a real event loop (sl_loop_once, bounded in time) with
 * the checker and the servers it checks on the same loop: a TCP listener,
 * a closed port (a bound socket that does not listen, so that it stays
 * ours), a listener that never answers, a tiny responder answering a fixed
 * text (HTTP 200/503, garbage), and a TLS server with a self-signed
 * certificate made in memory. Ports are the kernel's (port 0).
 *
 * Timing: checks run every 100ms with a 50ms timeout; results are awaited
 * for at most 5 s, and nothing asserts on time beyond such bounds (but the
 * spread of first checks, over a whole second, with a wide margin).
 *
 * Allocation failures: the test is linked with -Wl,--wrap=calloc (see
 * tests/meson.build), so that sl_hc_sync's callocs can be made to fail.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "health.h"
#include "loop.h"

#define WAIT_MS 5000 /* bound of every wait */

/* ---- calloc failure injection (-Wl,--wrap=calloc) -------------------------------------- */

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static int calloc_countdown; /* 0: off; k: the k-th call from now fails */
static int calloc_failed;

void *
__wrap_calloc(size_t n, size_t size)
{
	if (calloc_countdown > 0 && --calloc_countdown == 0) {
		calloc_failed++;
		return NULL;
	}
	return __real_calloc(n, size);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

static SSL_CTX *srv_ctx; /* TLS servers: self-signed, made in memory */
static int have_ipv6;

static int
group_setup(void **state)
{
	EVP_PKEY *key;
	X509 *x;
	X509_NAME *nm;
	int fd;
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as sluiced: OpenSSL writes with write() */

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	x = X509_new();
	if (!key || !x)
		return -1;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"sluice-test", -1,
				   -1, 0);
	X509_set_issuer_name(x, nm);
	if (!X509_sign(x, key, EVP_sha256()))
		return -1;
	srv_ctx = SSL_CTX_new(TLS_server_method());
	if (!srv_ctx || SSL_CTX_use_certificate(srv_ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(srv_ctx, key) != 1)
		return -1;
	X509_free(x);
	EVP_PKEY_free(key);

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	have_ipv6 = fd >= 0 && bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0;
	if (fd >= 0)
		close(fd);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	SSL_CTX_free(srv_ctx);
	return 0;
}

/* ---- test servers, on the loop ---------------------------------------------------------- */

enum srv_kind {
	SRV_ACCEPT,  /* accepts and closes */
	SRV_SILENT,  /* accepts, reads, never answers */
	SRV_REPLY,   /* reads a request (or anything not a GET), writes reply, closes */
	SRV_TLS,     /* TLS handshake, then closes */
	SRV_CLOSED,  /* bound, not listening: connections are refused */
};

struct srv;

struct tconn {
	struct sl_ev ev;
	struct srv *s;
	SSL *ssl;
	uint32_t events;
	size_t len;
	char buf[1024];
	struct tconn *next;
};

struct srv {
	struct sl_ev ev;
	struct sl_loop *loop;
	int kind;
	struct sl_ipaddr addr;
	uint16_t port;
	const char *reply;
	char req[1024];        /* the first request, REPLY */
	size_t req_len;
	unsigned int accepted, requests, handshakes;
	struct tconn *conns;
};

static void
conn_free(struct tconn *c)
{
	struct tconn **pp;

	for (pp = &c->s->conns; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	if (c->events)
		sl_loop_del(c->s->loop, &c->ev);
	SSL_free(c->ssl);
	ERR_clear_error();
	close(c->ev.fd);
	free(c);
}

static void
conn_want(struct tconn *c, uint32_t events)
{
	if (c->events == events)
		return;
	assert_int_equal(c->events ? sl_loop_mod(c->s->loop, &c->ev, events)
				   : sl_loop_add(c->s->loop, &c->ev, events),
			 0);
	c->events = events;
}

static void
conn_tls(struct tconn *c)
{
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->s->handshakes++;
		conn_free(c);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		conn_want(c, EPOLLIN);
	else if (e == SSL_ERROR_WANT_WRITE)
		conn_want(c, EPOLLOUT);
	else
		conn_free(c);
}

static void
conn_on(struct sl_ev *ev, uint32_t events)
{
	struct tconn *c = (struct tconn *)(void *)ev;
	struct srv *s = c->s;
	ssize_t r;

	(void)events;
	if (s->kind == SRV_TLS) {
		conn_tls(c);
		return;
	}
	for (;;) {
		if (c->len == sizeof(c->buf))
			c->len = 0; /* silent: discard */
		r = recv(ev->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			conn_free(c);
			return;
		}
		c->len += (size_t)r;
		if (s->kind != SRV_REPLY)
			continue;
		if (memmem(c->buf, c->len, "\r\n\r\n", 4) ||
		    memcmp(c->buf, "GET ", c->len < 4 ? c->len : 4)) {
			if (!s->requests++) {
				memcpy(s->req, c->buf, c->len);
				s->req_len = c->len;
			}
			r = send(ev->fd, s->reply, strlen(s->reply), MSG_NOSIGNAL);
			(void)r;
			conn_free(c);
			return;
		}
	}
}

static void
srv_on(struct sl_ev *ev, uint32_t events)
{
	struct srv *s = (struct srv *)(void *)ev;

	(void)events;
	for (;;) {
		int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tconn *c;

		if (fd < 0)
			return;
		s->accepted++;
		if (s->kind == SRV_ACCEPT) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		assert_non_null(c);
		c->ev.fd = fd;
		c->ev.on = conn_on;
		c->s = s;
		c->next = s->conns;
		s->conns = c;
		if (s->kind == SRV_TLS) {
			c->ssl = SSL_new(srv_ctx);
			assert_non_null(c->ssl);
			SSL_set_fd(c->ssl, fd);
			SSL_set_accept_state(c->ssl);
			conn_tls(c);
		} else {
			conn_want(c, EPOLLIN);
		}
	}
}

static void
srv_listen(struct srv *s)
{
	assert_int_equal(listen(s->ev.fd, 128), 0);
	assert_int_equal(sl_loop_add(s->loop, &s->ev, EPOLLIN), 0);
}

/* A server on 127.0.0.1 or [::1], kernel-chosen port. */
static struct srv *
srv_open(struct sl_loop *loop, int kind, int family, const char *reply)
{
	struct srv *s = calloc(1, sizeof(*s));
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a;
	socklen_t len;

	assert_non_null(s);
	memset(&a, 0, sizeof(a));
	s->loop = loop;
	s->kind = kind;
	s->reply = reply;
	s->ev.on = srv_on;
	s->ev.fd = socket(family == SL_AF_INET6 ? AF_INET6 : AF_INET,
			  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->ev.fd >= 0);
	if (family == SL_AF_INET6) {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_addr = in6addr_loopback;
		len = sizeof(a.in6);
	} else {
		a.in.sin_family = AF_INET;
		a.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(a.in);
	}
	assert_int_equal(bind(s->ev.fd, &a.sa, len), 0);
	assert_int_equal(getsockname(s->ev.fd, &a.sa, &len), 0);
	s->addr.family = (uint8_t)family;
	if (family == SL_AF_INET6) {
		memcpy(s->addr.a.b, &a.in6.sin6_addr, 16);
		s->port = ntohs(a.in6.sin6_port);
	} else {
		memcpy(s->addr.a.b, &a.in.sin_addr, 4);
		s->port = ntohs(a.in.sin_port);
	}
	if (kind != SRV_CLOSED)
		srv_listen(s);
	return s;
}

/* A closed port starts accepting. */
static void
srv_open_up(struct srv *s)
{
	assert_int_equal(s->kind, SRV_CLOSED);
	s->kind = SRV_ACCEPT;
	srv_listen(s);
}

static void
srv_close(struct srv *s)
{
	while (s->conns)
		conn_free(s->conns);
	if (s->kind != SRV_CLOSED)
		sl_loop_del(s->loop, &s->ev);
	close(s->ev.fd);
	free(s);
}

/* ---- the environment: loop, checker, servers, what notify said ------------------------------ */

struct note {
	char svc[SL_NAME_MAX];
	struct sl_ipaddr addr;
	uint16_t port;
	uint8_t health;
	char reason[128];
	/* the backend's status when notified */
	uint64_t checks, failures;
};

struct env;
typedef void (*note_hook)(struct env *e, const struct note *n);

#define NOTES_MAX 64
#define SRV_MAX 8

struct env {
	int fds0;
	struct sl_loop *loop;
	struct sl_hc *hc;
	struct srv *srv[SRV_MAX];
	int n_srv;
	int n;
	struct note notes[NOTES_MAX];
	struct sl_hc_status st[NOTES_MAX];
	note_hook hook;
	void *hook_arg;
};

static void
on_note(void *arg, const char *svc, const struct sl_ipaddr *addr, uint16_t port, uint8_t health,
	const char *reason)
{
	struct env *e = arg;
	struct note *n;
	size_t i, k;

	assert_true(e->n < NOTES_MAX);
	n = &e->notes[e->n++];
	snprintf(n->svc, sizeof(n->svc), "%s", svc);
	n->addr = *addr;
	n->port = port;
	n->health = health;
	snprintf(n->reason, sizeof(n->reason), "%s", reason);
	k = sl_hc_status(e->hc, e->st, NOTES_MAX);
	for (i = 0; i < k && i < NOTES_MAX; i++) {
		if (!strcmp(e->st[i].svc, svc) && e->st[i].port == port &&
		    !memcmp(&e->st[i].addr.a, &addr->a, sizeof(addr->a))) {
			/* notify comes after the state changed */
			assert_int_equal(e->st[i].health, health);
			n->checks = e->st[i].checks;
			n->failures = e->st[i].failures;
		}
	}
	if (getenv("HC_DEBUG")) /* what the checker says, to look at */
		fprintf(stderr, "notify %s port %u %s: %s (checks %llu, failures %llu)\n", svc, port,
			health == SL_HEALTH_UP ? "up" : "down", reason, (unsigned long long)n->checks,
			(unsigned long long)n->failures);
	if (e->hook)
		e->hook(e, n);
}

static struct env *
env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->fds0 = count_fds();
	e->loop = sl_loop_new();
	assert_non_null(e->loop);
	e->hc = sl_hc_new(e->loop, on_note, e);
	assert_non_null(e->hc);
	return e;
}

static struct srv *
env_srv(struct env *e, int kind, int family, const char *reply)
{
	assert_true(e->n_srv < SRV_MAX);
	return e->srv[e->n_srv++] = srv_open(e->loop, kind, family, reply);
}

/* Free everything: no descriptor may be left. */
static void
env_free(struct env *e)
{
	int i;

	sl_hc_free(e->hc);
	for (i = 0; i < e->n_srv; i++)
		srv_close(e->srv[i]);
	sl_loop_free(e->loop);
	assert_int_equal(count_fds(), e->fds0);
	free(e);
}

/* Run the loop until cond holds, at most WAIT_MS; the value of cond. */
#define RUN_UNTIL(e, cond)                                                                \
	({                                                                                \
		uint64_t end_ = sl_now_ms() + WAIT_MS;                                    \
		int ok_;                                                                  \
		while (!(ok_ = !!(cond)) && sl_now_ms() < end_)                           \
			assert_int_equal(sl_loop_once((e)->loop, 10), 0);                 \
		ok_;                                                                      \
	})

static void
run_for(struct env *e, unsigned int ms)
{
	uint64_t end = sl_now_ms() + ms;

	while (sl_now_ms() < end)
		assert_int_equal(sl_loop_once(e->loop, 10), 0);
}

/* Status of the i-th checked backend. */
static struct sl_hc_status
st_at(struct env *e, size_t i)
{
	struct sl_hc_status st[NOTES_MAX];
	size_t n = sl_hc_status(e->hc, st, NOTES_MAX);

	assert_true(i < n);
	return st[i];
}

static size_t
st_count(struct env *e)
{
	return sl_hc_status(e->hc, NULL, 0);
}

/* Backends [from, to) have all been checked at least k times. */
static int
all_checked(struct env *e, size_t from, size_t to, uint64_t k)
{
	size_t i;

	for (i = from; i < to; i++)
		if (st_at(e, i).checks < k)
			return 0;
	return 1;
}

static const struct note *
find_note(struct env *e, const char *svc, uint16_t port, uint8_t health)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (!strcmp(e->notes[i].svc, svc) && e->notes[i].port == port &&
		    e->notes[i].health == health)
			return &e->notes[i];
	return NULL;
}

/* ---- configs, built by hand ------------------------------------------------------------- */

#define TSVC_MAX 40
#define TBE_MAX 8

struct tcfg {
	struct sl_config c;
	struct sl_service_cfg svc[TSVC_MAX];
	struct sl_backend_cfg be[TSVC_MAX][TBE_MAX];
	int next_be;
};

static struct tcfg *
tcfg_new(void)
{
	struct tcfg *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->c.services = t->svc;
	return t;
}

static struct sl_check
ck(uint8_t type, uint8_t rise, uint8_t fall)
{
	struct sl_check c;

	memset(&c, 0, sizeof(c));
	c.type = type;
	c.rise = rise;
	c.fall = fall;
	c.interval_ms = 100;
	c.timeout_ms = 50;
	c.expect_status = 200;
	snprintf(c.path, sizeof(c.path), "/healthz");
	return c;
}

static int
tsvc(struct tcfg *t, const char *name, struct sl_check check)
{
	struct sl_service_cfg *s;

	assert_true(t->c.n_services < TSVC_MAX && t->next_be < TSVC_MAX);
	s = &t->svc[t->c.n_services];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->check = check;
	s->backends = t->be[t->next_be++];
	return (int)t->c.n_services++;
}

static int
tbe(struct tcfg *t, int si, const struct srv *s)
{
	struct sl_service_cfg *sv = &t->svc[si];
	struct sl_backend_cfg *b;

	assert_true(sv->n_backends < TBE_MAX);
	b = &sv->backends[sv->n_backends];
	memset(b, 0, sizeof(*b));
	b->addr = s->addr;
	b->port = s->port;
	b->weight = 1;
	return (int)sv->n_backends++;
}

static void
tbe_del(struct tcfg *t, int si, int bi)
{
	struct sl_service_cfg *sv = &t->svc[si];

	memmove(&sv->backends[bi], &sv->backends[bi + 1],
		(sv->n_backends - (uint32_t)bi - 1) * sizeof(sv->backends[0]));
	sv->n_backends--;
}

static void
tsvc_del(struct tcfg *t, int si)
{
	memmove(&t->svc[si], &t->svc[si + 1],
		(t->c.n_services - (uint32_t)si - 1) * sizeof(t->svc[0]));
	t->c.n_services--;
}

/* ---- tests ------------------------------------------------------------------------------ */

/* TCP: up stays up; a refused port goes down after exactly `fall`
 * failures, then up after exactly `rise` successes once it listens. */
static void
tcp_fall_rise(int family)
{
	struct env *e = env_new();
	struct srv *up = env_srv(e, SRV_ACCEPT, family, NULL);
	struct srv *dn = env_srv(e, SRV_CLOSED, family, NULL);
	struct tcfg *t = tcfg_new();
	struct sl_hc_status st;
	int s = tsvc(t, "web", ck(SL_CHECK_TCP, 2, 3));

	tbe(t, s, up);
	tbe(t, s, dn);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 2);
	st = st_at(e, 1);
	assert_int_equal(st.health, SL_HEALTH_UP);
	assert_int_equal(st.checks, 0);

	assert_true(RUN_UNTIL(e, e->n >= 1));
	assert_int_equal(e->n, 1);
	assert_string_equal(e->notes[0].svc, "web");
	assert_int_equal(e->notes[0].port, dn->port);
	assert_int_equal(e->notes[0].addr.family, family);
	assert_memory_equal(&e->notes[0].addr.a, &dn->addr.a, sizeof(dn->addr.a));
	assert_int_equal(e->notes[0].health, SL_HEALTH_DOWN);
	assert_string_equal(e->notes[0].reason, "connect: Connection refused");
	assert_int_equal(e->notes[0].checks, 3); /* exactly `fall` */
	assert_int_equal(e->notes[0].failures, 3);

	st = st_at(e, 1);
	assert_int_equal(st.health, SL_HEALTH_DOWN);
	assert_int_equal(st.changes, 1);
	assert_true(st.last_change_ms > 0);
	assert_int_equal(st.streak, 0); /* failures while down are no streak */

	assert_true(RUN_UNTIL(e, all_checked(e, 0, 1, 3)));
	st = st_at(e, 0);
	assert_int_equal(st.health, SL_HEALTH_UP);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.changes, 0);
	assert_string_equal(st.last_reason, "ok");

	/* still down while it fails, without more notifications */
	run_for(e, 250);
	assert_int_equal(e->n, 1);

	srv_open_up(dn);
	assert_true(RUN_UNTIL(e, e->n >= 2));
	assert_int_equal(e->notes[1].port, dn->port);
	assert_int_equal(e->notes[1].health, SL_HEALTH_UP);
	assert_string_equal(e->notes[1].reason, "ok");
	/* every check before were failures: exactly `rise` successes */
	assert_int_equal(e->notes[1].checks - e->notes[1].failures, 2);
	st = st_at(e, 1);
	assert_int_equal(st.changes, 2);
	assert_int_equal(st.health, SL_HEALTH_UP);

	run_for(e, 250);
	assert_int_equal(e->n, 2);
	assert_int_equal(e->notes[0].port, dn->port);
	env_free(e);
	free(t);
}

static void
test_tcp_ipv4(void **state)
{
	(void)state;
	tcp_fall_rise(SL_AF_INET);
}

static void
test_tcp_ipv6(void **state)
{
	(void)state;
	if (!have_ipv6)
		skip();
	tcp_fall_rise(SL_AF_INET6);
}

#define R200 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define R503 "HTTP/1.0 503 Service Unavailable\r\n\r\n"

/* HTTP over IPv6: the request, Host in brackets. */
static void
test_http_ipv6(void **state)
{
	struct env *e;
	struct srv *ok;
	struct tcfg *t;
	char want[256];

	(void)state;
	if (!have_ipv6)
		skip();
	e = env_new();
	ok = env_srv(e, SRV_REPLY, SL_AF_INET6, R200);
	t = tcfg_new();
	tbe(t, tsvc(t, "v6", ck(SL_CHECK_HTTP, 1, 1)), ok);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 1, 2)));
	assert_int_equal(e->n, 0);
	assert_string_equal(st_at(e, 0).last_reason, "ok");
	snprintf(want, sizeof(want),
		 "GET /healthz HTTP/1.0\r\nHost: [::1]:%u\r\nUser-Agent: sluice-health/1\r\n"
		 "Connection: close\r\n\r\n",
		 ok->port);
	assert_int_equal(ok->req_len, strlen(want));
	assert_memory_equal(ok->req, want, ok->req_len);
	env_free(e);
	free(t);
}

/* HTTP: the request sent; a status mismatch, with both codes; recovery. */
static void
test_http_status(void **state)
{
	struct env *e = env_new();
	char bad_reply[64] = R503;
	struct srv *ok = env_srv(e, SRV_REPLY, SL_AF_INET, R200);
	struct srv *bad = env_srv(e, SRV_REPLY, SL_AF_INET, bad_reply);
	struct tcfg *t = tcfg_new();
	struct sl_check c503 = ck(SL_CHECK_HTTP, 1, 2);
	const struct note *n;
	char want[256];
	int s = tsvc(t, "web", ck(SL_CHECK_HTTP, 1, 2));

	(void)state;
	tbe(t, s, ok);
	tbe(t, s, bad);
	c503.expect_status = 503;
	snprintf(c503.path, sizeof(c503.path), "/");
	tbe(t, tsvc(t, "maint", c503), bad);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 3);

	assert_true(RUN_UNTIL(e, e->n >= 1));
	assert_int_equal(e->n, 1);
	assert_string_equal(e->notes[0].svc, "web");
	assert_int_equal(e->notes[0].port, bad->port);
	assert_int_equal(e->notes[0].health, SL_HEALTH_DOWN);
	assert_string_equal(e->notes[0].reason, "http status 503, expected 200");
	assert_int_equal(e->notes[0].failures, 2);
	assert_int_equal(e->notes[0].checks, 2);

	assert_true(RUN_UNTIL(e, all_checked(e, 0, 3, 2)));
	assert_string_equal(st_at(e, 0).last_reason, "ok");
	assert_int_equal(st_at(e, 0).failures, 0);
	assert_string_equal(st_at(e, 1).last_reason, "http status 503, expected 200");
	assert_string_equal(st_at(e, 2).last_reason, "ok"); /* expects 503 */
	assert_int_equal(st_at(e, 2).type, SL_CHECK_HTTP);

	snprintf(want, sizeof(want),
		 "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1:%u\r\nUser-Agent: sluice-health/1\r\n"
		 "Connection: close\r\n\r\n",
		 ok->port);
	assert_int_equal(ok->req_len, strlen(want));
	assert_memory_equal(ok->req, want, ok->req_len);

	/* the bad one answers 200: web's goes up (rise 1), maint's down */
	snprintf(bad_reply, sizeof(bad_reply), "%s", R200);
	assert_true(RUN_UNTIL(e, e->n >= 3));
	assert_int_equal(e->n, 3);
	n = find_note(e, "web", bad->port, SL_HEALTH_UP);
	assert_non_null(n);
	assert_string_equal(n->reason, "ok");
	n = find_note(e, "maint", bad->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_equal(n->reason, "http status 200, expected 503");
	env_free(e);
	free(t);
}

/* A listener that never answers: each check times out. */
static void
test_http_timeout(void **state)
{
	struct env *e = env_new();
	struct srv *silent = env_srv(e, SRV_SILENT, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();

	(void)state;
	tbe(t, tsvc(t, "web", ck(SL_CHECK_HTTP, 2, 2)), silent);
	tbe(t, tsvc(t, "tcp", ck(SL_CHECK_TCP, 2, 2)), silent); /* connects fine */
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 1));
	assert_string_equal(e->notes[0].svc, "web");
	assert_int_equal(e->notes[0].health, SL_HEALTH_DOWN);
	assert_string_equal(e->notes[0].reason, "timeout after 50ms");
	assert_int_equal(e->notes[0].checks, 2);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 2, 3)));
	assert_int_equal(e->n, 1);
	assert_string_equal(st_at(e, 0).last_reason, "timeout after 50ms");
	assert_true(st_at(e, 0).last_ms >= 50);
	assert_string_equal(st_at(e, 1).last_reason, "ok");
	assert_true(silent->accepted >= 3);
	env_free(e);
	free(t);
}

/* What is not an HTTP response, or not a whole one, is a failure that
 * says why; the response buffer is bounded. */
static void
test_http_bad_responses(void **state)
{
	static char longline[3000];
	struct env *e = env_new();
	struct srv *ssh, *badline, *closed, *shortl, *lng;
	struct tcfg *t = tcfg_new();
	const struct note *n;

	(void)state;
	memset(longline, 'a', sizeof(longline) - 1);
	memcpy(longline, "HTTP/1.1 200 ", 13);
	ssh = env_srv(e, SRV_REPLY, SL_AF_INET, "SSH-2.0-OpenSSH_9.2p1\r\n");
	badline = env_srv(e, SRV_REPLY, SL_AF_INET, "HTTP/1.1 2x0 OK\r\n\r\n");
	closed = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	shortl = env_srv(e, SRV_REPLY, SL_AF_INET, "HTTP/1.1 20");
	lng = env_srv(e, SRV_REPLY, SL_AF_INET, longline);
	tbe(t, tsvc(t, "ssh", ck(SL_CHECK_HTTP, 1, 1)), ssh);
	tbe(t, tsvc(t, "badline", ck(SL_CHECK_HTTP, 1, 1)), badline);
	tbe(t, tsvc(t, "closed", ck(SL_CHECK_HTTP, 1, 1)), closed);
	tbe(t, tsvc(t, "short", ck(SL_CHECK_HTTP, 1, 1)), shortl);
	tbe(t, tsvc(t, "long", ck(SL_CHECK_HTTP, 1, 1)), lng);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 5));
	assert_int_equal(e->n, 5);

	n = find_note(e, "ssh", ssh->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_equal(n->reason, "http: not an HTTP response (\"SSH-2.0-OpenSSH_\")");
	n = find_note(e, "badline", badline->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_equal(n->reason, "http: bad status line \"HTTP/1.1 2x0 OK.\"");
	n = find_note(e, "closed", closed->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_not_equal(n->reason, "ok"); /* closed, or reset: the kernel's choice */
	assert_true(n->reason[0] != '\0');
	n = find_note(e, "short", shortl->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_equal(n->reason, "http: connection closed in the status line");
	n = find_note(e, "long", lng->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_equal(n->reason, "http: status line longer than 1024 bytes");
	env_free(e);
	free(t);
}

/* TLS: a handshake with a TLS server is a success (self-signed, not
 * verified); a plain server or a refused port is a failure. */
static void
test_tls(void **state)
{
	struct env *e = env_new();
	struct srv *tls = env_srv(e, SRV_TLS, SL_AF_INET, NULL);
	struct srv *plain = env_srv(e, SRV_REPLY, SL_AF_INET, "HTTP/1.0 400 Bad Request\r\n\r\n");
	struct srv *refused = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();
	const struct note *n;
	int s = tsvc(t, "tls", ck(SL_CHECK_TLS, 1, 1));

	(void)state;
	tbe(t, s, tls);
	tbe(t, s, plain);
	tbe(t, s, refused);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 2 && all_checked(e, 0, 3, 3)));
	assert_int_equal(e->n, 2);
	assert_int_equal(st_at(e, 0).health, SL_HEALTH_UP);
	assert_int_equal(st_at(e, 0).failures, 0);
	assert_string_equal(st_at(e, 0).last_reason, "ok");
	assert_int_equal(st_at(e, 0).type, SL_CHECK_TLS);
	assert_true(tls->accepted >= 3);
	n = find_note(e, "tls", plain->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_memory_equal(n->reason, "tls: ", 5);
	assert_true(strlen(n->reason) > 5);
	n = find_note(e, "tls", refused->port, SL_HEALTH_DOWN);
	assert_non_null(n);
	assert_string_equal(n->reason, "connect: Connection refused");
	env_free(e);
	free(t);
}

/* A TLS server that never answers the ClientHello: timeout. */
static void
test_tls_timeout(void **state)
{
	struct env *e = env_new();
	struct srv *silent = env_srv(e, SRV_SILENT, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();

	(void)state;
	tbe(t, tsvc(t, "tls", ck(SL_CHECK_TLS, 1, 1)), silent);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 1));
	assert_int_equal(e->notes[0].health, SL_HEALTH_DOWN);
	assert_string_equal(e->notes[0].reason, "timeout after 50ms");
	env_free(e);
	free(t);
}

/* sl_hc_sync: backends and services come and go; those that stay with the
 * same check keep their state and counters; a changed check starts again;
 * `none` stops checking; never a notification. */
static void
test_sync_add_remove(void **state)
{
	struct env *e = env_new();
	struct srv *l1 = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *l2 = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *h = env_srv(e, SRV_REPLY, SL_AF_INET, R200);
	struct tcfg *t = tcfg_new();
	struct sl_hc_status s0, s1, st;
	int a = tsvc(t, "a", ck(SL_CHECK_TCP, 2, 3)), b, c;

	(void)state;
	tbe(t, a, l1);
	tbe(t, a, l2);
	b = tsvc(t, "b", ck(SL_CHECK_NONE, 0, 0));
	tbe(t, b, l1);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 2);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 2, 2)));
	s0 = st_at(e, 0);
	s1 = st_at(e, 1);
	assert_string_equal(s0.svc, "a");
	assert_int_equal(s0.port, l1->port);
	assert_int_equal(s1.port, l2->port);

	/* add a backend to a, and a service c with an http check */
	tbe(t, a, h);
	c = tsvc(t, "c", ck(SL_CHECK_HTTP, 2, 3));
	tbe(t, c, h);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 4);
	st = st_at(e, 0); /* config order, counters kept */
	assert_int_equal(st.port, l1->port);
	assert_int_equal(st.checks, s0.checks);
	assert_string_equal(st.last_reason, "ok");
	st = st_at(e, 1);
	assert_int_equal(st.port, l2->port);
	assert_int_equal(st.checks, s1.checks);
	st = st_at(e, 2);
	assert_string_equal(st.svc, "a");
	assert_int_equal(st.port, h->port);
	assert_int_equal(st.checks, 0);
	assert_int_equal(st.type, SL_CHECK_TCP);
	st = st_at(e, 3);
	assert_string_equal(st.svc, "c");
	assert_int_equal(st.checks, 0);
	assert_int_equal(st.type, SL_CHECK_HTTP);
	assert_int_equal(st.health, SL_HEALTH_UP);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 4, 2)));
	assert_true(h->requests >= 2);

	/* the same config again: nothing changes */
	s1 = st_at(e, 1);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 4);
	assert_int_equal(st_at(e, 1).checks, s1.checks);

	/* remove a's first backend and service c */
	tbe_del(t, a, 0);
	tsvc_del(t, c);
	s1 = st_at(e, 1);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 2);
	st = st_at(e, 0);
	assert_int_equal(st.port, l2->port);
	assert_int_equal(st.checks, s1.checks);
	assert_int_equal(st_at(e, 1).port, h->port);

	/* a's check changes: both start again, from up */
	t->svc[a].check.fall = 4;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 2);
	assert_int_equal(st_at(e, 0).checks, 0);
	assert_int_equal(st_at(e, 0).health, SL_HEALTH_UP);
	assert_int_equal(st_at(e, 1).checks, 0);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 2, 1)));

	/* all healthy so far, through every sync: no notification */
	assert_int_equal(e->n, 0);

	/* an http check's path or expected status is part of the check; for
	 * a tcp check, they are not */
	s1 = st_at(e, 1);
	snprintf(t->svc[a].check.path, sizeof(t->svc[a].check.path), "/other");
	t->svc[a].check.expect_status = 204;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_at(e, 1).checks, s1.checks);
	t->svc[a].check.type = SL_CHECK_HTTP;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_at(e, 1).checks, 0);
	assert_int_equal(st_at(e, 1).type, SL_CHECK_HTTP);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 2, 1)));
	s1 = st_at(e, 1);
	t->svc[a].check.expect_status = 200;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_at(e, 1).checks, 0);

	/* check none: nothing is checked */
	t->svc[a].check.type = SL_CHECK_NONE;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 0);
	run_for(e, 150);
	assert_int_equal(st_count(e), 0);

	/* since, only the http check of l2 (which closes at once) may have
	 * failed enough to go down */
	for (int i = 0; i < e->n; i++)
		assert_int_not_equal(e->notes[i].port, l1->port);
	env_free(e);
	free(t);
}

/* A check that changes starts again with its counters from zero, from the
 * health the config gives it: a failing backend whose check is edited does
 * not take traffic before it has passed `rise` checks. */
static void
test_sync_reset(void **state)
{
	struct env *e = env_new();
	struct srv *dn = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();
	struct sl_hc_status st;
	int a = tsvc(t, "a", ck(SL_CHECK_TCP, 2, 1));

	(void)state;
	tbe(t, a, dn);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 1));
	assert_int_equal(e->notes[0].health, SL_HEALTH_DOWN);

	/* the config knows it is down (as the daemon applies notifications) */
	sl_hc_apply(e->hc, &t->c);
	assert_int_equal(t->svc[a].backends[0].health, SL_HEALTH_DOWN);
	t->svc[a].check.interval_ms = 120;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	st = st_at(e, 0);
	assert_int_equal(st.health, SL_HEALTH_DOWN);
	assert_int_equal(st.checks, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.changes, 0);
	assert_int_equal(st.streak, 0);
	assert_int_equal(st.last_change_ms, 0);
	assert_int_equal(e->n, 1); /* sync never notifies */
	sl_hc_apply(e->hc, &t->c);
	assert_int_equal(t->svc[a].backends[0].health, SL_HEALTH_DOWN);

	/* still refused: it stays down, nothing to report */
	assert_true(RUN_UNTIL(e, st_at(e, 0).checks >= 2));
	assert_int_equal(st_at(e, 0).health, SL_HEALTH_DOWN);
	assert_int_equal(e->n, 1);

	/* it listens: up after `rise` successes, reported once */
	srv_open_up(dn);
	assert_true(RUN_UNTIL(e, e->n >= 2));
	assert_int_equal(e->notes[1].health, SL_HEALTH_UP);
	sl_hc_apply(e->hc, &t->c);
	assert_int_equal(t->svc[a].backends[0].health, SL_HEALTH_UP);

	/* a config that says up, with a changed check: starts up, stays up */
	t->svc[a].check.timeout_ms = 60;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_at(e, 0).health, SL_HEALTH_UP);
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 1, 3)));
	st = st_at(e, 0);
	assert_int_equal(st.health, SL_HEALTH_UP);
	assert_int_equal(st.failures, 0);
	assert_int_equal(e->n, 2);
	env_free(e);
	free(t);
}

/* sl_hc_apply: checked backends get the checker's health, others up. */
static void
test_apply(void **state)
{
	struct env *e = env_new();
	struct srv *up = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *dn = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct srv *extra = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new(), *t2 = tcfg_new();
	int a, b, z;

	(void)state;
	a = tsvc(t, "a", ck(SL_CHECK_TCP, 1, 1));
	tbe(t, a, up);
	tbe(t, a, dn);
	b = tsvc(t, "b", ck(SL_CHECK_NONE, 0, 0));
	tbe(t, b, dn);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 1 && all_checked(e, 0, 2, 1)));
	assert_int_equal(e->notes[0].port, dn->port);

	/* a freshly loaded config, with health all wrong */
	a = tsvc(t2, "a", ck(SL_CHECK_TCP, 1, 1));
	tbe(t2, a, up);
	tbe(t2, a, dn);
	tbe(t2, a, extra);
	b = tsvc(t2, "b", ck(SL_CHECK_NONE, 0, 0));
	tbe(t2, b, dn);
	z = tsvc(t2, "z", ck(SL_CHECK_TCP, 1, 1));
	tbe(t2, z, dn);
	t2->svc[a].backends[0].health = SL_HEALTH_DOWN;
	t2->svc[a].backends[1].health = SL_HEALTH_UP;
	t2->svc[a].backends[2].health = SL_HEALTH_DOWN;
	t2->svc[b].backends[0].health = SL_HEALTH_DOWN;
	t2->svc[z].backends[0].health = SL_HEALTH_DOWN;
	sl_hc_apply(e->hc, &t2->c);
	assert_int_equal(t2->svc[a].backends[0].health, SL_HEALTH_UP);
	assert_int_equal(t2->svc[a].backends[1].health, SL_HEALTH_DOWN);
	assert_int_equal(t2->svc[a].backends[2].health, SL_HEALTH_UP); /* not checked */
	assert_int_equal(t2->svc[b].backends[0].health, SL_HEALTH_UP); /* no check */
	assert_int_equal(t2->svc[z].backends[0].health, SL_HEALTH_UP); /* not checked yet */
	/* apply changes nothing in the checker */
	assert_int_equal(st_count(e), 2);
	assert_int_equal(st_at(e, 1).health, SL_HEALTH_DOWN);

	/* then synced to it: the down one stays down (same check) */
	assert_int_equal(sl_hc_sync(e->hc, &t2->c), 0);
	assert_int_equal(st_count(e), 4);
	assert_int_equal(st_at(e, 1).health, SL_HEALTH_DOWN);
	assert_true(st_at(e, 1).checks >= 1);
	assert_int_equal(e->n, 1);
	env_free(e);
	free(t);
	free(t2);
}

/* sl_hc_status: counters, fields, and max. */
static void
test_status(void **state)
{
	struct env *e = env_new();
	struct srv *up = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *dn = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();
	struct sl_hc_status st[3], sentinel;
	uint64_t now;
	int s = tsvc(t, "stat", ck(SL_CHECK_TCP, 1, 2));

	(void)state;
	tbe(t, s, up);
	tbe(t, s, dn);
	assert_int_equal(st_count(e), 0);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_int_equal(st_count(e), 2);
	assert_string_equal(st_at(e, 0).last_reason, "not checked yet");
	assert_int_equal(st_at(e, 0).last_change_ms, 0);
	assert_true(RUN_UNTIL(e, e->n >= 1 && all_checked(e, 0, 2, 3)));

	memset(st, 0xa5, sizeof(st));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	assert_int_equal(sl_hc_status(e->hc, st, 1), 2);
	assert_memory_equal(&st[1], &sentinel, sizeof(sentinel)); /* max respected */
	assert_string_equal(st[0].svc, "stat");
	assert_int_equal(st[0].addr.family, SL_AF_INET);
	assert_memory_equal(&st[0].addr.a, &up->addr.a, sizeof(up->addr.a));
	assert_int_equal(st[0].port, up->port);
	assert_int_equal(st[0].type, SL_CHECK_TCP);
	assert_int_equal(st[0].health, SL_HEALTH_UP);
	assert_int_equal(st[0].streak, 0);
	assert_true(st[0].checks >= 3);
	assert_int_equal(st[0].failures, 0);
	assert_int_equal(st[0].changes, 0);
	assert_int_equal(st[0].last_change_ms, 0);
	assert_true(st[0].last_ms < WAIT_MS);
	assert_string_equal(st[0].last_reason, "ok");

	assert_int_equal(sl_hc_status(e->hc, st, 3), 2);
	assert_memory_equal(&st[2], &sentinel, sizeof(sentinel));
	now = sl_now_ms();
	assert_int_equal(st[1].port, dn->port);
	assert_int_equal(st[1].health, SL_HEALTH_DOWN);
	assert_true(st[1].checks >= 3);
	assert_int_equal(st[1].failures, st[1].checks);
	assert_int_equal(st[1].changes, 1);
	assert_true(st[1].last_change_ms > 0 && st[1].last_change_ms <= now);
	assert_string_equal(st[1].last_reason, "connect: Connection refused");
	env_free(e);
	free(t);
}

/* First checks of many backends are spread over the interval. */
static void
test_spread(void **state)
{
	enum { N = 32 };
	struct env *e = env_new();
	struct srv *l = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();
	uint64_t first[N] = {0}, t0, lo = UINT64_MAX, hi = 0;
	int i, left = N;

	(void)state;
	for (i = 0; i < N; i++) {
		char name[16];
		struct sl_check c = ck(SL_CHECK_TCP, 1, 1);

		c.interval_ms = 1000;
		c.timeout_ms = 100;
		snprintf(name, sizeof(name), "s%02d", i);
		tbe(t, tsvc(t, name, c), l);
	}
	t0 = sl_now_ms();
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	while (left && sl_now_ms() < t0 + WAIT_MS) {
		struct sl_hc_status st[N];

		assert_int_equal(sl_loop_once(e->loop, 5), 0);
		assert_int_equal(sl_hc_status(e->hc, st, N), N);
		for (i = 0; i < N; i++) {
			if (!first[i] && st[i].checks) {
				first[i] = sl_now_ms();
				left--;
			}
		}
	}
	assert_int_equal(left, 0);
	for (i = 0; i < N; i++) {
		lo = first[i] < lo ? first[i] : lo;
		hi = first[i] > hi ? first[i] : hi;
	}
	/* uniform over 1 s, 32 of them: all within 250ms is next to impossible */
	assert_true(hi - lo >= 250);
	assert_int_equal(e->n, 0);
	env_free(e);
	free(t);
}

/* socket() fails (EMFILE): a failure with the reason, then checks go on. */
static void
test_emfile(void **state)
{
	struct env *e = env_new();
	struct srv *dn = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();
	struct rlimit old, low;
	int fd, ok;

	(void)state;
	tbe(t, tsvc(t, "a", ck(SL_CHECK_TCP, 1, 1)), dn);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the lowest free descriptor */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	ok = RUN_UNTIL(e, all_checked(e, 0, 1, 1));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(ok);

	assert_int_equal(e->n, 1);
	assert_int_equal(e->notes[0].health, SL_HEALTH_DOWN);
	assert_string_equal(e->notes[0].reason, "socket: Too many open files");
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 1, 2)));
	assert_string_equal(st_at(e, 0).last_reason, "connect: Connection refused");
	env_free(e);
	free(t);
}

static unsigned int
srv_nconns(const struct srv *s)
{
	const struct tconn *c;
	unsigned int n = 0;

	for (c = s ? s->conns : NULL; c; c = c->next)
		n++;
	return n;
}

/* sl_hc_free with checks in flight (http waiting for an answer, tls in
 * its handshake): no descriptor left, nothing called afterwards. */
static void
test_free_in_flight(void **state)
{
	struct env *e = env_new();
	struct srv *silent = env_srv(e, SRV_SILENT, SL_AF_INET, NULL);
	struct srv *silent6 = have_ipv6 ? env_srv(e, SRV_SILENT, SL_AF_INET6, NULL) : NULL;
	struct tcfg *t = tcfg_new();
	unsigned int want = 0;
	int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		char name[16];
		struct sl_check c = ck(i % 2 ? SL_CHECK_TLS : SL_CHECK_HTTP, 1, 1);
		int s;

		/* first checks within a second, each in flight for a second */
		c.interval_ms = 1000;
		c.timeout_ms = 1000;
		snprintf(name, sizeof(name), "s%d", i);
		s = tsvc(t, name, c);
		tbe(t, s, silent);
		want++;
		if (silent6) {
			tbe(t, s, silent6);
			want++;
		}
	}
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	/* all in flight at once: the server holds a connection from each */
	assert_true(RUN_UNTIL(e, srv_nconns(silent) + srv_nconns(silent6) == want));
	assert_true(count_fds() >= e->fds0 + 2 * (int)want);

	sl_hc_free(e->hc);
	e->hc = NULL;
	sl_hc_free(NULL);
	/* the servers see the checks go; the loop calls nothing of the checker */
	assert_true(RUN_UNTIL(e, srv_nconns(silent) + srv_nconns(silent6) == 0));
	run_for(e, 50);
	assert_int_equal(e->n, 0);
	env_free(e);
	free(t);
}

/* sl_hc_sync from notify, as the daemon does (apply the change, sync),
 * even removing the very backend being notified. */
static struct tcfg *hook_cfg;

static void
hook_resync(struct env *e, const struct note *n)
{
	(void)n;
	sl_hc_apply(e->hc, &hook_cfg->c);
	assert_int_equal(sl_hc_sync(e->hc, &hook_cfg->c), 0);
}

static void
hook_remove(struct env *e, const struct note *n)
{
	struct sl_service_cfg *s = &hook_cfg->svc[0];
	uint32_t i;

	for (i = 0; i < s->n_backends; i++)
		if (s->backends[i].port == n->port)
			tbe_del(hook_cfg, 0, (int)i);
	assert_int_equal(sl_hc_sync(e->hc, &hook_cfg->c), 0);
}

static void
test_sync_from_notify(void **state)
{
	struct env *e = env_new();
	struct srv *up = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *dn = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct srv *dn2 = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new();
	uint64_t checks;
	int s = tsvc(t, "a", ck(SL_CHECK_TCP, 1, 1));

	(void)state;
	tbe(t, s, up);
	tbe(t, s, dn);
	hook_cfg = t;
	e->hook = hook_resync;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 1));
	assert_int_equal(t->svc[s].backends[1].health, SL_HEALTH_DOWN);
	assert_int_equal(st_at(e, 1).health, SL_HEALTH_DOWN); /* kept by the sync */
	assert_int_equal(st_at(e, 1).changes, 1);
	srv_open_up(dn);
	assert_true(RUN_UNTIL(e, e->n >= 2));
	assert_int_equal(e->notes[1].health, SL_HEALTH_UP);
	assert_int_equal(t->svc[s].backends[1].health, SL_HEALTH_UP);
	assert_int_equal(st_at(e, 1).changes, 2);

	/* the notified backend is removed from within notify */
	tbe(t, s, dn2);
	e->hook = hook_remove;
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 3));
	assert_int_equal(e->notes[2].port, dn2->port);
	assert_int_equal(st_count(e), 2);
	checks = st_at(e, 0).checks;
	run_for(e, 250);
	assert_int_equal(e->n, 3);
	assert_true(st_at(e, 0).checks > checks); /* the others go on */
	env_free(e);
	free(t);
}

/* sl_hc_sync is all or nothing when memory runs out. */
static void
test_sync_nomem(void **state)
{
	struct env *e = env_new();
	struct srv *l1 = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *l2 = env_srv(e, SRV_ACCEPT, SL_AF_INET, NULL);
	struct srv *dn = env_srv(e, SRV_CLOSED, SL_AF_INET, NULL);
	struct tcfg *t = tcfg_new(), *t2 = tcfg_new();
	struct sl_hc_status before[2], after[2];
	int a, k, rc = -1;

	(void)state;
	a = tsvc(t, "a", ck(SL_CHECK_TCP, 1, 1));
	tbe(t, a, l1);
	tbe(t, a, dn);
	assert_int_equal(sl_hc_sync(e->hc, &t->c), 0);
	assert_true(RUN_UNTIL(e, e->n >= 1 && all_checked(e, 0, 2, 1)));

	/* new: a/l2 and b/l1; kept: a/l1; gone: a/dn */
	a = tsvc(t2, "a", ck(SL_CHECK_TCP, 1, 1));
	tbe(t2, a, l1);
	tbe(t2, a, l2);
	tbe(t2, tsvc(t2, "b", ck(SL_CHECK_HTTP, 1, 1)), l1);
	calloc_failed = 0;
	for (k = 1; k < 32; k++) {
		assert_int_equal(sl_hc_status(e->hc, before, 2), 2);
		calloc_countdown = k;
		rc = sl_hc_sync(e->hc, &t2->c);
		calloc_countdown = 0;
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		/* unchanged */
		assert_int_equal(sl_hc_status(e->hc, after, 2), 2);
		assert_memory_equal(before, after, sizeof(before));
		/* and still running */
		assert_true(RUN_UNTIL(e, st_at(e, 0).checks > before[0].checks));
	}
	if (!calloc_failed)
		skip(); /* not linked with --wrap=calloc */
	assert_int_equal(rc, 0);
	assert_true(k > 1);
	assert_int_equal(calloc_failed, k - 1);
	assert_int_equal(st_count(e), 3);
	assert_int_equal(st_at(e, 0).port, l1->port);
	assert_true(st_at(e, 0).checks >= before[0].checks); /* kept */
	assert_int_equal(st_at(e, 1).port, l2->port);
	assert_int_equal(st_at(e, 1).checks, 0);
	assert_string_equal(st_at(e, 2).svc, "b");
	assert_true(RUN_UNTIL(e, all_checked(e, 0, 3, 1)));
	env_free(e);
	free(t);
	free(t2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_ipv4),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_http_ipv6),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_http_timeout),
		cmocka_unit_test(test_http_bad_responses),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_tls_timeout),
		cmocka_unit_test(test_sync_add_remove),
		cmocka_unit_test(test_sync_reset),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_emfile),
		cmocka_unit_test(test_free_in_flight),
		cmocka_unit_test(test_sync_from_notify),
		cmocka_unit_test(test_sync_nomem),
	};

	return cmocka_run_group_tests_name("health", tests, group_setup, group_teardown);
}

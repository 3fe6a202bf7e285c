/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_server.c - the control socket's server side (see ctl_server.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sluice/limits-t.h>

#include "ctl_server.h"
#include "log.h"
#include "sbuf.h"

#define OUT_MAX (256u << 20) /* a reply bigger than this is cut short */

struct client;

struct listener {
	struct sl_ev ev;
	struct sl_ctl *srv;
	int tls;
};

struct sl_ctl {
	struct sl_loop *loop;
	struct sl_ctl_opts o;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct listener unix_l, tcp_l;
	SSL_CTX *ssl_ctx;
	sl_ctl_exec_fn exec;
	void *arg;
	struct client *clients;
	struct sl_ctl_stats st;
};

struct client {
	struct sl_ev ev;
	struct sl_timer idle;
	struct sl_ctl *srv;
	struct client *next, **pprev;
	SSL *ssl;
	int handshaking;
	int discarding;       /* inside an overlong line */
	int eof;              /* peer closed its side */
	uint32_t events;      /* what we watch now */
	struct sbuf in, out;
};

static void
client_close(struct client *c)
{
	struct sl_ctl *s = c->srv;

	sl_loop_del(s->loop, &c->ev);
	sl_timer_cancel(s->loop, &c->idle);
	if (c->ssl) {
		if (!c->handshaking)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->ev.fd);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	sb_free(&c->in);
	sb_free(&c->out);
	s->st.clients--;
	free(c);
}

static void
client_touch(struct client *c)
{
	sl_timer_at(c->srv->loop, &c->idle, sl_now_ms() + c->srv->o.idle_ms);
}

static void
client_watch(struct client *c, uint32_t events)
{
	if (events != c->events) {
		c->events = events;
		sl_loop_mod(c->srv->loop, &c->ev, events);
	}
}

/* 1 sent all, 0 would block, -1 error */
static int
client_flush(struct client *c)
{
	while (c->out.len) {
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out.s, (int)(c->out.len > 65536 ? 65536 : c->out.len));

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					return 0;
				return -1;
			}
			n = r;
		} else {
			n = send(c->ev.fd, c->out.s, c->out.len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return 0;
				return -1;
			}
		}
		sb_consume(&c->out, (size_t)n);
	}
	return 1;
}

/* Run every complete line in the input buffer. Stops when output is
 * pending, so that a client that does not read is not served further. */
static void
client_process(struct client *c)
{
	struct sl_ctl *s = c->srv;
	size_t pos = 0;

	while (pos < c->in.len && !c->out.len) {
		char *nl = memchr(c->in.s + pos, '\n', c->in.len - pos);
		size_t len;

		if (!nl) {
			if (!c->eof)
				break;
			len = c->in.len - pos; /* last line without newline */
		} else {
			len = (size_t)(nl - (c->in.s + pos));
		}
		if (c->discarding) {
			c->discarding = 0;
			s->st.too_long++;
			sb_printf(&c->out, "error: line too long (more than %d bytes)\n\n",
				  SL_CMD_LINE_MAX);
		} else {
			size_t before = c->out.len;

			s->exec(s->arg, c->in.s + pos, len, &c->out);
			s->st.commands++;
			if (c->out.len > OUT_MAX) {
				c->out.len = before;
				sb_printf(&c->out, "error: reply too large\n");
			}
			sb_put(&c->out, "\n", 1);
		}
		pos += len + (nl ? 1 : 0);
	}
	sb_consume(&c->in, pos);
	if (c->in.len > SL_CMD_LINE_MAX && !memchr(c->in.s, '\n', c->in.len)) {
		/* no newline within the limit: drop what came, wait for one */
		c->discarding = 1;
		sb_reset(&c->in);
	}
}

static void client_on(struct sl_ev *ev, uint32_t events);

/* After an SSL call returned r: 1 when it only waits for the socket (the
 * watch is set, come back then), 0 when it failed or closed. */
static int
tls_wants(struct client *c, int r)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		client_watch(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return 1;
	}
	return 0;
}

static void
client_step(struct client *c)
{
	char buf[16384];
	int rc;

	if (c->handshaking) {
		int r = SSL_accept(c->ssl);

		if (r != 1) {
			if (tls_wants(c, r))
				return;
			c->srv->st.tls_refused++;
			sl_log(LOG_WARNING, "control: TLS client refused: %s",
			       ERR_reason_error_string(ERR_peek_last_error()) ?
			       ERR_reason_error_string(ERR_peek_last_error()) : "handshake failed");
			ERR_clear_error();
			client_close(c);
			return;
		}
		c->handshaking = 0;
	}
	for (;;) {
		/* write what is pending first */
		rc = client_flush(c);
		if (rc < 0) {
			client_close(c);
			return;
		}
		if (rc == 0) {
			client_watch(c, EPOLLOUT);
			return;
		}
		/* all sent: more lines already buffered? */
		if (c->in.len && (memchr(c->in.s, '\n', c->in.len) || c->eof)) {
			client_process(c);
			if (c->out.len)
				continue;
		}
		if (c->eof) {
			client_close(c);
			return;
		}
		/* read */
		ssize_t n;

		if (c->ssl) {
			int r = SSL_read(c->ssl, buf, sizeof(buf));

			if (r <= 0) {
				if (tls_wants(c, r))
					return;
				n = 0; /* closed or failed: finish what we have */
				ERR_clear_error();
			} else {
				n = r;
			}
		} else {
			n = recv(c->ev.fd, buf, sizeof(buf), 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					client_watch(c, EPOLLIN);
					return;
				}
				client_close(c);
				return;
			}
		}
		if (n == 0) {
			c->eof = 1;
			if (c->discarding || !c->in.len) {
				client_close(c);
				return;
			}
			client_process(c);
			continue;
		}
		client_touch(c);
		if (c->discarding) {
			char *nl = memchr(buf, '\n', (size_t)n);

			if (!nl)
				continue;
			sb_put(&c->in, nl, (size_t)(buf + n - nl)); /* keeps the '\n': empty line */
		} else {
			sb_put(&c->in, buf, (size_t)n);
		}
		if (c->in.oom) {
			client_close(c);
			return;
		}
		client_process(c);
	}
}

static void
client_on(struct sl_ev *ev, uint32_t events)
{
	struct client *c = (struct client *)ev;

	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		client_close(c);
		return;
	}
	client_step(c);
}

static void
client_idle(struct sl_timer *t)
{
	struct client *c = (struct client *)((char *)t - offsetof(struct client, idle));

	c->srv->st.idle_closed++;
	client_close(c);
}

static void
listener_on(struct sl_ev *ev, uint32_t events)
{
	struct listener *l = (struct listener *)ev;
	struct sl_ctl *s = l->srv;

	(void)events;
	for (;;) {
		int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				sl_log(LOG_WARNING, "control: accept: %s", strerror(errno));
			return;
		}
		if (s->st.clients >= s->o.max_clients) {
			static const char msg[] = "error: too many clients\n\n";

			s->st.refused++;
			if (!l->tls && send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* nothing more to do for it */
			}
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->ev.fd = fd;
		c->ev.on = client_on;
		c->idle.on = client_idle;
		c->srv = s;
		if (l->tls) {
			c->ssl = SSL_new(s->ssl_ctx);
			if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
				SSL_free(c->ssl);
				close(fd);
				free(c);
				continue;
			}
			c->handshaking = 1;
		}
		c->events = EPOLLIN;
		if (sl_loop_add(s->loop, &c->ev, EPOLLIN) < 0) {
			SSL_free(c->ssl);
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		if (c->next)
			c->next->pprev = &c->next;
		c->pprev = &s->clients;
		s->clients = c;
		s->st.clients++;
		s->st.accepted++;
		client_touch(c);
		if (c->ssl)
			client_step(c);
	}
}

static int
unix_listen(struct sl_ctl *s, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd;

	if (strlen(s->o.path) >= sizeof(sa.sun_path))
		return sl_err(err, errlen, "socket path %s is too long", s->o.path);
	strcpy(sa.sun_path, s->o.path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sl_err(err, errlen, "socket: %s", strerror(errno));
	/* a socket file left by a dead daemon is removed; a live one is not */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return sl_err(err, errlen, "another sluiced is listening on %s", s->o.path);
	}
	if (errno == ECONNREFUSED) {
		struct stat st;

		if (lstat(s->o.path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(s->o.path);
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sl_err(err, errlen, "socket: %s", strerror(errno));
	old = umask(0177); /* never reachable by others, even for an instant */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		umask(old);
		close(fd);
		return sl_err(err, errlen, "cannot bind %s: %s", s->o.path, strerror(e));
	}
	umask(old);
	if (s->o.gid != (gid_t)-1 && chown(s->o.path, (uid_t)-1, s->o.gid) < 0) {
		int e = errno;

		close(fd);
		unlink(s->o.path);
		return sl_err(err, errlen, "cannot set the group of %s: %s", s->o.path, strerror(e));
	}
	if (chmod(s->o.path, s->o.mode) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		unlink(s->o.path);
		return sl_err(err, errlen, "cannot listen on %s: %s", s->o.path, strerror(e));
	}
	strcpy(s->path, s->o.path);
	s->unix_l.ev.fd = fd;
	s->unix_l.ev.on = listener_on;
	s->unix_l.srv = s;
	if (sl_loop_add(s->loop, &s->unix_l.ev, EPOLLIN) < 0) {
		close(fd);
		unlink(s->o.path);
		s->path[0] = 0;
		return sl_err(err, errlen, "epoll: %s", strerror(errno));
	}
	return 0;
}

static int
ssl_err(char *err, size_t errlen, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return sl_err(err, errlen, "%s %s: %s", what, file, buf);
}

static int
tls_listen(struct sl_ctl *s, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[64];
	const char *a = s->o.tls_listen, *colon;
	size_t hlen;
	long port;
	char *end;
	int fd, one = 1;

	if (!s->o.tls_cert || !s->o.tls_key || !s->o.tls_ca)
		return sl_err(err, errlen, "remote control needs a certificate, its key and a "
			       "client CA (--remote-cert, --remote-key, --remote-ca)");
	memset(&ss, 0, sizeof(ss));
	if (a[0] == '[') {
		const char *rb = strchr(a, ']');

		if (!rb || rb[1] != ':')
			return sl_err(err, errlen, "bad remote address %s", a);
		hlen = (size_t)(rb - a - 1);
		colon = rb + 1;
		a++;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			return sl_err(err, errlen, "bad remote address %s (expected ADDR:PORT)", a);
		hlen = (size_t)(colon - a);
	}
	if (hlen >= sizeof(host))
		return sl_err(err, errlen, "bad remote address %s", s->o.tls_listen);
	memcpy(host, a, hlen);
	host[hlen] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return sl_err(err, errlen, "bad remote port in %s", s->o.tls_listen);
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return sl_err(err, errlen, "bad remote address %s", s->o.tls_listen);
	}

	s->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ssl_ctx)
		return ssl_err(err, errlen, "TLS", "context");
	SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, s->o.tls_cert) != 1)
		return ssl_err(err, errlen, "cannot load certificate", s->o.tls_cert);
	if (SSL_CTX_use_PrivateKey_file(s->ssl_ctx, s->o.tls_key, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			return sl_err(err, errlen, "key %s does not match certificate %s",
				       s->o.tls_key, s->o.tls_cert);
		}
		return ssl_err(err, errlen, "cannot load key", s->o.tls_key);
	}
	if (SSL_CTX_check_private_key(s->ssl_ctx) != 1)
		return ssl_err(err, errlen, "key does not match certificate", s->o.tls_cert);
	if (SSL_CTX_load_verify_locations(s->ssl_ctx, s->o.tls_ca, NULL) != 1)
		return ssl_err(err, errlen, "cannot load client CA", s->o.tls_ca);
	SSL_CTX_set_verify(s->ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_options(s->ssl_ctx, SSL_OP_NO_RENEGOTIATION);

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sl_err(err, errlen, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		return sl_err(err, errlen, "cannot listen on %s: %s", s->o.tls_listen, strerror(e));
	}
	s->tcp_l.ev.fd = fd;
	s->tcp_l.ev.on = listener_on;
	s->tcp_l.srv = s;
	s->tcp_l.tls = 1;
	if (sl_loop_add(s->loop, &s->tcp_l.ev, EPOLLIN) < 0) {
		close(fd);
		s->tcp_l.ev.fd = -1;
		return sl_err(err, errlen, "epoll: %s", strerror(errno));
	}
	return 0;
}

struct sl_ctl *
sl_ctl_new(struct sl_loop *loop, const struct sl_ctl_opts *o, sl_ctl_exec_fn fn, void *arg,
	   char *err, size_t errlen)
{
	struct sl_ctl *s = calloc(1, sizeof(*s));

	if (!s) {
		sl_err(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->o = *o;
	if (!s->o.max_clients)
		s->o.max_clients = 256;
	if (!s->o.idle_ms)
		s->o.idle_ms = 300000;
	s->exec = fn;
	s->arg = arg;
	s->unix_l.ev.fd = -1;
	s->tcp_l.ev.fd = -1;
	/* the local socket last: when it answers, everything listens */
	if ((o->tls_listen && tls_listen(s, err, errlen) < 0) ||
	    (o->path && unix_listen(s, err, errlen) < 0)) {
		sl_ctl_free(s);
		return NULL;
	}
	return s;
}

void
sl_ctl_free(struct sl_ctl *s)
{
	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	if (s->unix_l.ev.fd >= 0) {
		sl_loop_del(s->loop, &s->unix_l.ev);
		close(s->unix_l.ev.fd);
	}
	if (s->tcp_l.ev.fd >= 0) {
		sl_loop_del(s->loop, &s->tcp_l.ev);
		close(s->tcp_l.ev.fd);
	}
	if (s->path[0])
		unlink(s->path);
	SSL_CTX_free(s->ssl_ctx);
	free(s);
}

void
sl_ctl_get_stats(const struct sl_ctl *s, struct sl_ctl_stats *out)
{
	*out = s->st;
}

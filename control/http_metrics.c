/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http_metrics.h"
#include "sbuf.h"

struct sl_http_metrics {
	struct sl_ev ev;            /* MHD's epoll descriptor, in our loop */
	struct sl_timer tick;       /* MHD's own timeouts */
	struct sl_loop *loop;
	struct MHD_Daemon *mhd;
	sl_metrics_fn fn;
	void *arg;
};

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_len, void **state)
{
	struct sl_http_metrics *h = cls;
	struct MHD_Response *r;
	struct sbuf b = {0};
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;

	(void)version, (void)upload, (void)state;
	if (*upload_len)
		return MHD_NO;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		sb_printf(&b, "only GET and HEAD\n");
	} else if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		sb_printf(&b, "sluice serves /metrics only\n");
	} else {
		h->fn(h->arg, &b);
	}
	if (b.oom) {
		sb_free(&b);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(b.len, b.s ? b.s : (char *)"", MHD_RESPMEM_MUST_COPY);
	sb_free(&b);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", status == MHD_HTTP_OK ?
				"text/plain; version=0.0.4; charset=utf-8" : "text/plain");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
rearm(struct sl_http_metrics *h)
{
	MHD_UNSIGNED_LONG_LONG to;

	if (MHD_get_timeout(h->mhd, &to) == MHD_YES)
		sl_timer_at(h->loop, &h->tick, sl_now_ms() + (uint64_t)to);
	else
		sl_timer_cancel(h->loop, &h->tick);
}

static void
on_ev(struct sl_ev *ev, uint32_t events)
{
	struct sl_http_metrics *h = (struct sl_http_metrics *)ev;

	(void)events;
	MHD_run(h->mhd);
	rearm(h);
}

static void
on_tick(struct sl_timer *t)
{
	struct sl_http_metrics *h =
		(struct sl_http_metrics *)((char *)t - offsetof(struct sl_http_metrics, tick));

	MHD_run(h->mhd);
	rearm(h);
}

struct sl_http_metrics *
sl_http_metrics_new(struct sl_loop *loop, const char *listen, sl_metrics_fn fn, void *arg,
		    char *err, size_t errlen)
{
	struct sl_http_metrics *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	char host[64];
	const char *colon, *a = listen;
	const union MHD_DaemonInfo *info;
	size_t hlen;
	long port;
	char *end;

	if (!h) {
		sl_err(err, errlen, "out of memory");
		return NULL;
	}
	memset(&ss, 0, sizeof(ss));
	if (a[0] == '[') {
		const char *rb = strchr(a, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		hlen = (size_t)(rb - a - 1);
		colon = rb + 1;
		a++;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - a);
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, a, hlen);
	host[hlen] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		goto bad;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	} else {
		goto bad;
	}
	h->loop = loop;
	h->fn = fn;
	h->arg = arg;
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  (uint16_t)port, NULL, NULL, answer, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				  MHD_OPTION_END);
	if (!h->mhd) {
		sl_err(err, errlen, "cannot serve metrics on %s: %s", listen, strerror(errno));
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->ev.fd = info ? info->epoll_fd : -1;
	h->ev.on = on_ev;
	h->tick.on = on_tick;
	if (h->ev.fd < 0 || sl_loop_add(loop, &h->ev, EPOLLIN) < 0) {
		sl_err(err, errlen, "cannot serve metrics: no epoll descriptor");
		MHD_stop_daemon(h->mhd);
		free(h);
		return NULL;
	}
	return h;
bad:
	sl_err(err, errlen, "bad metrics address '%s' (expected ADDR:PORT or [ADDR6]:PORT)", listen);
	free(h);
	return NULL;
}

void
sl_http_metrics_free(struct sl_http_metrics *h)
{
	if (!h)
		return;
	sl_loop_del(h->loop, &h->ev);
	sl_timer_cancel(h->loop, &h->tick);
	MHD_stop_daemon(h->mhd);
	free(h);
}

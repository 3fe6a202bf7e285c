/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sinks.c - the push side of monitoring (see sinks.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>

#include "loop.h"
#include "sinks.h"

#define SEND_TIMEOUT_MS 5000
#define BACKOFF_MIN_MS  1000
#define BACKOFF_MAX_MS  60000
#define HTTP_BATCH_MAX  (1000 * 1000)   /* under SumoLogic's 1 MB */
#define UDP_MAX         1400

struct sl_sinks;

/* One sink, with a thread of its own: a slow sink delays only itself. */
struct sink {
	struct sl_sinks *owner;
	pthread_t th;
	pthread_cond_t cv;
	int gone;                /* removed: the thread ends after its send */
	int done;                /* the thread has ended (joinable) */
	struct sink *next_retired;
	struct sl_sink_cfg cfg;
	uint64_t next_due_ms;
	char *q[SL_SINK_BACKLOG];
	size_t qlen[SL_SINK_BACKLOG];
	int qn;
	uint64_t sent, failed, dropped, last_ok, last_err_ms, retry_at, backoff;
	char last_error[160];
};

struct sl_sinks {
	pthread_mutex_t mu;
	struct sink *s[SL_MAX_SINKS];
	int n;
	struct sink *retired;    /* removed sinks whose thread may still run */
	char host[64];
};

/* ---- formats ---------------------------------------------------------------- */

/* One sample of Prometheus text: name, up to 8 label values, value. */
struct sample {
	char name[128];
	char lk[8][32], lv[8][96];
	int nl;
	char value[32];
};

static int
parse_sample(const char *line, size_t len, struct sample *s)
{
	size_t i = 0, j;

	memset(s, 0, sizeof(*s));
	if (!len || line[0] == '#')
		return -1;
	for (j = 0; i < len && line[i] != '{' && line[i] != ' ' && j < sizeof(s->name) - 1; i++)
		s->name[j++] = line[i];
	if (i < len && line[i] == '{') {
		i++;
		while (i < len && line[i] != '}' && s->nl < 8) {
			for (j = 0; i < len && line[i] != '=' && j < sizeof(s->lk[0]) - 1; i++)
				s->lk[s->nl][j++] = line[i];
			if (i + 1 >= len || line[i + 1] != '"')
				return -1;
			i += 2;
			for (j = 0; i < len && line[i] != '"' && j < sizeof(s->lv[0]) - 1; i++) {
				if (line[i] == '\\' && i + 1 < len)
					i++;
				s->lv[s->nl][j++] = line[i];
			}
			i++; /* closing quote */
			s->nl++;
			if (i < len && line[i] == ',')
				i++;
		}
		i++; /* '}' */
	}
	while (i < len && line[i] == ' ')
		i++;
	for (j = 0; i < len && line[i] != ' ' && j < sizeof(s->value) - 1; i++)
		s->value[j++] = line[i];
	return s->name[0] && s->value[0] ? 0 : -1;
}

/* graphite/statsd path element: letters, digits, '-', '_' */
static void
put_clean(struct sbuf *o, const char *v)
{
	for (; *v; v++) {
		char c = *v;

		sb_printf(o, "%c", (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' ? c : '_');
	}
}

static void
each_sample(const char *prom, void (*fn)(const struct sample *, void *), void *arg)
{
	const char *p = prom;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct sample s;

		if (!parse_sample(p, len, &s))
			fn(&s, arg);
		p += len + (nl ? 1 : 0);
	}
}

struct fmt_ctx {
	struct sbuf *o;
	const char *prefix;
	uint64_t ts;
};

static void
graphite_one(const struct sample *s, void *arg)
{
	struct fmt_ctx *f = arg;
	int i;

	sb_printf(f->o, "%s.", f->prefix);
	put_clean(f->o, s->name);
	for (i = 0; i < s->nl; i++) {
		sb_printf(f->o, ".");
		put_clean(f->o, s->lv[i]);
	}
	sb_printf(f->o, " %s %llu\n", s->value, (unsigned long long)f->ts);
}

void
sl_fmt_graphite(const char *prom, const char *prefix, uint64_t ts, struct sbuf *out)
{
	struct fmt_ctx f = {out, prefix, ts};

	each_sample(prom, graphite_one, &f);
}

static void
carbon2_one(const struct sample *s, void *arg)
{
	struct fmt_ctx *f = arg;
	int i;

	sb_printf(f->o, "metric=");
	put_clean(f->o, s->name);
	for (i = 0; i < s->nl; i++) {
		sb_printf(f->o, " ");
		put_clean(f->o, s->lk[i]);
		sb_printf(f->o, "=");
		put_clean(f->o, s->lv[i]);
	}
	sb_printf(f->o, "  host=");
	put_clean(f->o, f->prefix);
	sb_printf(f->o, " %s %llu\n", s->value, (unsigned long long)f->ts);
}

void
sl_fmt_carbon2(const char *prom, const char *host, uint64_t ts, struct sbuf *out)
{
	struct fmt_ctx f = {out, host, ts};

	each_sample(prom, carbon2_one, &f);
}

static void
statsd_one(const struct sample *s, void *arg)
{
	struct fmt_ctx *f = arg;
	int i;

	sb_printf(f->o, "%s.", f->prefix);
	put_clean(f->o, s->name);
	for (i = 0; i < s->nl; i++) {
		sb_printf(f->o, ".");
		put_clean(f->o, s->lv[i]);
	}
	sb_printf(f->o, ":%s|g\n", s->value);
}

void
sl_fmt_statsd(const char *prom, const char *prefix, struct sbuf *out)
{
	struct fmt_ctx f = {out, prefix, 0};

	each_sample(prom, statsd_one, &f);
}

/* ---- transports ------------------------------------------------------------- */

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

static int
gzip_body(const char *in, size_t len, struct sbuf *out)
{
	z_stream z;
	size_t cap = compressBound((uLong)len) + 64;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	sb_reset(out);
	sb_put(out, "", 0);
	{
		char *p = realloc(out->s, cap);

		if (!p) {
			deflateEnd(&z);
			return -1;
		}
		out->s = p;
		out->cap = cap;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->s;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

static int
http_send(const char *url, const char *method, const char *body, size_t len, const char *ctype,
	  const char *category, const char *dimensions, int gzip, char *err, size_t errlen)
{
	struct curl_slist *h = NULL;
	struct sbuf z = {0};
	char hdr[256];
	long code = 0;
	CURLcode rc;
	CURL *c = curl_easy_init();

	if (!c) {
		snprintf(err, errlen, "curl: cannot start");
		return -1;
	}
	snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
	h = curl_slist_append(h, hdr);
	if (category && *category) {
		snprintf(hdr, sizeof(hdr), "X-Sumo-Category: %s", category);
		h = curl_slist_append(h, hdr);
	}
	if (dimensions && *dimensions) {
		snprintf(hdr, sizeof(hdr), "X-Sumo-Dimensions: %s", dimensions);
		h = curl_slist_append(h, hdr);
	}
	if (gzip) {
		if (gzip_body(body, len, &z) < 0) {
			snprintf(err, errlen, "gzip failed");
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			sb_free(&z);
			return -1;
		}
		body = z.s;
		len = z.len;
		h = curl_slist_append(h, "Content-Encoding: gzip");
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SEND_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "sluice/0.1");
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	sb_free(&z);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	if (code < 200 || code > 299) {
		snprintf(err, errlen, "HTTP %ld", code);
		return -1;
	}
	return 0;
}

static int
host_port(const char *target, int socktype, struct addrinfo **res, char *err, size_t errlen)
{
	char host[256], *colon;
	struct addrinfo hints = {.ai_socktype = socktype};
	int rc;

	snprintf(host, sizeof(host), "%s", target);
	colon = strrchr(host, ':');
	if (!colon) {
		snprintf(err, errlen, "bad address %s", target);
		return -1;
	}
	*colon = 0;
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	rc = getaddrinfo(host, colon + 1, &hints, res);
	if (rc) {
		snprintf(err, errlen, "%s: %s", target, gai_strerror(rc));
		return -1;
	}
	return 0;
}

static int
graphite_send(const char *target, const char *body, size_t len, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct pollfd p;
	size_t off = 0;
	int fd, rc;

	if (host_port(target, SOCK_STREAM, &res, err, errlen) < 0)
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	while (off < len) {
		ssize_t n;

		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, SEND_TIMEOUT_MS) <= 0) {
			snprintf(err, errlen, "timeout after %d ms", SEND_TIMEOUT_MS);
			close(fd);
			return -1;
		}
		n = send(fd, body + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN)
				continue;
			snprintf(err, errlen, "send: %s", strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
}

static int
statsd_send(const char *target, const char *body, size_t len, char *err, size_t errlen)
{
	struct addrinfo *res;
	size_t pos = 0;
	int fd;

	if (host_port(target, SOCK_DGRAM, &res, err, errlen) < 0)
		return -1;
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		snprintf(err, errlen, "udp: %s", strerror(errno));
		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);
	/* whole lines per datagram, each datagram within UDP_MAX */
	while (pos < len) {
		size_t end = pos, last = pos;

		while (end < len) {
			const char *nl = memchr(body + end, '\n', len - end);
			size_t next = nl ? (size_t)(nl - body) + 1 : len;

			if (next - pos > UDP_MAX && last > pos)
				break;
			last = next;
			end = next;
			if (next - pos > UDP_MAX)
				break; /* one line longer than a datagram: alone */
		}
		if (send(fd, body + pos, last - pos - (body[last - 1] == '\n'), 0) < 0) {
			snprintf(err, errlen, "udp send: %s", strerror(errno));
			close(fd);
			return -1;
		}
		pos = last;
	}
	close(fd);
	return 0;
}

/* Send one payload (Prometheus text) as the sink's format. */
static int
deliver(const struct sl_sink_cfg *c, const char *host, const char *prom, size_t len, char *err,
	size_t errlen)
{
	struct sbuf b = {0};
	uint64_t ts = (uint64_t)time(NULL);
	char url[SL_URL_MAX + 128], prefix[96];
	int rc = -1;

	snprintf(prefix, sizeof(prefix), "sluice.%s", host);
	switch (c->type) {
	case SL_SINK_PUSHGATEWAY: {
		size_t n = strlen(c->target);

		snprintf(url, sizeof(url), "%.*s/metrics/job/sluice/instance/%s",
			 (int)(n && c->target[n - 1] == '/' ? n - 1 : n), c->target, host);
		rc = http_send(url, "PUT", prom, len, "text/plain; version=0.0.4", NULL, NULL, 0, err,
			       errlen);
		break;
	}
	case SL_SINK_HTTP: {
		static const char *const ct[SL_FMT_MAX] = {
			"application/vnd.sumologic.prometheus", "application/vnd.sumologic.graphite",
			"application/vnd.sumologic.carbon2"};
		const char *body = prom;
		size_t blen = len, pos = 0;

		if (c->format == SL_FMT_GRAPHITE) {
			sl_fmt_graphite(prom, prefix, ts, &b);
			body = b.s ? b.s : "";
			blen = b.len;
		} else if (c->format == SL_FMT_CARBON2) {
			sl_fmt_carbon2(prom, host, ts, &b);
			body = b.s ? b.s : "";
			blen = b.len;
		}
		/* batches under 1 MB, cut at line ends */
		rc = 0;
		while (pos < blen && rc == 0) {
			size_t end = blen;

			if (end - pos > HTTP_BATCH_MAX) {
				end = pos + HTTP_BATCH_MAX;
				while (end > pos && body[end - 1] != '\n')
					end--;
				if (end == pos)
					end = pos + HTTP_BATCH_MAX;
			}
			rc = http_send(c->target, "POST", body + pos, end - pos, ct[c->format],
				       c->category, c->dimensions, c->gzip, err, errlen);
			pos = end;
		}
		break;
	}
	case SL_SINK_STATSD:
		sl_fmt_statsd(prom, prefix, &b);
		rc = statsd_send(c->target, b.s ? b.s : "", b.len, err, errlen);
		break;
	default:
		sl_fmt_graphite(prom, prefix, ts, &b);
		rc = graphite_send(c->target, b.s ? b.s : "", b.len, err, errlen);
		break;
	}
	if (b.oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	sb_free(&b);
	return rc;
}

/* ---- the thread ----------------------------------------------------------------- */

static struct sink *
find(struct sl_sinks *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->s[i]->cfg.name, name))
			return s->s[i];
	return NULL;
}

static void
sink_free(struct sink *k)
{
	int i;

	for (i = 0; i < k->qn; i++)
		free(k->q[i]);
	pthread_cond_destroy(&k->cv);
	free(k);
}

static void *
run(void *arg)
{
	struct sink *k = arg;
	struct sl_sinks *s = k->owner;

	pthread_mutex_lock(&s->mu);
	while (!k->gone) {
		uint64_t now = sl_now_ms();

		if (!k->qn || k->retry_at > now) {
			uint64_t wake = k->qn ? k->retry_at : now + 1000;
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)((wake - now) / 1000);
			ts.tv_nsec += (long)((wake - now) % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&k->cv, &s->mu, &ts);
			continue;
		}
		{
			struct sl_sink_cfg cfg = k->cfg;
			char *payload = k->q[0], err[160] = "";
			size_t len = k->qlen[0];
			int rc;

			/* out of the queue while it is sent; back to its head if it fails */
			memmove(k->q, k->q + 1, (size_t)(k->qn - 1) * sizeof(k->q[0]));
			memmove(k->qlen, k->qlen + 1, (size_t)(k->qn - 1) * sizeof(k->qlen[0]));
			k->qn--;
			pthread_mutex_unlock(&s->mu);
			rc = deliver(&cfg, s->host, payload, len, err, sizeof(err));
			pthread_mutex_lock(&s->mu);
			now = sl_now_ms();
			if (rc == 0) {
				k->sent++;
				k->last_ok = now;
				k->backoff = 0;
				k->retry_at = 0;
				free(payload);
			} else {
				k->failed++;
				k->last_err_ms = now;
				snprintf(k->last_error, sizeof(k->last_error), "%s", err);
				k->backoff = k->backoff ? k->backoff * 2 : BACKOFF_MIN_MS;
				if (k->backoff > BACKOFF_MAX_MS)
					k->backoff = BACKOFF_MAX_MS;
				k->retry_at = now + k->backoff;
				if (k->qn < SL_SINK_BACKLOG) {
					memmove(k->q + 1, k->q, (size_t)k->qn * sizeof(k->q[0]));
					memmove(k->qlen + 1, k->qlen, (size_t)k->qn * sizeof(k->qlen[0]));
					k->q[0] = payload;
					k->qlen[0] = len;
					k->qn++;
				} else {
					k->dropped++;
					free(payload);
				}
			}
		}
	}
	k->done = 1;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct sl_sinks *
sl_sinks_new(const char *host)
{
	struct sl_sinks *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	snprintf(s->host, sizeof(s->host), "%s", host);
	pthread_mutex_init(&s->mu, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return s;
}

/* Join and free retired sinks whose thread has ended (all, if wait). */
static void
reap(struct sl_sinks *s, int wait)
{
	struct sink **pp = &s->retired;

	while (*pp) {
		struct sink *k = *pp;
		int done;

		pthread_mutex_lock(&s->mu);
		done = k->done;
		pthread_mutex_unlock(&s->mu);
		if (done || wait) {
			pthread_join(k->th, NULL);
			*pp = k->next_retired;
			sink_free(k);
		} else {
			pp = &k->next_retired;
		}
	}
}

/* Under s->mu: stop k's thread at its next wake and keep it for reaping. */
static void
retire(struct sl_sinks *s, struct sink *k)
{
	k->gone = 1;
	pthread_cond_signal(&k->cv);
	k->next_retired = s->retired;
	s->retired = k;
}

void
sl_sinks_free(struct sl_sinks *s)
{
	int i;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n; i++)
		retire(s, s->s[i]);
	s->n = 0;
	pthread_mutex_unlock(&s->mu);
	reap(s, 1);
	curl_global_cleanup();
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int
sl_sinks_sync(struct sl_sinks *s, const struct sl_config *cfg)
{
	struct sink *next[SL_MAX_SINKS] = {0};
	uint32_t i;
	int j, rc = 0;

	reap(s, 0);
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < cfg->n_sinks && i < SL_MAX_SINKS; i++) {
		struct sink *k = find(s, cfg->sinks[i].name);

		if (k) {
			if (k->cfg.interval_ms != cfg->sinks[i].interval_ms)
				k->next_due_ms = 0;
			k->cfg = cfg->sinks[i];
		} else {
			k = calloc(1, sizeof(*k));
			if (!k) {
				rc = -1;
				continue;
			}
			k->owner = s;
			k->cfg = cfg->sinks[i];
			pthread_cond_init(&k->cv, NULL);
			if (pthread_create(&k->th, NULL, run, k)) {
				pthread_cond_destroy(&k->cv);
				free(k);
				rc = -1;
				continue;
			}
		}
		next[i] = k;
	}
	for (j = 0; j < s->n; j++) {
		int kept = 0;

		for (i = 0; i < cfg->n_sinks && i < SL_MAX_SINKS; i++)
			kept |= next[i] == s->s[j];
		if (!kept)
			retire(s, s->s[j]);
	}
	s->n = 0;
	for (i = 0; i < cfg->n_sinks && i < SL_MAX_SINKS; i++)
		if (next[i])
			s->s[s->n++] = next[i];
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
sl_sinks_due(struct sl_sinks *s, uint64_t now, char (*names)[SL_NAME_MAX], int max)
{
	int i, n = 0;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n && n < max; i++) {
		struct sink *k = s->s[i];

		if (k->next_due_ms <= now) {
			memcpy(names[n++], k->cfg.name, SL_NAME_MAX);
			k->next_due_ms = now + k->cfg.interval_ms;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

int64_t
sl_sinks_next_ms(struct sl_sinks *s, uint64_t now)
{
	int64_t best = -1;
	int i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n; i++) {
		int64_t d = s->s[i]->next_due_ms <= now ? 0 : (int64_t)(s->s[i]->next_due_ms - now);

		if (best < 0 || d < best)
			best = d;
	}
	pthread_mutex_unlock(&s->mu);
	return best;
}

void
sl_sinks_push(struct sl_sinks *s, const char *name, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	struct sink *k;

	if (!copy)
		return;
	memcpy(copy, text, len);
	copy[len] = 0;
	pthread_mutex_lock(&s->mu);
	k = find(s, name);
	if (!k) {
		free(copy);
	} else {
		if (k->qn == SL_SINK_BACKLOG) {
			/* full: the oldest goes */
			free(k->q[0]);
			memmove(k->q, k->q + 1, (size_t)(k->qn - 1) * sizeof(k->q[0]));
			memmove(k->qlen, k->qlen + 1, (size_t)(k->qn - 1) * sizeof(k->qlen[0]));
			k->qn--;
			k->dropped++;
		}
		k->q[k->qn] = copy;
		k->qlen[k->qn] = len;
		k->qn++;
		pthread_cond_signal(&k->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

int
sl_sinks_status(struct sl_sinks *s, struct sl_sink_status *out, int max)
{
	int i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n && i < max; i++) {
		struct sink *k = s->s[i];

		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].name, k->cfg.name, SL_NAME_MAX);
		out[i].sent = k->sent;
		out[i].failed = k->failed;
		out[i].dropped = k->dropped;
		out[i].backlog = (uint32_t)k->qn;
		out[i].last_success_ms = k->last_ok;
		out[i].last_error_ms = k->last_err_ms;
		memcpy(out[i].last_error, k->last_error, sizeof(out[i].last_error));
	}
	pthread_mutex_unlock(&s->mu);
	return i;
}

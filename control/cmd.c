/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd.c - tokenizer and parser of the command language (see cmd.h and
 * `sluicectl help`). Every error names what was wrong in one line.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

/* ---- names -------------------------------------------------------------- */

static const char *const sched_names[SL_SCHED_MAX] = {"rr", "wrr", "maglev"};
static const char *const mode_names[SL_FWD_MAX] = {"nat", "dsr", "tunnel", "tls"};
static const char *const tunnel_names[SL_TUN_MAX] = {"ipip", "gue"};
static const char *const state_names[SL_BE_STATE_MAX] = {"ready", "drain", "maint"};
static const char *const health_names[SL_HEALTH_MAX] = {"up", "down"};
static const char *const check_names[SL_CHECK_MAX] = {"none", "tcp", "http", "tls"};
static const char *const action_names[SL_ACL_ACTION_MAX] = {"allow", "deny"};
static const char *const sink_names[SL_SINK_TYPE_MAX] = {"pushgateway", "http", "statsd",
							 "graphite"};
static const char *const format_names[SL_FMT_MAX] = {"prometheus", "graphite", "carbon2"};
static const char *const all_down_names[SL_ALL_DOWN_MAX] = {"drop", "keep-last"};
static const char *const timeout_names[SL_TIMEOUT_MAX] = {"tcp", "tcp-fin", "udp", "other"};
static const char *const show_names[SL_SHOW_MAX] = {
	"services", "backends", "acl", "stats", "flows", "health", "sinks", "certs", "ports",
	"config"};

#define NAME_OF(tbl, v) ((v) < SL_ARRAY_SIZE(tbl) ? (tbl)[v] : "?")
const char *sl_sched_name(unsigned int v) { return NAME_OF(sched_names, v); }
const char *sl_mode_name(unsigned int v) { return NAME_OF(mode_names, v); }
const char *sl_tunnel_name(unsigned int v) { return NAME_OF(tunnel_names, v); }
const char *sl_state_name(unsigned int v) { return NAME_OF(state_names, v); }
const char *sl_health_name(unsigned int v) { return NAME_OF(health_names, v); }
const char *sl_check_name(unsigned int v) { return NAME_OF(check_names, v); }
const char *sl_action_name(unsigned int v) { return NAME_OF(action_names, v); }
const char *sl_sink_type_name(unsigned int v) { return NAME_OF(sink_names, v); }
const char *sl_format_name(unsigned int v) { return NAME_OF(format_names, v); }
const char *sl_all_down_name(unsigned int v) { return NAME_OF(all_down_names, v); }
const char *sl_timeout_name(unsigned int v) { return NAME_OF(timeout_names, v); }
const char *sl_show_name(unsigned int v) { return NAME_OF(show_names, v); }

const char *
sl_proto_name(unsigned int p)
{
	switch (p) {
	case SL_IPPROTO_ANY: return "any";
	case SL_IPPROTO_TCP: return "tcp";
	case SL_IPPROTO_UDP: return "udp";
	case SL_IPPROTO_ICMP: return "icmp";
	case SL_IPPROTO_ICMPV6: return "icmpv6";
	default: return "?";
	}
}

/* ---- formatting ----------------------------------------------------------- */

int
sl_addr_format(const struct sl_ipaddr *a, char *buf, size_t len)
{
	if (a->family == SL_AF_INET)
		return inet_ntop(AF_INET, a->a.b, buf, (socklen_t)len) ? 0 : -1;
	if (a->family == SL_AF_INET6)
		return inet_ntop(AF_INET6, a->a.b, buf, (socklen_t)len) ? 0 : -1;
	snprintf(buf, len, "any");
	return 0;
}

int
sl_addr_port_format(const struct sl_ipaddr *a, uint16_t port, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];

	if (sl_addr_format(a, ab, sizeof(ab)) < 0)
		return -1;
	if (a->family == SL_AF_INET6)
		snprintf(buf, len, "[%s]:%u", ab, port);
	else
		snprintf(buf, len, "%s:%u", ab, port);
	return 0;
}

int
sl_prefix_format(const struct sl_prefix *p, char *buf, size_t len)
{
	struct sl_ipaddr a = {.a = p->a, .family = p->family};
	char ab[INET6_ADDRSTRLEN];

	if (p->family == SL_AF_NONE) {
		snprintf(buf, len, "any");
		return 0;
	}
	if (sl_addr_format(&a, ab, sizeof(ab)) < 0)
		return -1;
	snprintf(buf, len, "%s/%u", ab, p->len);
	return 0;
}

int
sl_duration_format(uint32_t ms, char *buf, size_t len)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%uh", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
	return 0;
}

/* ---- the parser ------------------------------------------------------------- */

struct parser {
	char buf[SL_CMD_LINE_MAX + 1];
	char *w[SL_CMD_WORDS_MAX];
	int n;
	int i;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A word as quoted in an error: at most 40 characters of it. */
#define Q_MAX 40
#define QW(s) (int)(strlen(s) > Q_MAX ? Q_MAX : strlen(s)), (s), (strlen(s) > Q_MAX ? "..." : "")

static const char *
peek(const struct parser *p)
{
	return p->i < p->n ? p->w[p->i] : NULL;
}

static const char *
next(struct parser *p)
{
	return p->i < p->n ? p->w[p->i++] : NULL;
}

/* The next word, which must be there: `what` says what was expected. */
static int
need(struct parser *p, const char *what, const char **out)
{
	*out = next(p);
	if (!*out)
		return fail(p, "missing %s", what);
	return 0;
}

static int
end_of_line(struct parser *p)
{
	const char *w = peek(p);

	if (w)
		return fail(p, "unexpected word '%.*s%s'", QW(w));
	return 0;
}

static int
tokenize(struct parser *p, const char *line, size_t len)
{
	size_t k;
	char *s;

	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len > SL_CMD_LINE_MAX)
		return fail(p, "line too long (%zu bytes, at most %d)", len, SL_CMD_LINE_MAX);
	for (k = 0; k < len; k++) {
		unsigned char c = (unsigned char)line[k];

		if (c == 0)
			return fail(p, "NUL byte at column %zu", k + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, "control character 0x%02x at column %zu", c, k + 1);
		if (c >= 0x80)
			return fail(p, "non-ASCII byte 0x%02x at column %zu", c, k + 1);
	}
	memcpy(p->buf, line, len);
	p->buf[len] = 0;
	p->n = 0;
	s = p->buf;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			break;
		if (p->n == SL_CMD_WORDS_MAX)
			return fail(p, "too many words (at most %d)", SL_CMD_WORDS_MAX);
		p->w[p->n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = 0;
	}
	return 0;
}

/* Pick `w` from a table of names; the error lists the choices. */
static int
choose(struct parser *p, const char *what, const char *w, const char *const *names,
       unsigned int n, uint8_t *out)
{
	char list[256] = "";
	size_t used = 0;
	unsigned int k;

	for (k = 0; k < n; k++) {
		if (names[k] && !strcmp(w, names[k])) {
			*out = (uint8_t)k;
			return 0;
		}
	}
	for (k = 0; k < n; k++) {
		if (!names[k])
			continue;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 used ? ", " : "", names[k]);
		if (used >= sizeof(list))
			break;
	}
	return fail(p, "unknown %s '%.*s%s' (expected: %s)", what, QW(w), list);
}

#define CHOOSE(p, what, w, tbl, out) choose(p, what, w, tbl, SL_ARRAY_SIZE(tbl), out)

static int
parse_u32(struct parser *p, const char *what, const char *w, uint32_t lo, uint32_t hi,
	  uint32_t *out)
{
	uint64_t v = 0;
	const char *s;

	if (!*w)
		return fail(p, "%s is empty", what);
	for (s = w; *s; s++) {
		if (*s < '0' || *s > '9')
			return fail(p, "%s '%.*s%s' is not a number", what, QW(w));
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return fail(p, "%s '%.*s%s' out of range (%u-%u)", what, QW(w), lo, hi);
	}
	if (v < lo || v > hi)
		return fail(p, "%s %llu out of range (%u-%u)", what, (unsigned long long)v, lo, hi);
	*out = (uint32_t)v;
	return 0;
}

static int
parse_port(struct parser *p, const char *what, const char *w, uint16_t *out)
{
	uint32_t v;

	if (parse_u32(p, what, w, 1, 65535, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Duration: NUMBER[ms|s|m|h], seconds without a unit. Result in ms. */
static int
parse_duration(struct parser *p, const char *what, const char *w, uint32_t lo_ms,
	       uint32_t hi_ms, uint32_t *out)
{
	char num[16];
	size_t k = 0;
	uint64_t mult, v;
	uint32_t n;
	const char *unit;

	while (w[k] >= '0' && w[k] <= '9')
		k++;
	unit = w + k;
	if (k == 0 || k >= sizeof(num))
		return fail(p, "%s '%.*s%s' is not a duration (like 500ms, 2s, 5m, 1h)", what, QW(w));
	if (!*unit || !strcmp(unit, "s"))
		mult = 1000;
	else if (!strcmp(unit, "ms"))
		mult = 1;
	else if (!strcmp(unit, "m"))
		mult = 60000;
	else if (!strcmp(unit, "h"))
		mult = 3600000;
	else
		return fail(p, "%s '%.*s%s' has an unknown unit (ms, s, m, h)", what, QW(w));
	memcpy(num, w, k);
	num[k] = 0;
	if (parse_u32(p, what, num, 0, UINT32_MAX, &n) < 0)
		return -1;
	v = (uint64_t)n * mult;
	if (v < lo_ms || v > hi_ms) {
		char lo[16], hi[16];

		sl_duration_format(lo_ms, lo, sizeof(lo));
		sl_duration_format(hi_ms, hi, sizeof(hi));
		return fail(p, "%s %.*s%s out of range (%s-%s)", what, QW(w), lo, hi);
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_name(struct parser *p, const char *what, const char *w, char *out)
{
	size_t k, len = strlen(w);

	if (len == 0 || len >= SL_NAME_MAX)
		return fail(p, "%s '%.*s%s' must be 1 to %d characters", what, QW(w),
			    SL_NAME_MAX - 1);
	for (k = 0; k < len; k++) {
		char c = w[k];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (!alnum && (k == 0 || (c != '-' && c != '_' && c != '.')))
			return fail(p, "%s '%.*s%s' may hold only letters, digits, '-', '_' "
				    "and '.', and starts with a letter or digit", what, QW(w));
	}
	if (!strcmp(w, "json"))
		return fail(p, "%s 'json' is a reserved word", what);
	memcpy(out, w, len + 1);
	return 0;
}

static int
parse_ip_any(struct parser *p, const char *what, const char *w, struct sl_ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(w, ':')) {
		if (inet_pton(AF_INET6, w, out->a.b) == 1) {
			out->family = SL_AF_INET6;
			return 0;
		}
	} else if (inet_pton(AF_INET, w, out->a.b) == 1) {
		out->family = SL_AF_INET;
		return 0;
	}
	return fail(p, "bad %s '%.*s%s' (expected an IPv4 or IPv6 address)", what, QW(w));
}

/* An address a host can have: not 0.0.0.0 or :: */
static int
parse_ip(struct parser *p, const char *what, const char *w, struct sl_ipaddr *out)
{
	if (parse_ip_any(p, what, w, out) < 0)
		return -1;
	if (!out->a.w[0] && !out->a.w[1] && !out->a.w[2] && !out->a.w[3])
		return fail(p, "bad %s '%.*s%s' (the unspecified address)", what, QW(w));
	return 0;
}

/* ADDR:PORT or [ADDR6]:PORT */
static int
parse_addr_port(struct parser *p, const char *what, const char *w, struct sl_ipaddr *a,
		uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h;
	size_t hlen;

	if (w[0] == '[') {
		const char *rb = strchr(w, ']');

		if (!rb || rb[1] != ':')
			return fail(p, "bad %s '%.*s%s' (expected [IPv6]:PORT)", what, QW(w));
		h = w + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
		if (!memchr(h, ':', hlen))
			return fail(p, "bad %s '%.*s%s' (brackets are for IPv6 only)", what, QW(w));
	} else {
		colon = strrchr(w, ':');
		if (!colon)
			return fail(p, "bad %s '%.*s%s' (expected ADDRESS:PORT)", what, QW(w));
		if (colon != strchr(w, ':'))
			return fail(p, "bad %s '%.*s%s' (write an IPv6 address as [ADDRESS]:PORT)",
				    what, QW(w));
		h = w;
		hlen = (size_t)(colon - w);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return fail(p, "bad %s '%.*s%s' (bad address)", what, QW(w));
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (parse_ip(p, what, host, a) < 0)
		return -1;
	if (w[0] != '[' && a->family == SL_AF_INET6)
		return fail(p, "bad %s '%.*s%s' (write an IPv6 address as [ADDRESS]:PORT)", what,
			    QW(w));
	return parse_port(p, "port", colon + 1, port);
}

static int
prefix_host_bits(const struct sl_prefix *pf)
{
	unsigned int bits = pf->family == SL_AF_INET ? 32 : 128, k;

	for (k = pf->len; k < bits; k++)
		if (pf->a.b[k / 8] & (0x80 >> (k % 8)))
			return 1;
	return 0;
}

/* PREFIX: ADDR[/LEN] or "any" */
static int
parse_prefix(struct parser *p, const char *what, const char *w, struct sl_prefix *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(w, '/');
	struct sl_ipaddr a;
	size_t hlen = slash ? (size_t)(slash - w) : strlen(w);
	uint32_t len, max;

	memset(out, 0, sizeof(*out));
	if (!strcmp(w, "any"))
		return 0;
	if (hlen == 0 || hlen >= sizeof(host))
		return fail(p, "bad %s '%.*s%s' (expected ADDRESS[/LENGTH] or any)", what, QW(w));
	memcpy(host, w, hlen);
	host[hlen] = 0;
	if (parse_ip_any(p, what, host, &a) < 0)
		return -1;
	max = a.family == SL_AF_INET ? 32 : 128;
	len = max;
	if (slash && parse_u32(p, "prefix length", slash + 1, 0, max, &len) < 0)
		return -1;
	out->a = a.a;
	out->family = a.family;
	out->len = (uint8_t)len;
	if (prefix_host_bits(out)) {
		struct sl_prefix net = *out;
		char nb[INET6_ADDRSTRLEN + 8];
		unsigned int k;

		for (k = net.len; k < max; k++)
			net.a.b[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
		sl_prefix_format(&net, nb, sizeof(nb));
		return fail(p, "%s '%.*s%s' has host bits set (did you mean %s?)", what, QW(w), nb);
	}
	return 0;
}

/* LO or LO-HI */
static int
parse_port_range(struct parser *p, const char *what, const char *w, uint16_t *lo, uint16_t *hi)
{
	char a[8];
	const char *dash = strchr(w, '-');

	if (!dash) {
		if (parse_port(p, what, w, lo) < 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	if ((size_t)(dash - w) >= sizeof(a) || dash == w)
		return fail(p, "bad %s '%.*s%s' (expected PORT or LOW-HIGH)", what, QW(w));
	memcpy(a, w, (size_t)(dash - w));
	a[dash - w] = 0;
	if (parse_port(p, what, a, lo) < 0 || parse_port(p, what, dash + 1, hi) < 0)
		return -1;
	if (*lo > *hi)
		return fail(p, "bad %s '%.*s%s' (low end above high end)", what, QW(w));
	return 0;
}

/* SVC/ADDR:PORT */
static int
parse_backend_ref(struct parser *p, const char *w, struct sl_cmd *c)
{
	const char *slash = strchr(w, '/');
	char svc[SL_NAME_MAX + 1];
	size_t len;

	if (!slash)
		return fail(p, "bad backend '%.*s%s' (expected SERVICE/ADDRESS:PORT)", QW(w));
	len = (size_t)(slash - w);
	if (len >= sizeof(svc))
		return fail(p, "service name in '%.*s%s' is too long (at most %d characters)",
			    QW(w), SL_NAME_MAX - 1);
	memcpy(svc, w, len);
	svc[len] = 0;
	if (parse_name(p, "service name", svc, c->name) < 0)
		return -1;
	return parse_addr_port(p, "backend", slash + 1, &c->u.be.addr, &c->u.be.port);
}

/* Keyword options may each appear once. */
static int
once(struct parser *p, uint32_t *mask, uint32_t bit, const char *kw)
{
	if (*mask & bit)
		return fail(p, "option '%s' given twice", kw);
	*mask |= bit;
	return 0;
}

/* ---- service ---------------------------------------------------------------- */

static int
parse_service_opts(struct parser *p, struct sl_cmd *c)
{
	struct sl_service_cfg *s = &c->u.svc;
	const char *kw, *v;
	uint32_t n;

	while ((kw = next(p))) {
		if (!strcmp(kw, "proto")) {
			if (once(p, &c->set_mask, SL_SVC_SET_PROTO, kw) || need(p, "protocol after 'proto'", &v))
				return -1;
			if (!strcmp(v, "tcp"))
				s->proto = SL_IPPROTO_TCP;
			else if (!strcmp(v, "udp"))
				s->proto = SL_IPPROTO_UDP;
			else
				return fail(p, "unknown protocol '%.*s%s' (expected: tcp, udp)", QW(v));
		} else if (!strcmp(kw, "sched")) {
			if (once(p, &c->set_mask, SL_SVC_SET_SCHED, kw) || need(p, "scheduler after 'sched'", &v) ||
			    CHOOSE(p, "scheduler", v, sched_names, &s->sched))
				return -1;
		} else if (!strcmp(kw, "mode")) {
			if (once(p, &c->set_mask, SL_SVC_SET_MODE, kw) || need(p, "mode after 'mode'", &v) ||
			    CHOOSE(p, "mode", v, mode_names, &s->mode))
				return -1;
		} else if (!strcmp(kw, "tunnel")) {
			if (once(p, &c->set_mask, SL_SVC_SET_TUNNEL, kw) || need(p, "tunnel type after 'tunnel'", &v) ||
			    CHOOSE(p, "tunnel type", v, tunnel_names, &s->tunnel))
				return -1;
		} else if (!strcmp(kw, "gue-port")) {
			if (once(p, &c->set_mask, SL_SVC_SET_GUE_PORT, kw) || need(p, "port after 'gue-port'", &v) ||
			    parse_port(p, "gue-port", v, &s->gue_port))
				return -1;
		} else if (!strcmp(kw, "maglev-size")) {
			if (once(p, &c->set_mask, SL_SVC_SET_MAGLEV, kw) || need(p, "size after 'maglev-size'", &v) ||
			    parse_u32(p, "maglev-size", v, SL_MAGLEV_MIN, SL_SCHED_TBL_MAX, &n))
				return -1;
			for (uint32_t d = 2; d * d <= n; d++)
				if (n % d == 0)
					return fail(p, "maglev-size %u is not prime (try 251, 4093, 65537)", n);
			s->maglev_size = n;
		} else if (!strcmp(kw, "snat")) {
			if (once(p, &c->set_mask, SL_SVC_SET_SNAT, kw) || need(p, "address after 'snat'", &v) ||
			    parse_ip(p, "snat address", v, &s->snat))
				return -1;
		} else if (!strcmp(kw, "cert")) {
			if (once(p, &c->set_mask, SL_SVC_SET_CERT, kw) || need(p, "certificate name after 'cert'", &v) ||
			    parse_name(p, "certificate name", v, s->cert))
				return -1;
		} else if (!strcmp(kw, "all-down")) {
			if (once(p, &c->set_mask, SL_SVC_SET_ALLDOWN, kw) || need(p, "policy after 'all-down'", &v) ||
			    CHOOSE(p, "all-down policy", v, all_down_names, &s->all_down))
				return -1;
		} else {
			return fail(p, "unknown service option '%.*s%s' (expected: proto, sched, mode, "
				    "tunnel, gue-port, maglev-size, snat, cert, all-down)", QW(kw));
		}
	}
	return 0;
}

static void
service_defaults(struct sl_service_cfg *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = SL_IPPROTO_TCP;
	s->sched = SL_SCHED_RR;
	s->mode = SL_FWD_NAT;
	s->tunnel = SL_TUN_IPIP;
	s->gue_port = 6080; /* SL_GUE_PORT_DEFAULT */
	s->maglev_size = SL_MAGLEV_DEFAULT;
	s->all_down = SL_ALL_DOWN_DROP;
}

static int
parse_check(struct parser *p, struct sl_cmd *c)
{
	struct sl_check *ck = &c->u.svc.check;
	uint32_t seen = 0, n;
	const char *kw, *v;

	if (need(p, "check type (none, tcp, http, tls)", &v) ||
	    CHOOSE(p, "check type", v, check_names, &ck->type))
		return -1;
	ck->rise = 2;
	ck->fall = 3;
	ck->interval_ms = 2000;
	ck->timeout_ms = 1000;
	ck->expect_status = 200;
	strcpy(ck->path, "/");
	while ((kw = next(p))) {
		if (ck->type == SL_CHECK_NONE)
			return fail(p, "check none takes no options");
		if (!strcmp(kw, "interval")) {
			if (once(p, &seen, 1, kw) || need(p, "duration after 'interval'", &v) ||
			    parse_duration(p, "interval", v, 100, 3600000, &ck->interval_ms))
				return -1;
		} else if (!strcmp(kw, "timeout")) {
			if (once(p, &seen, 2, kw) || need(p, "duration after 'timeout'", &v) ||
			    parse_duration(p, "timeout", v, 10, 600000, &ck->timeout_ms))
				return -1;
		} else if (!strcmp(kw, "rise")) {
			if (once(p, &seen, 4, kw) || need(p, "count after 'rise'", &v) ||
			    parse_u32(p, "rise", v, 1, 100, &n))
				return -1;
			ck->rise = (uint8_t)n;
		} else if (!strcmp(kw, "fall")) {
			if (once(p, &seen, 8, kw) || need(p, "count after 'fall'", &v) ||
			    parse_u32(p, "fall", v, 1, 100, &n))
				return -1;
			ck->fall = (uint8_t)n;
		} else if (!strcmp(kw, "path")) {
			if (ck->type != SL_CHECK_HTTP)
				return fail(p, "'path' is for http checks");
			if (once(p, &seen, 16, kw) || need(p, "path after 'path'", &v))
				return -1;
			if (v[0] != '/' || strlen(v) >= sizeof(ck->path))
				return fail(p, "path '%.*s%s' must start with '/' and be under %zu bytes",
					    QW(v), sizeof(ck->path));
			strcpy(ck->path, v);
		} else if (!strcmp(kw, "expect")) {
			if (ck->type != SL_CHECK_HTTP)
				return fail(p, "'expect' is for http checks");
			if (once(p, &seen, 32, kw) || need(p, "status after 'expect'", &v) ||
			    parse_u32(p, "expected status", v, 100, 599, &n))
				return -1;
			ck->expect_status = (uint16_t)n;
		} else {
			return fail(p, "unknown check option '%.*s%s' (expected: interval, timeout, "
				    "rise, fall, path, expect)", QW(kw));
		}
	}
	if (ck->timeout_ms > ck->interval_ms)
		return fail(p, "check timeout must not exceed its interval");
	return 0;
}

static int
parse_service(struct parser *p, struct sl_cmd *c, int add)
{
	const char *w;

	if (need(p, "service name", &w) || parse_name(p, "service name", w, c->name))
		return -1;
	if (add) {
		service_defaults(&c->u.svc);
		if (need(p, "VIP:PORT", &w) ||
		    parse_addr_port(p, "VIP", w, &c->u.svc.vip, &c->u.svc.port))
			return -1;
		c->verb = SL_CMD_ADD_SERVICE;
		return parse_service_opts(p, c);
	}
	memset(&c->u.svc, 0, sizeof(c->u.svc));
	if (peek(p) && !strcmp(peek(p), "check")) {
		next(p);
		c->verb = SL_CMD_SET_CHECK;
		return parse_check(p, c);
	}
	c->verb = SL_CMD_SET_SERVICE;
	if (parse_service_opts(p, c) < 0)
		return -1;
	if (!c->set_mask)
		return fail(p, "missing option to set (proto, sched, mode, tunnel, gue-port, "
			    "maglev-size, snat, cert, all-down, check)");
	return 0;
}

/* ---- backend ------------------------------------------------------------------ */

static int
parse_backend_opts(struct parser *p, struct sl_cmd *c)
{
	const char *kw, *v;
	uint32_t n;

	while ((kw = next(p))) {
		if (!strcmp(kw, "weight")) {
			if (once(p, &c->set_mask, SL_BE_SET_WEIGHT, kw) || need(p, "weight after 'weight'", &v) ||
			    parse_u32(p, "weight", v, 0, SL_WEIGHT_MAX, &n))
				return -1;
			c->u.be.weight = (uint16_t)n;
		} else if (!strcmp(kw, "state")) {
			if (once(p, &c->set_mask, SL_BE_SET_STATE, kw) || need(p, "state after 'state'", &v) ||
			    CHOOSE(p, "state", v, state_names, &c->u.be.state))
				return -1;
		} else {
			return fail(p, "unknown backend option '%.*s%s' (expected: weight, state)", QW(kw));
		}
	}
	return 0;
}

static int
parse_backend(struct parser *p, struct sl_cmd *c, uint8_t verb)
{
	const char *w;

	memset(&c->u.be, 0, sizeof(c->u.be));
	c->u.be.weight = SL_WEIGHT_DEFAULT;
	c->verb = verb;
	if (verb == SL_CMD_ADD_BACKEND) {
		/* add backend SVC ADDR:PORT [opts]; SVC/ADDR:PORT is accepted too */
		if (need(p, "service name", &w))
			return -1;
		if (strchr(w, '/')) {
			if (parse_backend_ref(p, w, c) < 0)
				return -1;
		} else {
			if (parse_name(p, "service name", w, c->name) || need(p, "ADDRESS:PORT", &w) ||
			    parse_addr_port(p, "backend", w, &c->u.be.addr, &c->u.be.port))
				return -1;
		}
		return parse_backend_opts(p, c);
	}
	if (need(p, "SERVICE/ADDRESS:PORT", &w) || parse_backend_ref(p, w, c) < 0)
		return -1;
	if (verb == SL_CMD_DEL_BACKEND)
		return end_of_line(p);
	if (parse_backend_opts(p, c) < 0)
		return -1;
	if (!c->set_mask)
		return fail(p, "missing option to set (weight, state)");
	return 0;
}

/* ---- acl ------------------------------------------------------------------------ */

static int
parse_acl(struct parser *p, struct sl_cmd *c)
{
	struct sl_acl_rule_cfg *r = &c->u.acl;
	uint32_t seen = 0, n;
	const char *kw, *v;

	memset(r, 0, sizeof(*r));
	r->sport_hi = r->dport_hi = 65535;
	if (need(p, "rule priority", &v) || parse_u32(p, "rule priority", v, 1, 1000000, &n))
		return -1;
	r->priority = n;
	if (need(p, "action (allow, deny)", &v) || CHOOSE(p, "action", v, action_names, &r->action))
		return -1;
	while ((kw = next(p))) {
		if (!strcmp(kw, "proto")) {
			if (once(p, &seen, 1, kw) || need(p, "protocol after 'proto'", &v))
				return -1;
			if (!strcmp(v, "tcp"))
				r->proto = SL_IPPROTO_TCP;
			else if (!strcmp(v, "udp"))
				r->proto = SL_IPPROTO_UDP;
			else if (!strcmp(v, "icmp"))
				r->proto = SL_IPPROTO_ICMP;
			else if (!strcmp(v, "icmpv6"))
				r->proto = SL_IPPROTO_ICMPV6;
			else if (!strcmp(v, "any"))
				r->proto = SL_IPPROTO_ANY;
			else
				return fail(p, "unknown protocol '%.*s%s' (expected: tcp, udp, icmp, "
					    "icmpv6, any)", QW(v));
		} else if (!strcmp(kw, "src") || !strcmp(kw, "from")) {
			if (once(p, &seen, 2, "src") || need(p, "prefix after 'src'", &v) ||
			    parse_prefix(p, "source prefix", v, &r->src))
				return -1;
		} else if (!strcmp(kw, "dst") || !strcmp(kw, "to")) {
			if (once(p, &seen, 4, "dst") || need(p, "prefix after 'dst'", &v) ||
			    parse_prefix(p, "destination prefix", v, &r->dst))
				return -1;
		} else if (!strcmp(kw, "sport")) {
			if (once(p, &seen, 8, kw) || need(p, "port range after 'sport'", &v) ||
			    parse_port_range(p, "source port", v, &r->sport_lo, &r->sport_hi))
				return -1;
		} else if (!strcmp(kw, "dport")) {
			if (once(p, &seen, 16, kw) || need(p, "port range after 'dport'", &v) ||
			    parse_port_range(p, "destination port", v, &r->dport_lo, &r->dport_hi))
				return -1;
		} else {
			return fail(p, "unknown acl option '%.*s%s' (expected: proto, src, dst, "
				    "sport, dport)", QW(kw));
		}
	}
	if (r->src.family && r->dst.family && r->src.family != r->dst.family)
		return fail(p, "source and destination prefixes are of different families");
	r->family = r->src.family ? r->src.family : r->dst.family;
	if ((seen & (8 | 16)) && r->proto != SL_IPPROTO_TCP && r->proto != SL_IPPROTO_UDP)
		return fail(p, "port ranges need 'proto tcp' or 'proto udp'");
	if (r->proto == SL_IPPROTO_ICMP && r->family == SL_AF_INET6)
		return fail(p, "proto icmp with IPv6 prefixes (use icmpv6)");
	if (r->proto == SL_IPPROTO_ICMPV6 && r->family == SL_AF_INET)
		return fail(p, "proto icmpv6 with IPv4 prefixes (use icmp)");
	if (r->proto == SL_IPPROTO_ICMP)
		r->family = SL_AF_INET;
	if (r->proto == SL_IPPROTO_ICMPV6)
		r->family = SL_AF_INET6;
	return 0;
}

/* ---- sink, cert ------------------------------------------------------------------ */

static int
check_url(struct parser *p, const char *v)
{
	size_t len = strlen(v);

	if (len >= SL_URL_MAX)
		return fail(p, "URL too long (at most %d bytes)", SL_URL_MAX - 1);
	if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
		return fail(p, "bad URL '%.*s%s' (expected http://HOST[:PORT][/PATH] or https://...)",
			    QW(v));
	{
		char h = v[strncmp(v, "https://", 8) ? 7 : 8];

		if (h == 0 || h == '/' || h == ':' || h == '?' || h == '#' || h == '@')
			return fail(p, "bad URL '%.*s%s' (no host)", QW(v));
	}
	return 0;
}

static int
check_host_port(struct parser *p, const char *v)
{
	const char *colon = strrchr(v, ':');
	uint16_t port;
	size_t k;

	if (strlen(v) >= SL_URL_MAX)
		return fail(p, "address too long");
	if (!colon || colon == v)
		return fail(p, "bad address '%.*s%s' (expected HOST:PORT)", QW(v));
	if (v[0] == '[') {
		/* [IPv6]:PORT */
		char host[INET6_ADDRSTRLEN + 1];
		unsigned char tmp[16];
		size_t hlen = (size_t)(colon - v);

		if (hlen < 3 || colon[-1] != ']' || hlen - 2 >= sizeof(host))
			return fail(p, "bad address '%.*s%s' (expected [IPv6]:PORT)", QW(v));
		memcpy(host, v + 1, hlen - 2);
		host[hlen - 2] = 0;
		if (inet_pton(AF_INET6, host, tmp) != 1)
			return fail(p, "bad IPv6 address in '%.*s%s'", QW(v));
	} else {
		/* IPv4 or a host name: letters, digits, '.', '-' */
		for (k = 0; v + k < colon; k++) {
			char ch = v[k];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
				return fail(p, "bad host in '%.*s%s' (write an IPv6 address as "
					    "[ADDRESS]:PORT)", QW(v));
		}
	}
	return parse_port(p, "port", colon + 1, &port);
}

static int
parse_sink(struct parser *p, struct sl_cmd *c)
{
	struct sl_sink_cfg *s = &c->u.sink;
	uint32_t seen = 0;
	const char *kw, *v;

	memset(s, 0, sizeof(*s));
	s->interval_ms = 10000;
	if (need(p, "sink name", &v) || parse_name(p, "sink name", v, c->name))
		return -1;
	strcpy(s->name, c->name);
	if (need(p, "sink type (pushgateway, http, statsd, graphite)", &v) ||
	    CHOOSE(p, "sink type", v, sink_names, &s->type))
		return -1;
	if (s->type == SL_SINK_PUSHGATEWAY || s->type == SL_SINK_HTTP) {
		if (need(p, "URL", &v) || check_url(p, v))
			return -1;
	} else if (need(p, "HOST:PORT", &v) || check_host_port(p, v)) {
		return -1;
	}
	strcpy(s->target, v);
	while ((kw = next(p))) {
		if (!strcmp(kw, "interval")) {
			if (once(p, &seen, 1, kw) || need(p, "duration after 'interval'", &v) ||
			    parse_duration(p, "interval", v, 1000, 3600000, &s->interval_ms))
				return -1;
		} else if (s->type == SL_SINK_HTTP && !strcmp(kw, "format")) {
			if (once(p, &seen, 2, kw) || need(p, "format after 'format'", &v) ||
			    CHOOSE(p, "format", v, format_names, &s->format))
				return -1;
		} else if (s->type == SL_SINK_HTTP && !strcmp(kw, "gzip")) {
			if (once(p, &seen, 4, kw) || need(p, "on or off after 'gzip'", &v))
				return -1;
			if (!strcmp(v, "on"))
				s->gzip = 1;
			else if (strcmp(v, "off"))
				return fail(p, "gzip takes on or off, not '%.*s%s'", QW(v));
		} else if (s->type == SL_SINK_HTTP && !strcmp(kw, "category")) {
			if (once(p, &seen, 8, kw) || need(p, "category after 'category'", &v))
				return -1;
			if (strlen(v) >= sizeof(s->category))
				return fail(p, "category too long (at most %zu bytes)",
					    sizeof(s->category) - 1);
			strcpy(s->category, v);
		} else if (s->type == SL_SINK_HTTP && !strcmp(kw, "dimensions")) {
			if (once(p, &seen, 16, kw) || need(p, "K=V[,K=V] after 'dimensions'", &v))
				return -1;
			if (strlen(v) >= sizeof(s->dimensions))
				return fail(p, "dimensions too long (at most %zu bytes)",
					    sizeof(s->dimensions) - 1);
			if (!strchr(v, '='))
				return fail(p, "dimensions '%.*s%s' are KEY=VALUE[,KEY=VALUE...]", QW(v));
			strcpy(s->dimensions, v);
		} else {
			return fail(p, "unknown %s sink option '%.*s%s' (expected: interval%s)",
				    sink_names[s->type], QW(kw),
				    s->type == SL_SINK_HTTP ? ", format, gzip, category, dimensions" : "");
		}
	}
	return 0;
}

static int
parse_path(struct parser *p, const char *what, const char *v, char *out)
{
	if (strlen(v) >= SL_PATH_MAX)
		return fail(p, "%s path too long (at most %d bytes)", what, SL_PATH_MAX - 1);
	if (v[0] != '/')
		return fail(p, "%s path '%.*s%s' must be absolute", what, QW(v));
	if (strstr(v, "/../") || (strlen(v) >= 3 && !strcmp(v + strlen(v) - 3, "/..")))
		return fail(p, "%s path '%.*s%s' must not contain '..'", what, QW(v));
	strcpy(out, v);
	return 0;
}

static int
parse_cert(struct parser *p, struct sl_cmd *c)
{
	struct sl_cert_cfg *ct = &c->u.cert;
	uint32_t seen = 0;
	const char *kw, *v;

	memset(ct, 0, sizeof(*ct));
	if (need(p, "certificate name", &v) || parse_name(p, "certificate name", v, c->name))
		return -1;
	strcpy(ct->name, c->name);
	while ((kw = next(p))) {
		if (!strcmp(kw, "chain")) {
			if (once(p, &seen, 1, kw) || need(p, "file after 'chain'", &v) ||
			    parse_path(p, "chain", v, ct->chain))
				return -1;
		} else if (!strcmp(kw, "key")) {
			if (once(p, &seen, 2, kw) || need(p, "file after 'key'", &v) ||
			    parse_path(p, "key", v, ct->key))
				return -1;
		} else {
			return fail(p, "unknown cert option '%.*s%s' (expected: chain, key)", QW(kw));
		}
	}
	if (seen != 3)
		return fail(p, "a certificate needs both 'chain FILE' and 'key FILE'");
	return 0;
}

/* ---- show, set, top level ---------------------------------------------------------- */

static int
parse_show(struct parser *p, struct sl_cmd *c)
{
	const char *w;

	c->verb = SL_CMD_SHOW;
	if (need(p, "what to show (services, backends, acl, stats, flows, health, sinks, certs, ports, config)", &w) ||
	    CHOOSE(p, "show", w, show_names, &c->show))
		return -1;
	w = peek(p);
	if (w && strcmp(w, "json") &&
	    (c->show == SL_SHOW_BACKENDS || c->show == SL_SHOW_FLOWS || c->show == SL_SHOW_HEALTH)) {
		next(p);
		if (parse_name(p, "service name", w, c->name) < 0)
			return -1;
		c->has_name = 1;
	}
	w = peek(p);
	if (w && !strcmp(w, "json")) {
		next(p);
		c->json = 1;
	}
	return end_of_line(p);
}

static int
parse_set(struct parser *p, struct sl_cmd *c)
{
	const char *w, *v;
	uint32_t n;

	if (need(p, "what to set (service, backend, acl, flows, timeout)", &w))
		return -1;
	if (!strcmp(w, "service"))
		return parse_service(p, c, 0);
	if (!strcmp(w, "backend") || !strcmp(w, "server"))
		return parse_backend(p, c, SL_CMD_SET_BACKEND);
	if (!strcmp(w, "acl")) {
		c->verb = SL_CMD_SET_ACL_DEFAULT;
		if (need(p, "'default'", &v))
			return -1;
		if (strcmp(v, "default"))
			return fail(p, "unknown word '%.*s%s' after 'set acl' (expected: default)", QW(v));
		if (need(p, "action (allow, deny)", &v) ||
		    CHOOSE(p, "action", v, action_names, &c->u.acl_default))
			return -1;
		return end_of_line(p);
	}
	if (!strcmp(w, "flows")) {
		c->verb = SL_CMD_SET_FLOWS;
		if (need(p, "'size'", &v))
			return -1;
		if (strcmp(v, "size"))
			return fail(p, "unknown word '%.*s%s' after 'set flows' (expected: size)", QW(v));
		if (need(p, "flow table size", &v) ||
		    parse_u32(p, "flow table size", v, SL_FLOWS_MIN, SL_FLOWS_MAX, &n))
			return -1;
		c->u.global.value = n;
		return end_of_line(p);
	}
	if (!strcmp(w, "timeout")) {
		c->verb = SL_CMD_SET_TIMEOUT;
		if (need(p, "timeout kind (tcp, tcp-fin, udp, other)", &v) ||
		    CHOOSE(p, "timeout kind", v, timeout_names, &c->u.global.kind) ||
		    need(p, "duration", &v) ||
		    parse_duration(p, "timeout", v, 1000, 86400000, &n))
			return -1;
		if (n % 1000)
			return fail(p, "flow timeouts are whole seconds");
		c->u.global.value = n / 1000;
		return end_of_line(p);
	}
	return fail(p, "unknown word '%.*s%s' after 'set' (expected: service, backend, acl, flows, "
		    "timeout)", QW(w));
}

static int
parse_add_del(struct parser *p, struct sl_cmd *c, int add)
{
	const char *w, *v;
	uint32_t n;

	if (need(p, add ? "what to add (service, backend, acl, sink, cert)"
			: "what to delete (service, backend, acl, sink, cert)", &w))
		return -1;
	if (!strcmp(w, "service")) {
		if (add)
			return parse_service(p, c, 1);
		c->verb = SL_CMD_DEL_SERVICE;
		if (need(p, "service name", &v) || parse_name(p, "service name", v, c->name))
			return -1;
		return end_of_line(p);
	}
	if (!strcmp(w, "backend") || !strcmp(w, "server"))
		return parse_backend(p, c, add ? SL_CMD_ADD_BACKEND : SL_CMD_DEL_BACKEND);
	if (!strcmp(w, "acl")) {
		if (add) {
			c->verb = SL_CMD_ADD_ACL;
			return parse_acl(p, c);
		}
		c->verb = SL_CMD_DEL_ACL;
		if (need(p, "rule priority", &v) || parse_u32(p, "rule priority", v, 1, 1000000, &n))
			return -1;
		c->u.acl.priority = n;
		return end_of_line(p);
	}
	if (!strcmp(w, "sink")) {
		if (add) {
			c->verb = SL_CMD_ADD_SINK;
			return parse_sink(p, c);
		}
		c->verb = SL_CMD_DEL_SINK;
		if (need(p, "sink name", &v) || parse_name(p, "sink name", v, c->name))
			return -1;
		return end_of_line(p);
	}
	if (!strcmp(w, "cert")) {
		if (add) {
			c->verb = SL_CMD_ADD_CERT;
			return parse_cert(p, c);
		}
		c->verb = SL_CMD_DEL_CERT;
		if (need(p, "certificate name", &v) || parse_name(p, "certificate name", v, c->name))
			return -1;
		return end_of_line(p);
	}
	return fail(p, "unknown word '%.*s%s' after '%s' (expected: service, backend, acl, sink, cert)",
		    QW(w), add ? "add" : "del");
}

int
sl_cmd_parse(const char *line, size_t len, struct sl_cmd *c, char *err, size_t errlen)
{
	static __thread struct parser p; /* 4 KiB: kept off small thread stacks */
	const char *w;

	memset(c, 0, sizeof(*c));
	p.err = err;
	p.errlen = errlen;
	p.i = 0;
	if (errlen)
		err[0] = 0;
	if (!line)
		return fail(&p, "no command");
	if (tokenize(&p, line, len) < 0)
		return -1;
	w = next(&p);
	if (!w) {
		c->verb = SL_CMD_NOP;
		return 0;
	}
	if (!strcmp(w, "add"))
		return parse_add_del(&p, c, 1);
	if (!strcmp(w, "del") || !strcmp(w, "delete"))
		return parse_add_del(&p, c, 0);
	if (!strcmp(w, "set"))
		return parse_set(&p, c);
	if (!strcmp(w, "show"))
		return parse_show(&p, c);
	if (!strcmp(w, "save")) {
		c->verb = SL_CMD_SAVE;
		return end_of_line(&p);
	}
	if (!strcmp(w, "help")) {
		c->verb = SL_CMD_HELP;
		if ((w = next(&p))) {
			if (strlen(w) >= sizeof(c->name))
				return fail(&p, "no help on '%.*s%s'", QW(w));
			strcpy(c->name, w);
		}
		return end_of_line(&p);
	}
	return fail(&p, "unknown command '%.*s%s' (expected: add, del, set, show, save, help)", QW(w));
}

int
sl_cmd_is_mutation(const struct sl_cmd *c)
{
	return c->verb != SL_CMD_NOP && c->verb < SL_CMD_SHOW;
}

/* ---- help --------------------------------------------------------------------------- */

static const char help_all[] =
"Commands (one a line; '#' starts a comment; every show takes 'json'):\n"
"  add service NAME VIP:PORT [proto tcp|udp] [sched rr|wrr|maglev]\n"
"      [mode nat|dsr|tunnel|tls] [tunnel ipip|gue] [gue-port PORT]\n"
"      [maglev-size PRIME] [snat ADDRESS] [cert NAME] [all-down drop|keep-last]\n"
"  set service NAME OPTION VALUE...      (the options of add service)\n"
"  set service NAME check none|tcp|http|tls [interval DUR] [timeout DUR]\n"
"      [rise N] [fall N] [path /PATH] [expect STATUS]\n"
"  del service NAME\n"
"  add backend SERVICE ADDRESS:PORT [weight 0-256] [state ready|drain|maint]\n"
"  set backend SERVICE/ADDRESS:PORT [weight 0-256] [state ready|drain|maint]\n"
"  del backend SERVICE/ADDRESS:PORT\n"
"  add acl PRIORITY allow|deny [proto tcp|udp|icmp|icmpv6|any]\n"
"      [src PREFIX] [dst PREFIX] [sport PORT[-PORT]] [dport PORT[-PORT]]\n"
"  del acl PRIORITY\n"
"  set acl default allow|deny\n"
"  add sink NAME pushgateway URL [interval DUR]\n"
"  add sink NAME http URL [format prometheus|graphite|carbon2] [gzip on|off]\n"
"      [category CATEGORY] [dimensions K=V[,K=V]] [interval DUR]\n"
"  add sink NAME statsd|graphite HOST:PORT [interval DUR]\n"
"  del sink NAME\n"
"  add cert NAME chain /PATH key /PATH\n"
"  del cert NAME\n"
"  set flows size ENTRIES                (per core)\n"
"  set timeout tcp|tcp-fin|udp|other DUR\n"
"  show services|acl|stats|sinks|certs|ports|config [json]\n"
"  show backends|flows|health [SERVICE] [json]\n"
"  save                                  (the running state as a config file)\n"
"  help [WORD]\n"
"IPv6 addresses with a port are written [ADDRESS]:PORT. Durations are a\n"
"number with ms, s, m or h (seconds without a unit). ACL rules match in\n"
"ascending PRIORITY; the first match wins.\n";

const char *
sl_cmd_help(const char *topic)
{
	(void)topic;
	return help_all;
}

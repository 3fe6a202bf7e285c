/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - validate-then-apply over the config model, and its text form.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sbuf.h"

void
sl_config_init(struct sl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->g.flows_per_core = SL_FLOWS_DEFAULT;
	c->g.tcp_timeout_s = SL_TCP_TIMEOUT_DEFAULT;
	c->g.tcp_fin_timeout_s = SL_TCP_FIN_TIMEOUT_DEFAULT;
	c->g.udp_timeout_s = SL_UDP_TIMEOUT_DEFAULT;
	c->g.other_timeout_s = SL_OTHER_TIMEOUT_DEFAULT;
	c->g.acl_default = SL_ACL_ALLOW;
}

void
sl_config_free(struct sl_config *c)
{
	uint32_t i;

	for (i = 0; i < c->n_services; i++)
		free(c->services[i].backends);
	free(c->services);
	free(c->acl);
	free(c->sinks);
	free(c->certs);
	memset(c, 0, sizeof(*c));
}

static void *
dup_array(const void *src, size_t n, size_t size, int *oom)
{
	void *d;

	if (!n)
		return NULL;
	d = malloc(n * size);
	if (!d) {
		*oom = 1;
		return NULL;
	}
	memcpy(d, src, n * size);
	return d;
}

int
sl_config_copy(struct sl_config *dst, const struct sl_config *src)
{
	int oom = 0;
	uint32_t i;

	*dst = *src;
	dst->services = dup_array(src->services, src->n_services, sizeof(*src->services), &oom);
	dst->acl = dup_array(src->acl, src->n_acl, sizeof(*src->acl), &oom);
	dst->sinks = dup_array(src->sinks, src->n_sinks, sizeof(*src->sinks), &oom);
	dst->certs = dup_array(src->certs, src->n_certs, sizeof(*src->certs), &oom);
	if (dst->services) {
		for (i = 0; i < src->n_services; i++)
			dst->services[i].backends = dup_array(src->services[i].backends,
							      src->services[i].n_backends,
							      sizeof(struct sl_backend_cfg), &oom);
	} else {
		dst->n_services = 0;
	}
	if (oom) {
		if (!dst->services)
			dst->n_services = 0;
		sl_config_free(dst);
		return -1;
	}
	return 0;
}

/* ---- look-ups --------------------------------------------------------------- */

struct sl_service_cfg *
sl_config_service(const struct sl_config *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

static int
ipaddr_eq(const struct sl_ipaddr *a, const struct sl_ipaddr *b)
{
	return a->family == b->family && !memcmp(&a->a, &b->a, sizeof(a->a));
}

int
sl_config_backend_index(const struct sl_service_cfg *s, const struct sl_ipaddr *a, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < s->n_backends; i++)
		if (s->backends[i].port == port && ipaddr_eq(&s->backends[i].addr, a))
			return (int)i;
	return -1;
}

uint32_t
sl_config_n_backends(const struct sl_config *c)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->n_services; i++)
		n += c->services[i].n_backends;
	return n;
}

static int
acl_index(const struct sl_config *c, uint32_t prio)
{
	uint32_t i;

	for (i = 0; i < c->n_acl; i++)
		if (c->acl[i].priority == prio)
			return (int)i;
	return -1;
}

static int
sink_index(const struct sl_config *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->n_sinks; i++)
		if (!strcmp(c->sinks[i].name, name))
			return (int)i;
	return -1;
}

static int
cert_index(const struct sl_config *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->n_certs; i++)
		if (!strcmp(c->certs[i].name, name))
			return (int)i;
	return -1;
}

/* Grow an array to n elements, before anything else changes. */
static int
grow(void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, n * size);

	if (!p)
		return -1;
	*arr = p;
	return 0;
}

/* ---- validation ------------------------------------------------------------------ */

static const char *
vip_str(const struct sl_service_cfg *s, char *buf, size_t len)
{
	char ab[64];

	sl_addr_port_format(&s->vip, s->port, ab, sizeof(ab));
	snprintf(buf, len, "%s/%s", ab, sl_proto_name(s->proto));
	return buf;
}

/* A whole service, as it would be after the change; `self` is excluded
 * from the uniqueness checks. */
static int
check_service(const struct sl_config *c, const struct sl_service_cfg *s,
	      const struct sl_service_cfg *self, char *err, size_t errlen)
{
	char buf[96];
	uint32_t i;

	for (i = 0; i < c->n_services; i++) {
		const struct sl_service_cfg *o = &c->services[i];

		if (o == self)
			continue;
		if (o->port == s->port && o->proto == s->proto && ipaddr_eq(&o->vip, &s->vip))
			return sl_err(err, errlen, "service '%s' already listens on %s", o->name,
				       vip_str(s, buf, sizeof(buf)));
	}
	if (s->mode == SL_FWD_TLS) {
		if (s->proto != SL_IPPROTO_TCP)
			return sl_err(err, errlen, "mode tls needs proto tcp");
		if (!s->cert[0])
			return sl_err(err, errlen, "mode tls needs 'cert NAME' (add cert first)");
	}
	if (s->cert[0]) {
		if (s->mode != SL_FWD_TLS)
			return sl_err(err, errlen, "'cert' is for mode tls");
		if (cert_index(c, s->cert) < 0)
			return sl_err(err, errlen, "unknown certificate '%s'", s->cert);
	}
	if (s->snat.family) {
		if (s->mode != SL_FWD_NAT)
			return sl_err(err, errlen, "'snat' is for mode nat");
		if (s->snat.family != s->vip.family)
			return sl_err(err, errlen, "snat address family differs from the VIP's");
	}
	if (s->mode == SL_FWD_DSR || s->mode == SL_FWD_TUNNEL) {
		for (i = 0; i < s->n_backends; i++) {
			if (s->backends[i].port != s->port) {
				sl_addr_port_format(&s->backends[i].addr, s->backends[i].port, buf,
						    sizeof(buf));
				return sl_err(err, errlen,
					       "mode %s keeps the destination port: backend %s is not "
					       "on port %u", sl_mode_name(s->mode), buf, s->port);
			}
		}
	}
	return 0;
}

/* Options that belong to a scheduler or mode the service does not use go
 * back to their defaults, so that the running state is what a saved and
 * reloaded one would be. */
static void
normalize_service(struct sl_service_cfg *s)
{
	if (s->sched != SL_SCHED_MAGLEV)
		s->maglev_size = SL_MAGLEV_DEFAULT;
	if (s->mode != SL_FWD_TUNNEL)
		s->tunnel = SL_TUN_IPIP;
	if (s->mode != SL_FWD_TUNNEL || s->tunnel != SL_TUN_GUE)
		s->gue_port = SL_GUE_PORT_DEFAULT;
}

static int
apply_add_service(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	struct sl_service_cfg s = cmd->u.svc;

	if (sl_config_service(c, cmd->name))
		return sl_err(err, errlen, "service '%s' already exists", cmd->name);
	if (c->n_services >= SL_MAX_SERVICES)
		return sl_err(err, errlen, "too many services (at most %d)", SL_MAX_SERVICES);
	strcpy(s.name, cmd->name);
	s.n_backends = 0;
	s.backends = NULL;
	if ((cmd->set_mask & (SL_SVC_SET_TUNNEL | SL_SVC_SET_GUE_PORT)) && s.mode != SL_FWD_TUNNEL)
		return sl_err(err, errlen, "'tunnel' and 'gue-port' are for mode tunnel");
	if ((cmd->set_mask & SL_SVC_SET_GUE_PORT) && s.tunnel != SL_TUN_GUE)
		return sl_err(err, errlen, "'gue-port' is for tunnel gue");
	if ((cmd->set_mask & SL_SVC_SET_MAGLEV) && s.sched != SL_SCHED_MAGLEV)
		return sl_err(err, errlen, "'maglev-size' is for sched maglev");
	normalize_service(&s);
	if (check_service(c, &s, NULL, err, errlen) < 0)
		return -1;
	if (grow((void **)&c->services, c->n_services + 1, sizeof(s)) < 0)
		return sl_err(err, errlen, "out of memory");
	c->services[c->n_services++] = s;
	return 0;
}

static int
apply_set_service(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	struct sl_service_cfg *cur = sl_config_service(c, cmd->name);
	const struct sl_service_cfg *in = &cmd->u.svc;
	struct sl_service_cfg s;
	uint32_t m = cmd->set_mask;

	if (!cur)
		return sl_err(err, errlen, "unknown service '%s'", cmd->name);
	s = *cur;
	if (m & SL_SVC_SET_PROTO)
		s.proto = in->proto;
	if (m & SL_SVC_SET_SCHED)
		s.sched = in->sched;
	if (m & SL_SVC_SET_MODE)
		s.mode = in->mode;
	if (m & SL_SVC_SET_TUNNEL)
		s.tunnel = in->tunnel;
	if (m & SL_SVC_SET_GUE_PORT)
		s.gue_port = in->gue_port;
	if (m & SL_SVC_SET_MAGLEV)
		s.maglev_size = in->maglev_size;
	if (m & SL_SVC_SET_SNAT)
		s.snat = in->snat;
	if (m & SL_SVC_SET_CERT)
		memcpy(s.cert, in->cert, sizeof(s.cert));
	if (m & SL_SVC_SET_ALLDOWN)
		s.all_down = in->all_down;
	/* leaving a mode drops the options that belonged to it */
	if ((m & SL_SVC_SET_MODE) && s.mode != SL_FWD_NAT && !(m & SL_SVC_SET_SNAT))
		memset(&s.snat, 0, sizeof(s.snat));
	if ((m & SL_SVC_SET_MODE) && s.mode != SL_FWD_TLS && !(m & SL_SVC_SET_CERT))
		s.cert[0] = 0;
	if ((m & (SL_SVC_SET_TUNNEL | SL_SVC_SET_GUE_PORT)) && s.mode != SL_FWD_TUNNEL)
		return sl_err(err, errlen, "'tunnel' and 'gue-port' are for mode tunnel");
	if ((m & SL_SVC_SET_GUE_PORT) && s.tunnel != SL_TUN_GUE)
		return sl_err(err, errlen, "'gue-port' is for tunnel gue");
	if ((m & SL_SVC_SET_MAGLEV) && s.sched != SL_SCHED_MAGLEV)
		return sl_err(err, errlen, "'maglev-size' is for sched maglev");
	normalize_service(&s);
	if (check_service(c, &s, cur, err, errlen) < 0)
		return -1;
	*cur = s;
	return 0;
}

static int
apply_add_backend(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	struct sl_service_cfg *s = sl_config_service(c, cmd->name);
	struct sl_backend_cfg b = cmd->u.be;
	char buf[64];

	if (!s)
		return sl_err(err, errlen, "unknown service '%s'", cmd->name);
	sl_addr_port_format(&b.addr, b.port, buf, sizeof(buf));
	if (sl_config_backend_index(s, &b.addr, b.port) >= 0)
		return sl_err(err, errlen, "backend %s already in service '%s'", buf, s->name);
	if (b.addr.family != s->vip.family)
		return sl_err(err, errlen, "backend %s is IPv%d but service '%s' is IPv%d", buf,
			       b.addr.family, s->name, s->vip.family);
	if ((s->mode == SL_FWD_DSR || s->mode == SL_FWD_TUNNEL) && b.port != s->port)
		return sl_err(err, errlen, "mode %s keeps the destination port: backend %s must "
			       "be on port %u", sl_mode_name(s->mode), buf, s->port);
	if (s->n_backends >= SL_MAX_SVC_BACKENDS)
		return sl_err(err, errlen, "too many backends in service '%s' (at most %d)",
			       s->name, SL_MAX_SVC_BACKENDS);
	if (sl_config_n_backends(c) >= SL_MAX_BACKENDS)
		return sl_err(err, errlen, "too many backends (at most %d in all services)",
			       SL_MAX_BACKENDS);
	if (!(cmd->set_mask & SL_BE_SET_WEIGHT))
		b.weight = SL_WEIGHT_DEFAULT;
	if (!(cmd->set_mask & SL_BE_SET_STATE))
		b.state = SL_BE_READY;
	b.health = SL_HEALTH_UP;
	if (grow((void **)&s->backends, s->n_backends + 1, sizeof(b)) < 0)
		return sl_err(err, errlen, "out of memory");
	s->backends[s->n_backends++] = b;
	return 0;
}

static int
find_backend(struct sl_config *c, const struct sl_cmd *cmd, struct sl_service_cfg **sp,
	     char *err, size_t errlen)
{
	struct sl_service_cfg *s = sl_config_service(c, cmd->name);
	char buf[64];
	int i;

	if (!s)
		return sl_err(err, errlen, "unknown service '%s'", cmd->name);
	i = sl_config_backend_index(s, &cmd->u.be.addr, cmd->u.be.port);
	if (i < 0) {
		sl_addr_port_format(&cmd->u.be.addr, cmd->u.be.port, buf, sizeof(buf));
		return sl_err(err, errlen, "no backend %s in service '%s'", buf, s->name);
	}
	*sp = s;
	return i;
}

static int
apply_backend(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	struct sl_service_cfg *s = NULL;
	int i = find_backend(c, cmd, &s, err, errlen);

	if (i < 0)
		return -1;
	if (cmd->verb == SL_CMD_DEL_BACKEND) {
		memmove(&s->backends[i], &s->backends[i + 1],
			(s->n_backends - (uint32_t)i - 1) * sizeof(*s->backends));
		s->n_backends--;
		return 0;
	}
	if (cmd->set_mask & SL_BE_SET_WEIGHT)
		s->backends[i].weight = cmd->u.be.weight;
	if (cmd->set_mask & SL_BE_SET_STATE)
		s->backends[i].state = cmd->u.be.state;
	return 0;
}

static int
apply_add_acl(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	uint32_t pos;

	if (acl_index(c, cmd->u.acl.priority) >= 0)
		return sl_err(err, errlen, "acl rule %u already exists", cmd->u.acl.priority);
	if (c->n_acl >= SL_MAX_ACL_RULES)
		return sl_err(err, errlen, "too many acl rules (at most %d)", SL_MAX_ACL_RULES);
	if (grow((void **)&c->acl, c->n_acl + 1, sizeof(*c->acl)) < 0)
		return sl_err(err, errlen, "out of memory");
	for (pos = 0; pos < c->n_acl && c->acl[pos].priority < cmd->u.acl.priority; pos++)
		;
	memmove(&c->acl[pos + 1], &c->acl[pos], (c->n_acl - pos) * sizeof(*c->acl));
	c->acl[pos] = cmd->u.acl;
	c->n_acl++;
	return 0;
}

int
sl_config_apply(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen)
{
	int i;

	if (errlen)
		err[0] = 0;
	switch (cmd->verb) {
	case SL_CMD_NOP:
		return 0;
	case SL_CMD_ADD_SERVICE:
		return apply_add_service(c, cmd, err, errlen);
	case SL_CMD_SET_SERVICE:
		return apply_set_service(c, cmd, err, errlen);
	case SL_CMD_DEL_SERVICE: {
		struct sl_service_cfg *s = sl_config_service(c, cmd->name);

		if (!s)
			return sl_err(err, errlen, "unknown service '%s'", cmd->name);
		free(s->backends);
		i = (int)(s - c->services);
		memmove(s, s + 1, (c->n_services - (uint32_t)i - 1) * sizeof(*s));
		c->n_services--;
		return 0;
	}
	case SL_CMD_SET_CHECK: {
		struct sl_service_cfg *s = sl_config_service(c, cmd->name);

		if (!s)
			return sl_err(err, errlen, "unknown service '%s'", cmd->name);
		s->check = cmd->u.svc.check;
		return 0;
	}
	case SL_CMD_ADD_BACKEND:
		return apply_add_backend(c, cmd, err, errlen);
	case SL_CMD_SET_BACKEND:
	case SL_CMD_DEL_BACKEND:
		return apply_backend(c, cmd, err, errlen);
	case SL_CMD_ADD_ACL:
		return apply_add_acl(c, cmd, err, errlen);
	case SL_CMD_DEL_ACL:
		i = acl_index(c, cmd->u.acl.priority);
		if (i < 0)
			return sl_err(err, errlen, "no acl rule %u", cmd->u.acl.priority);
		memmove(&c->acl[i], &c->acl[i + 1], (c->n_acl - (uint32_t)i - 1) * sizeof(*c->acl));
		c->n_acl--;
		return 0;
	case SL_CMD_SET_ACL_DEFAULT:
		c->g.acl_default = cmd->u.acl_default;
		return 0;
	case SL_CMD_ADD_SINK:
		if (sink_index(c, cmd->name) >= 0)
			return sl_err(err, errlen, "sink '%s' already exists", cmd->name);
		if (c->n_sinks >= SL_MAX_SINKS)
			return sl_err(err, errlen, "too many sinks (at most %d)", SL_MAX_SINKS);
		if (grow((void **)&c->sinks, c->n_sinks + 1, sizeof(*c->sinks)) < 0)
			return sl_err(err, errlen, "out of memory");
		c->sinks[c->n_sinks++] = cmd->u.sink;
		return 0;
	case SL_CMD_DEL_SINK:
		i = sink_index(c, cmd->name);
		if (i < 0)
			return sl_err(err, errlen, "unknown sink '%s'", cmd->name);
		memmove(&c->sinks[i], &c->sinks[i + 1],
			(c->n_sinks - (uint32_t)i - 1) * sizeof(*c->sinks));
		c->n_sinks--;
		return 0;
	case SL_CMD_ADD_CERT:
		if (cert_index(c, cmd->name) >= 0)
			return sl_err(err, errlen, "certificate '%s' already exists", cmd->name);
		if (c->n_certs >= SL_MAX_CERTS)
			return sl_err(err, errlen, "too many certificates (at most %d)", SL_MAX_CERTS);
		if (grow((void **)&c->certs, c->n_certs + 1, sizeof(*c->certs)) < 0)
			return sl_err(err, errlen, "out of memory");
		c->certs[c->n_certs++] = cmd->u.cert;
		return 0;
	case SL_CMD_DEL_CERT: {
		uint32_t k;

		i = cert_index(c, cmd->name);
		if (i < 0)
			return sl_err(err, errlen, "unknown certificate '%s'", cmd->name);
		for (k = 0; k < c->n_services; k++)
			if (!strcmp(c->services[k].cert, cmd->name))
				return sl_err(err, errlen, "certificate '%s' is used by service '%s'",
					       cmd->name, c->services[k].name);
		memmove(&c->certs[i], &c->certs[i + 1],
			(c->n_certs - (uint32_t)i - 1) * sizeof(*c->certs));
		c->n_certs--;
		return 0;
	}
	case SL_CMD_SET_FLOWS:
		c->g.flows_per_core = cmd->u.global.value;
		return 0;
	case SL_CMD_SET_TIMEOUT:
		switch (cmd->u.global.kind) {
		case SL_TIMEOUT_TCP: c->g.tcp_timeout_s = cmd->u.global.value; break;
		case SL_TIMEOUT_TCP_FIN: c->g.tcp_fin_timeout_s = cmd->u.global.value; break;
		case SL_TIMEOUT_UDP: c->g.udp_timeout_s = cmd->u.global.value; break;
		default: c->g.other_timeout_s = cmd->u.global.value; break;
		}
		return 0;
	case SL_CMD_SHOW:
	case SL_CMD_SAVE:
	case SL_CMD_HELP:
		return sl_err(err, errlen, "'%s' does not change the configuration",
			       cmd->verb == SL_CMD_SHOW ? "show" : cmd->verb == SL_CMD_SAVE ? "save" : "help");
	default:
		return sl_err(err, errlen, "unknown command");
	}
}

int
sl_config_exec(struct sl_config *c, const char *line, size_t len, char *err, size_t errlen)
{
	struct sl_cmd cmd;

	if (sl_cmd_parse(line, len, &cmd, err, errlen) < 0)
		return -1;
	return sl_config_apply(c, &cmd, err, errlen);
}

/* ---- text form -------------------------------------------------------------------- */

static void
save_check(struct sbuf *b, const struct sl_service_cfg *s)
{
	const struct sl_check *ck = &s->check;
	char iv[16], to[16];

	if (ck->type == SL_CHECK_NONE)
		return;
	sl_duration_format(ck->interval_ms, iv, sizeof(iv));
	sl_duration_format(ck->timeout_ms, to, sizeof(to));
	sb_printf(b, "set service %s check %s interval %s timeout %s rise %u fall %u", s->name,
		  sl_check_name(ck->type), iv, to, ck->rise, ck->fall);
	if (ck->type == SL_CHECK_HTTP)
		sb_printf(b, " path %s expect %u", ck->path, ck->expect_status);
	sb_printf(b, "\n");
}

static void
save_service(struct sbuf *b, const struct sl_service_cfg *s)
{
	char buf[96];
	uint32_t i;

	sl_addr_port_format(&s->vip, s->port, buf, sizeof(buf));
	sb_printf(b, "add service %s %s proto %s sched %s mode %s", s->name, buf,
		  sl_proto_name(s->proto), sl_sched_name(s->sched), sl_mode_name(s->mode));
	if (s->mode == SL_FWD_TUNNEL) {
		sb_printf(b, " tunnel %s", sl_tunnel_name(s->tunnel));
		if (s->tunnel == SL_TUN_GUE)
			sb_printf(b, " gue-port %u", s->gue_port);
	}
	if (s->sched == SL_SCHED_MAGLEV && s->maglev_size != SL_MAGLEV_DEFAULT)
		sb_printf(b, " maglev-size %u", s->maglev_size);
	if (s->snat.family) {
		sl_addr_format(&s->snat, buf, sizeof(buf));
		sb_printf(b, " snat %s", buf);
	}
	if (s->cert[0])
		sb_printf(b, " cert %s", s->cert);
	if (s->all_down != SL_ALL_DOWN_DROP)
		sb_printf(b, " all-down %s", sl_all_down_name(s->all_down));
	sb_printf(b, "\n");
	save_check(b, s);
	for (i = 0; i < s->n_backends; i++) {
		const struct sl_backend_cfg *be = &s->backends[i];

		sl_addr_port_format(&be->addr, be->port, buf, sizeof(buf));
		sb_printf(b, "add backend %s %s weight %u", s->name, buf, be->weight);
		if (be->state != SL_BE_READY)
			sb_printf(b, " state %s", sl_state_name(be->state));
		sb_printf(b, "\n");
	}
}

static void
save_acl(struct sbuf *b, const struct sl_acl_rule_cfg *r)
{
	char buf[64];

	sb_printf(b, "add acl %u %s", r->priority, sl_action_name(r->action));
	if (r->proto)
		sb_printf(b, " proto %s", sl_proto_name(r->proto));
	if (r->src.family) {
		sl_prefix_format(&r->src, buf, sizeof(buf));
		sb_printf(b, " src %s", buf);
	}
	if (r->dst.family) {
		sl_prefix_format(&r->dst, buf, sizeof(buf));
		sb_printf(b, " dst %s", buf);
	}
	if (r->sport_lo != 0 || r->sport_hi != 65535) {
		if (r->sport_lo == r->sport_hi)
			sb_printf(b, " sport %u", r->sport_lo);
		else
			sb_printf(b, " sport %u-%u", r->sport_lo, r->sport_hi);
	}
	if (r->dport_lo != 0 || r->dport_hi != 65535) {
		if (r->dport_lo == r->dport_hi)
			sb_printf(b, " dport %u", r->dport_lo);
		else
			sb_printf(b, " dport %u-%u", r->dport_lo, r->dport_hi);
	}
	sb_printf(b, "\n");
}

static void
save_sink(struct sbuf *b, const struct sl_sink_cfg *s)
{
	char iv[16];

	sl_duration_format(s->interval_ms, iv, sizeof(iv));
	sb_printf(b, "add sink %s %s %s", s->name, sl_sink_type_name(s->type), s->target);
	if (s->type == SL_SINK_HTTP) {
		sb_printf(b, " format %s gzip %s", sl_format_name(s->format), s->gzip ? "on" : "off");
		if (s->category[0])
			sb_printf(b, " category %s", s->category);
		if (s->dimensions[0])
			sb_printf(b, " dimensions %s", s->dimensions);
	}
	sb_printf(b, " interval %s\n", iv);
}

char *
sl_config_save(const struct sl_config *c, size_t *len)
{
	struct sbuf b = {0};
	uint32_t i;

	sb_printf(&b, "# sluice configuration\n");
	if (c->g.flows_per_core != SL_FLOWS_DEFAULT)
		sb_printf(&b, "set flows size %u\n", c->g.flows_per_core);
	if (c->g.tcp_timeout_s != SL_TCP_TIMEOUT_DEFAULT)
		sb_printf(&b, "set timeout tcp %us\n", c->g.tcp_timeout_s);
	if (c->g.tcp_fin_timeout_s != SL_TCP_FIN_TIMEOUT_DEFAULT)
		sb_printf(&b, "set timeout tcp-fin %us\n", c->g.tcp_fin_timeout_s);
	if (c->g.udp_timeout_s != SL_UDP_TIMEOUT_DEFAULT)
		sb_printf(&b, "set timeout udp %us\n", c->g.udp_timeout_s);
	if (c->g.other_timeout_s != SL_OTHER_TIMEOUT_DEFAULT)
		sb_printf(&b, "set timeout other %us\n", c->g.other_timeout_s);
	for (i = 0; i < c->n_certs; i++)
		sb_printf(&b, "add cert %s chain %s key %s\n", c->certs[i].name, c->certs[i].chain,
			  c->certs[i].key);
	for (i = 0; i < c->n_services; i++)
		save_service(&b, &c->services[i]);
	sb_printf(&b, "set acl default %s\n", sl_action_name(c->g.acl_default));
	for (i = 0; i < c->n_acl; i++)
		save_acl(&b, &c->acl[i]);
	for (i = 0; i < c->n_sinks; i++)
		save_sink(&b, &c->sinks[i]);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.s;
}

int
sl_config_equal(const struct sl_config *a, const struct sl_config *b)
{
	char *sa = sl_config_save(a, NULL), *sb = sl_config_save(b, NULL);
	int eq = -1;

	if (sa && sb)
		eq = !strcmp(sa, sb);
	free(sa);
	free(sb);
	return eq;
}

int
sl_config_load_buf(struct sl_config *c, const char *buf, size_t len, char *err, size_t errlen,
		   unsigned int *lineno)
{
	size_t pos = 0;
	unsigned int ln = 0;

	*lineno = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		struct sl_cmd cmd;

		ln++;
		*lineno = ln;
		if (sl_cmd_parse(buf + pos, llen, &cmd, err, errlen) < 0)
			return -1;
		if (cmd.verb != SL_CMD_NOP && !sl_cmd_is_mutation(&cmd))
			return sl_err(err, errlen, "'%s' is not allowed in a config file",
				       cmd.verb == SL_CMD_SHOW ? "show" :
				       cmd.verb == SL_CMD_SAVE ? "save" : "help");
		if (sl_config_apply(c, &cmd, err, errlen) < 0)
			return -1;
		pos += llen + (nl ? 1 : 0);
	}
	*lineno = 0;
	return 0;
}

int
sl_config_load_file(struct sl_config *c, const char *path, char *err, size_t errlen,
		    unsigned int *lineno)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, rc;

	*lineno = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sl_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sl_err(err, errlen, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > SL_CONFIG_FILE_MAX) {
		close(fd);
		return sl_err(err, errlen, "%s is too large (%lld bytes, at most %u)", path,
			       (long long)st.st_size, SL_CONFIG_FILE_MAX);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return sl_err(err, errlen, "out of memory reading %s", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	rc = sl_config_load_buf(c, buf, got, err, errlen, lineno);
	free(buf);
	return rc;
}

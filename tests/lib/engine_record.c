/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_record.c - a data plane for tests of the control plane: it
 * forwards nothing and writes every snapshot it is given to a file, so a
 * test can see exactly what an engine would have been told.
 *
 *   sluiced-test --dataplane record [OPTIONS] -- RECORD_FILE
 *
 * The file is replaced atomically at each apply. Its lines:
 *   gen N
 *   svc ID NAME VIP:PORT PROTO SCHED MODE slots N [BACKEND_ID:COUNT ...]
 *   be ID svc SVC_ID ADDR:PORT [eligible] [alive] [in_svc]
 *   acl PRIORITY ACTION
 *   default ACTION
 * With SLUICE_RECORD_REFUSE=N in the environment, the N-th apply (1-based)
 * is refused, to test that a refused snapshot changes nothing.
 * With SLUICE_RECORD_FLOWS=1 it lists a flow for every service it was
 * given with a backend, from client 203.0.113.1:40000 to the service's
 * VIP and port, on its first; like a real flow table it keeps the flow after the
 * service has gone (the flow carries the service's id, which a later
 * service may be given).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"

#define REC_FLOWS 64

struct rec {
	char path[4096];
	unsigned long applies;
	unsigned long refuse_at;
	uint32_t gen;
	int keep_flows;
	uint32_t n_flows;
	struct sl_flow_info flows[REC_FLOWS];
};

/* SLUICE_RECORD_FLOWS: a flow for service v, unless one with its key is
 * kept already. */
static void
rec_flow_add(struct rec *r, const struct sl_snap_svc *v)
{
	struct sl_flow_info f;
	uint32_t i;

	memset(&f, 0, sizeof(f));
	f.key.family = v->key.family;
	f.key.proto = v->key.proto;
	f.key.dst = v->key.vip;
	f.key.dport_be = v->key.port_be;
	f.key.sport_be = htons(40000);
	if (v->key.family == SL_AF_INET) {
		f.key.src.w[0] = inet_addr("203.0.113.1");
	} else {
		f.key.src.b[0] = 0x20, f.key.src.b[1] = 0x01, f.key.src.b[2] = 0x0d;
		f.key.src.b[3] = 0xb8, f.key.src.b[15] = 1;
	}
	f.svc_id = v->svc.id;
	f.backend_id = v->tbl->slot[0];
	for (i = 0; i < r->n_flows; i++)
		if (!memcmp(&r->flows[i].key, &f.key, sizeof(f.key)))
			return;
	if (r->n_flows < REC_FLOWS)
		r->flows[r->n_flows++] = f;
}

static int
rec_apply(struct sl_engine *e, const struct sl_snapshot *s, char *err, size_t errlen)
{
	struct rec *r = e->priv;
	char tmp[4200];
	uint32_t i, k;
	uint32_t *count;
	FILE *f;

	r->applies++;
	if (r->refuse_at && r->applies == r->refuse_at) {
		snprintf(err, errlen, "record engine: refusing apply %lu as asked", r->applies);
		return -1;
	}
	count = calloc(SL_MAX_BACKENDS, sizeof(*count));
	if (!count) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->path);
	f = fopen(tmp, "w");
	if (!f) {
		free(count);
		snprintf(err, errlen, "record engine: cannot write %s", tmp);
		return -1;
	}
	fprintf(f, "gen %u\n", s->gen);
	for (i = 0; i < s->n_svc; i++) {
		const struct sl_snap_svc *v = &s->svc[i];
		struct sl_ipaddr vip = {.a = v->key.vip, .family = v->key.family};
		char vs[80];

		sl_addr_port_format(&vip, ntohs(v->key.port_be), vs, sizeof(vs));
		memset(count, 0, SL_MAX_BACKENDS * sizeof(*count));
		for (k = 0; k < v->tbl->size; k++)
			count[v->tbl->slot[k]]++;
		if (r->keep_flows && v->tbl->size)
			rec_flow_add(r, v);
		fprintf(f, "svc %u %s %s %s %s %s slots %u", v->svc.id, v->name, vs,
			sl_proto_name(v->key.proto), sl_sched_name(v->svc.sched),
			sl_mode_name(v->svc.mode), v->tbl->size);
		for (k = 0; k < SL_MAX_BACKENDS; k++)
			if (count[k])
				fprintf(f, " %u:%u", k, count[k]);
		fprintf(f, "\n");
	}
	for (i = 0; i < s->max_backend_id; i++) {
		const struct sl_backend *b = &s->backends[i];
		struct sl_ipaddr a = {.a = b->addr, .family = b->family};
		char bs[80];

		if (!b->family)
			continue;
		sl_addr_port_format(&a, ntohs(b->port_be), bs, sizeof(bs));
		fprintf(f, "be %u svc %u %s%s%s%s\n", i, b->svc_id, bs,
			b->flags & SL_BE_F_ELIGIBLE ? " eligible" : "",
			b->flags & SL_BE_F_ALIVE ? " alive" : "",
			b->flags & SL_BE_F_IN_SVC ? " in_svc" : "");
	}
	for (i = 0; i < s->n_acl; i++)
		fprintf(f, "acl %u %s\n", s->acl[i].priority, sl_action_name(s->acl[i].action));
	fprintf(f, "default %s\n", sl_action_name(s->acl_default));
	free(count);
	if (fclose(f) != 0 || rename(tmp, r->path) != 0) {
		snprintf(err, errlen, "record engine: cannot write %s", r->path);
		return -1;
	}
	r->gen = s->gen;
	return 0;
}

static int
rec_stats(struct sl_engine *e, struct sl_stats *out)
{
	struct rec *r = e->priv;

	out->n_cores = 2;
	out->core[0].rx_pkts = r->applies; /* something that moves */
	return 0;
}

static int
rec_flows(struct sl_engine *e, int svc_id, struct sl_flow_info *out, size_t max)
{
	struct rec *r = e->priv;
	uint32_t i;
	size_t n = 0;

	for (i = 0; i < r->n_flows && n < max; i++)
		if (svc_id < 0 || r->flows[i].svc_id == (uint32_t)svc_id)
			out[n++] = r->flows[i];
	return (int)n;
}

static void
rec_destroy(struct sl_engine *e)
{
	free(e->priv);
	free(e);
}

static const struct sl_engine_ops rec_ops = {
	.name = "record",
	.apply = rec_apply,
	.stats = rec_stats,
	.flows = rec_flows,
	.destroy = rec_destroy,
};

static struct sl_engine *
rec_create(const struct sl_engine_args *a, char *err, size_t errlen)
{
	struct sl_engine *e;
	struct rec *r;
	const char *refuse = getenv("SLUICE_RECORD_REFUSE");

	if (a->argc != 1 || strlen(a->argv[0]) >= sizeof(r->path)) {
		snprintf(err, errlen, "usage: --dataplane record [OPTIONS] -- RECORD_FILE");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	r = calloc(1, sizeof(*r));
	if (!e || !r) {
		free(e);
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(r->path, a->argv[0]);
	r->refuse_at = refuse ? strtoul(refuse, NULL, 10) : 0;
	r->keep_flows = getenv("SLUICE_RECORD_FLOWS") != NULL;
	e->ops = &rec_ops;
	e->priv = r;
	return e;
}

static const struct sl_engine_factory engines[] = {
	{"record", "writes every snapshot to a file (tests only)", rec_create},
};

int
main(int argc, char **argv)
{
	return sl_main(argc, argv, engines, 1);
}

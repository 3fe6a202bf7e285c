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
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"

struct rec {
	char path[4096];
	unsigned long applies;
	unsigned long refuse_at;
	uint32_t gen;
};

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
	(void)e, (void)svc_id, (void)out, (void)max;
	return 0;
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snapshot.c - compile the config model into what the engines read.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "sched_build.h"
#include "sbuf.h"

int
sl_ids_service(const struct sl_ids *ids, const char *name)
{
	int i;

	for (i = 0; i < SL_MAX_SERVICES; i++)
		if (ids->svc_name[i][0] && !strcmp(ids->svc_name[i], name))
			return i;
	return -1;
}

int
sl_ids_backend(const struct sl_ids *ids, uint32_t svc_id, const struct sl_ipaddr *addr,
	       uint16_t port)
{
	int i;

	for (i = 0; i < SL_MAX_BACKENDS; i++)
		if (ids->be[i].svc_id == svc_id + 1 && ids->be[i].port == port &&
		    ids->be[i].addr.family == addr->family &&
		    !memcmp(&ids->be[i].addr.a, &addr->a, sizeof(addr->a)))
			return i;
	return -1;
}

/* Free the ids of services and backends that are no longer configured,
 * then give ids to the new ones. Works on a copy: *ids changes only if
 * every id could be given. */
static int
assign_ids(const struct sl_config *cfg, struct sl_ids *ids, int *svc_id, int **be_id,
	   char *err, size_t errlen)
{
	struct sl_ids *n = malloc(sizeof(*n));
	uint8_t *keep_svc = calloc(SL_MAX_SERVICES, 1), *keep_be = calloc(SL_MAX_BACKENDS, 1);
	uint32_t i, k;
	int rc = -1;

	if (!n || !keep_svc || !keep_be) {
		sl_err(err, errlen, "out of memory");
		goto out;
	}
	*n = *ids;
	/* what stays */
	for (i = 0; i < cfg->n_services; i++) {
		const struct sl_service_cfg *s = &cfg->services[i];
		int id = sl_ids_service(n, s->name);

		svc_id[i] = id;
		if (id < 0)
			continue;
		keep_svc[id] = 1;
		for (k = 0; k < s->n_backends; k++) {
			int b = sl_ids_backend(n, (uint32_t)id, &s->backends[k].addr, s->backends[k].port);

			be_id[i][k] = b;
			if (b >= 0)
				keep_be[b] = 1;
		}
	}
	for (i = 0; i < SL_MAX_SERVICES; i++)
		if (!keep_svc[i])
			n->svc_name[i][0] = 0;
	for (i = 0; i < SL_MAX_BACKENDS; i++)
		if (!keep_be[i])
			n->be[i].svc_id = 0;
	/* what is new: lowest free id */
	for (i = 0; i < cfg->n_services; i++) {
		const struct sl_service_cfg *s = &cfg->services[i];

		if (svc_id[i] < 0) {
			int id;

			for (id = 0; id < SL_MAX_SERVICES && n->svc_name[id][0]; id++)
				;
			if (id == SL_MAX_SERVICES) {
				sl_err(err, errlen, "no free service id");
				goto out;
			}
			strcpy(n->svc_name[id], s->name);
			n->reused_svc[id]++;
			svc_id[i] = id;
			for (k = 0; k < s->n_backends; k++)
				be_id[i][k] = -1;
		}
		for (k = 0; k < s->n_backends; k++) {
			int b;

			if (be_id[i][k] >= 0)
				continue;
			for (b = 0; b < SL_MAX_BACKENDS && n->be[b].svc_id; b++)
				;
			if (b == SL_MAX_BACKENDS) {
				sl_err(err, errlen, "no free backend id");
				goto out;
			}
			n->be[b].svc_id = (uint16_t)(svc_id[i] + 1);
			n->be[b].port = s->backends[k].port;
			n->be[b].addr = s->backends[k].addr;
			n->reused_be[b]++;
			be_id[i][k] = b;
		}
	}
	*ids = *n;
	rc = 0;
out:
	free(n);
	free(keep_svc);
	free(keep_be);
	return rc;
}

static struct sl_sched_tbl *
tbl_alloc(uint32_t slots)
{
	return calloc(1, offsetof(struct sl_sched_tbl, slot) + (slots ? slots : 1) * sizeof(uint16_t));
}

void
sl_snapshot_free(struct sl_snapshot *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_svc; i++)
		free(s->svc[i].tbl);
	free(s->svc);
	free(s->backends);
	free(s->acl);
	free(s);
}

static const struct sl_snap_svc *
prev_svc(const struct sl_snapshot *prev, uint32_t id)
{
	uint32_t i;

	if (!prev)
		return NULL;
	for (i = 0; i < prev->n_svc; i++)
		if (prev->svc[i].svc.id == id)
			return &prev->svc[i];
	return NULL;
}

static int
build_table(struct sl_snap_svc *ss, const struct sl_service_cfg *s, const int *be_id,
	    const struct sl_backend *backends, const struct sl_snapshot *prev, char *err,
	    size_t errlen)
{
	struct sl_sched_input *in = calloc(s->n_backends ? s->n_backends : 1, sizeof(*in));
	struct sl_sched_tbl *full = NULL;
	uint32_t k, n = 0, slots;

	if (!in)
		return sl_err(err, errlen, "out of memory");
	for (k = 0; k < s->n_backends; k++) {
		const struct sl_backend *b = &backends[be_id[k]];

		if (!(b->flags & SL_BE_F_ELIGIBLE))
			continue;
		in[n].id = (uint16_t)be_id[k];
		in[n].weight = s->backends[k].weight;
		in[n].addr = b->addr;
		in[n].port_be = b->port_be;
		n++;
	}
	if (n == 0 && s->all_down == SL_ALL_DOWN_KEEP_LAST) {
		const struct sl_snap_svc *p = prev_svc(prev, ss->svc.id);

		if (p && p->tbl && p->tbl->size) {
			/* the last table, less backends gone or in maintenance */
			ss->tbl = tbl_alloc(p->tbl->size);
			if (!ss->tbl) {
				free(in);
				return sl_err(err, errlen, "out of memory");
			}
			for (k = 0; k < p->tbl->size; k++) {
				uint16_t id = p->tbl->slot[k];

				if (backends[id].flags & SL_BE_F_IN_SVC)
					ss->tbl->slot[ss->tbl->size++] = id;
			}
			free(in);
			return 0;
		}
	}
	full = calloc(1, sizeof(*full));
	if (!full || sl_sched_build(full, s->sched, in, n, s->maglev_size) < 0) {
		free(full);
		free(in);
		return sl_err(err, errlen, "cannot build the table of service '%s'", s->name);
	}
	free(in);
	slots = full->size;
	ss->tbl = tbl_alloc(slots);
	if (!ss->tbl) {
		free(full);
		return sl_err(err, errlen, "out of memory");
	}
	ss->tbl->size = slots;
	memcpy(ss->tbl->slot, full->slot, slots * sizeof(uint16_t));
	free(full);
	return 0;
}

struct sl_snapshot *
sl_snapshot_build(const struct sl_config *cfg, const struct sl_snapshot *prev, struct sl_ids *ids,
		  uint32_t gen, char *err, size_t errlen)
{
	struct sl_snapshot *s = calloc(1, sizeof(*s));
	int *svc_id = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(int));
	int **be_id = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(int *));
	struct sl_ids saved;
	uint32_t i, k;

	if (err && errlen)
		err[0] = 0;
	if (!s || !svc_id || !be_id)
		goto oom;
	for (i = 0; i < cfg->n_services; i++) {
		be_id[i] = calloc(cfg->services[i].n_backends + 1, sizeof(int));
		if (!be_id[i])
			goto oom;
	}
	s->svc = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(*s->svc));
	s->backends = calloc(SL_MAX_BACKENDS, sizeof(*s->backends));
	s->acl = calloc(cfg->n_acl ? cfg->n_acl : 1, sizeof(*s->acl));
	if (!s->svc || !s->backends || !s->acl)
		goto oom;
	saved = *ids;
	if (assign_ids(cfg, ids, svc_id, be_id, err, errlen) < 0)
		goto fail;

	s->gen = gen;
	s->g = cfg->g;
	s->max_svc_id = 0;
	s->max_backend_id = 0;
	for (i = 0; i < cfg->n_services; i++) {
		const struct sl_service_cfg *c = &cfg->services[i];
		struct sl_snap_svc *ss = &s->svc[i];

		ss->name = c->name;
		ss->key.vip = c->vip.a;
		ss->key.port_be = htons(c->port);
		ss->key.proto = c->proto;
		ss->key.family = c->vip.family;
		ss->svc.id = (uint32_t)svc_id[i];
		ss->svc.mode = c->mode;
		ss->svc.sched = c->sched;
		ss->svc.tunnel = c->tunnel;
		ss->svc.gue_port_be = htons(c->gue_port);
		ss->svc.gen = gen;
		if (c->snat.family) {
			ss->svc.snat = c->snat.a;
			ss->svc.flags |= SL_SVC_F_SNAT_SET;
		}
		ss->all_down = c->all_down;
		if ((uint32_t)svc_id[i] + 1 > s->max_svc_id)
			s->max_svc_id = (uint32_t)svc_id[i] + 1;
		for (k = 0; k < c->n_backends; k++) {
			const struct sl_backend_cfg *bc = &c->backends[k];
			struct sl_backend *b = &s->backends[be_id[i][k]];
			int up = bc->health == SL_HEALTH_UP;

			b->addr = bc->addr.a;
			b->port_be = htons(bc->port);
			b->family = bc->addr.family;
			b->svc_id = (uint16_t)svc_id[i];
			if (up && bc->state == SL_BE_READY && bc->weight > 0)
				b->flags |= SL_BE_F_ELIGIBLE;
			if (up && bc->state != SL_BE_MAINT)
				b->flags |= SL_BE_F_ALIVE;
			if (bc->state != SL_BE_MAINT)
				b->flags |= SL_BE_F_IN_SVC;
			if ((uint32_t)be_id[i][k] + 1 > s->max_backend_id)
				s->max_backend_id = (uint32_t)be_id[i][k] + 1;
		}
		if (build_table(ss, c, be_id[i], s->backends, prev, err, errlen) < 0) {
			s->n_svc = i;
			*ids = saved;
			goto fail;
		}
		s->n_svc = i + 1;
	}
	s->n_acl = cfg->n_acl;
	if (cfg->n_acl)
		memcpy(s->acl, cfg->acl, cfg->n_acl * sizeof(*s->acl));
	s->acl_default = cfg->g.acl_default;
	for (i = 0; i < cfg->n_services; i++)
		free(be_id[i]);
	free(be_id);
	free(svc_id);
	return s;
oom:
	sl_err(err, errlen, "out of memory");
fail:
	if (be_id)
		for (i = 0; i < cfg->n_services; i++)
			free(be_id[i]);
	free(be_id);
	free(svc_id);
	sl_snapshot_free(s);
	return NULL;
}

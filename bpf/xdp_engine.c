/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_engine.c - the XDP engine's user half: load sluice.bpf.c through its
 * skeleton, attach it to the interfaces, write snapshots into its maps
 * without a window in which a packet sees half a configuration, read its
 * counters and flows, and detach and unpin everything on exit.
 *
 *   sluiced --dataplane xdp --iface IF[,IF...] [--xdp-mode native|generic]
 *
 * The program is loaded at the first snapshot, when the flow table's size
 * is known; maps are pinned under /sys/fs/bpf/sluice/<first IF>/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sluice/xdp-t.h>

#include "acl_build.h"
#include "engine.h"
#include "ifstats.h"
#include "log.h"
#include "sluice.skel.h"
#include "xdp_engine.h"
#include "sbuf.h"

#define PIN_ROOT "/sys/fs/bpf/sluice"
#define MAX_IFACES 8

struct xdp_engine {
	struct sluice_bpf *skel;
	int n_if;
	int ifindex[MAX_IFACES];
	char ifname[MAX_IFACES][IF_NAMESIZE];
	uint32_t attach_flags;
	int attached[MAX_IFACES];
	int8_t link_up[MAX_IFACES];       /* as last seen by xdp_tick, -1 before */
	uint64_t link_changes[MAX_IFACES];
	char pin_dir[256];
	uint32_t active;          /* slot in force */
	uint32_t flows_per_core;  /* what the flow table was sized for */
	int ncpus;
	/* what each slot holds, to clear it before it is written again */
	struct sl_xdp_svc_key svc_keys[SL_XDP_SLOTS][SL_MAX_SERVICES];
	uint32_t n_svc_keys[SL_XDP_SLOTS];
	uint32_t tbl_keys[SL_XDP_SLOTS][SL_MAX_SERVICES];
	uint32_t n_tbl_keys[SL_XDP_SLOTS];
	uint32_t max_be[SL_XDP_SLOTS];
	struct sl_xdp_globals g;  /* addresses found on the interfaces */
	uint32_t epoch;           /* of the last apply (sl_xdp_flow) */
	uint32_t snat_bits;       /* every nat source so far (sl_xdp_globals): only grows,
				   * as reply entries of a past config may still be live */
	uint8_t ifmac[MAX_IFACES][6]; /* each interface's MAC ... */
	int has_ifmac[MAX_IFACES];    /* ... when it has one */
	int test_mode;            /* loaded, not attached (tests) */
	/* ACL: what each slot's tries hold, and stable counter indexes */
	struct sl_xdp_lpm6 *lpm_keys[SL_XDP_SLOTS][SL_ACL_TRIES];
	uint32_t n_lpm_keys[SL_XDP_SLOTS][SL_ACL_TRIES];
	uint32_t ctr_prio[SL_MAX_ACL_RULES];   /* priority owning a counter, 0: free */
	uint16_t pos_ctr[SL_MAX_ACL_RULES];    /* active snapshot: position -> counter */
	uint32_t n_acl;                        /* rules in the active snapshot */
};

/* The first IPv4 and global IPv6 address of the first interface: the
 * default NAT and tunnel sources. */
static void
find_addresses(struct xdp_engine *x)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, x->ifname[0]))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !x->g.snat4.w[0]) {
			x->g.snat4.w[0] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			x->g.tun_src4 = x->g.snat4;
		} else if (i->ifa_addr->sa_family == AF_INET6 && !x->g.snat6.w[0]) {
			const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			memcpy(x->g.snat6.b, a, 16);
			x->g.tun_src6 = x->g.snat6;
		}
	}
	freeifaddrs(ifa);
}

static void
unpin_all(struct xdp_engine *x)
{
	struct bpf_map *m;

	if (!x->skel || !x->pin_dir[0])
		return;
	bpf_object__for_each_map(m, x->skel->obj)
		if (bpf_map__is_pinned(m))
			bpf_map__unpin(m, NULL);
	rmdir(x->pin_dir);
	rmdir(PIN_ROOT); /* only if empty */
}

static int
load_and_attach(struct xdp_engine *x, uint32_t flows_per_core, char *err, size_t errlen)
{
	struct bpf_map *m;
	uint64_t flows = (uint64_t)flows_per_core * (uint64_t)x->ncpus;
	char path[512];
	uint32_t zero = 0;
	int i, fd, rc;

	if (flows > (1u << 24))
		flows = 1u << 24;
	x->skel = sluice_bpf__open();
	if (!x->skel)
		return sl_err(err, errlen, "cannot open the BPF object: %s", strerror(errno));
	bpf_map__set_max_entries(x->skel->maps.sl_flows, (uint32_t)flows);
	bpf_map__set_max_entries(x->skel->maps.sl_nat, (uint32_t)flows);
	rc = sluice_bpf__load(x->skel);
	if (rc)
		return sl_err(err, errlen, "the kernel refused the XDP program: %s (run as root; "
			       "see the verifier log above)", strerror(-rc));
	x->flows_per_core = flows_per_core;
	/* pin every map for inspection (bpftool map dump pinned ...); bpffs
	 * may be missing where sluiced runs in a fresh mount namespace (ip
	 * netns exec remounts /sys): mount it there */
	{
		struct statfs sfs;

		if (statfs("/sys/fs/bpf", &sfs) < 0 || sfs.f_type != BPF_FS_MAGIC) {
			if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0)
				return sl_err(err, errlen, "no bpffs at /sys/fs/bpf and cannot mount one: "
					       "%s (mount -t bpf bpf /sys/fs/bpf)", strerror(errno));
			sl_log(LOG_NOTICE, "xdp: mounted bpffs at /sys/fs/bpf");
		}
	}
	snprintf(x->pin_dir, sizeof(x->pin_dir), PIN_ROOT "/%s", x->ifname[0]);
	if (mkdir(PIN_ROOT, 0700) < 0 && errno != EEXIST)
		return sl_err(err, errlen, "cannot create %s: %s (is bpffs mounted? mount -t bpf bpf "
			       "/sys/fs/bpf)", PIN_ROOT, strerror(errno));
	if (mkdir(x->pin_dir, 0700) < 0 && errno != EEXIST)
		return sl_err(err, errlen, "cannot create %s: %s", x->pin_dir, strerror(errno));
	bpf_object__for_each_map(m, x->skel->obj) {
		if (!strcmp(bpf_map__name(m), "sl_sync_inner") || strstr(bpf_map__name(m), ".bss") ||
		    strstr(bpf_map__name(m), ".rodata"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", x->pin_dir, bpf_map__name(m));
		unlink(path); /* left by a sluiced that was killed */
		if (bpf_map__pin(m, path))
			return sl_err(err, errlen, "cannot pin %s: %s", path, strerror(errno));
	}
	/* our interfaces' MACs, for next hops the control plane resolved, and
	 * the smallest MTU, which tunnelled frames must keep within */
	x->g.mtu = 0;
	for (i = 0; i < x->n_if; i++) {
		struct ifreq ifr;
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, x->ifname[i]);
		if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
			memcpy(x->ifmac[i], ifr.ifr_hwaddr.sa_data, 6);
			x->has_ifmac[i] = 1;
		}
		if (s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0 &&
		    (!x->g.mtu || (uint32_t)ifr.ifr_mtu < x->g.mtu))
			x->g.mtu = (uint32_t)ifr.ifr_mtu;
		if (s >= 0)
			close(s);
	}
	if (!x->g.mtu)
		x->g.mtu = 1500;
	fd = bpf_map__fd(x->skel->maps.sl_active);
	if (bpf_map_update_elem(fd, &zero, &zero, BPF_ANY))
		return sl_err(err, errlen, "cannot initialise the maps: %s", strerror(errno));
	if (x->test_mode)
		return 0;
	for (i = 0; i < x->n_if; i++) {
		rc = bpf_xdp_attach(x->ifindex[i], bpf_program__fd(x->skel->progs.sluice_xdp),
				    x->attach_flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (rc) {
			int native = x->attach_flags & XDP_FLAGS_DRV_MODE;

			return sl_err(err, errlen, "cannot attach XDP (%s mode) to %s: %s%s",
				       native ? "native" : "generic", x->ifname[i], strerror(-rc),
				       rc == -EBUSY || rc == -EEXIST ? " (another XDP program is attached)" :
				       native ? " (the driver may lack native XDP: try --xdp-mode generic)" : "");
		}
		x->attached[i] = 1;
		sl_log(LOG_NOTICE, "xdp: attached to %s (%s mode)", x->ifname[i],
		       x->attach_flags & XDP_FLAGS_DRV_MODE ? "native" : "generic");
	}
	return 0;
}

/* A backend's next hop as the program takes it when the control plane
 * resolved one (a MAC and an interface of ours): with that interface's
 * MAC as the source. Otherwise the program asks the kernel's FIB. */
static void
backend_hop(const struct xdp_engine *x, struct sl_xdp_backend *b)
{
	static const uint8_t none[6];
	int i;

	if (!b->be.ifindex || !memcmp(b->be.mac, none, 6))
		return;
	for (i = 0; i < x->n_if; i++) {
		if ((uint32_t)x->ifindex[i] == b->be.ifindex && x->has_ifmac[i]) {
			memcpy(b->src_mac, x->ifmac[i], 6);
			b->hop_ok = 1;
			return;
		}
	}
}

/* Wait until no program still runs with the slot it read before. */
static int
wait_for_readers(struct xdp_engine *x)
{
	uint32_t zero = 0;
	int inner = bpf_map__fd(x->skel->maps.sl_sync_inner);

	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_sync), &zero, &inner, BPF_ANY);
}

/* A counter index per rule priority, kept across snapshots; a new rule's
 * counters start from zero. */
static int
acl_counters(struct xdp_engine *x, const struct sl_snapshot *s, uint16_t *ctr_of)
{
	uint8_t *keep = calloc(SL_MAX_ACL_RULES, 1);
	int fd = bpf_map__fd(x->skel->maps.sl_acl_ctr);
	struct sl_acl_counters *zero = calloc((size_t)x->ncpus, sizeof(*zero));
	uint32_t i, k;

	if (!keep || !zero) {
		free(keep);
		free(zero);
		return -1;
	}
	for (i = 0; i < s->n_acl; i++) {
		for (k = 0; k < SL_MAX_ACL_RULES; k++)
			if (x->ctr_prio[k] == s->acl[i].priority)
				break;
		ctr_of[i] = (uint16_t)k;
		if (k < SL_MAX_ACL_RULES)
			keep[k] = 1;
	}
	for (k = 0; k < SL_MAX_ACL_RULES; k++)
		if (!keep[k])
			x->ctr_prio[k] = 0;
	for (i = 0; i < s->n_acl; i++) {
		if (ctr_of[i] < SL_MAX_ACL_RULES)
			continue;
		for (k = 0; k < SL_MAX_ACL_RULES && x->ctr_prio[k]; k++)
			;
		x->ctr_prio[k] = s->acl[i].priority;
		ctr_of[i] = (uint16_t)k;
		bpf_map_update_elem(fd, &k, zero, BPF_ANY); /* from zero */
	}
	free(keep);
	free(zero);
	return 0;
}

/* Write the firewall into a slot; *g gets its sizes. */
static int
acl_write(struct xdp_engine *x, const struct sl_snapshot *s, uint32_t slot,
	  struct sl_xdp_globals *g, uint16_t *ctr_of, char *err, size_t errlen)
{
	static const char *const names[SL_ACL_TRIES] = {"src4", "dst4", "src6", "dst6"};
	struct bpf_map *tries[SL_ACL_TRIES] = {x->skel->maps.sl_acl_src4, x->skel->maps.sl_acl_dst4,
					       x->skel->maps.sl_acl_src6, x->skel->maps.sl_acl_dst6};
	struct sl_acl_tables *t = calloc(1, sizeof(*t));
	struct sl_xdp_bounds *b = calloc(1, sizeof(*b));
	uint32_t i, k;
	int w, rc = -1;

	if (!t || !b || sl_acl_build(t, s->acl, s->n_acl, s->acl_default) < 0) {
		sl_err(err, errlen, "out of memory building the firewall");
		goto out;
	}
	g->acl_words = t->n_words;
	g->acl_sport_n = t->sport.n;
	g->acl_dport_n = t->dport.n;
	for (i = 0; i < t->n_rules; i++) {
		struct sl_acl_rule r = t->rule[i];

		r.ctr = ctr_of[i];
		k = SL_XDP_ACL_IDX(slot, i);
		if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_acl_rules), &k, &r, BPF_ANY))
			goto fail;
	}
	for (w = 0; w < SL_ACL_TRIES; w++) {
		int fd = bpf_map__fd(tries[w]), v6 = w >= SL_ACL_SRC6;
		struct sl_xdp_lpm6 *keys;

		/* clear the slot, then fill it */
		for (i = 0; i < x->n_lpm_keys[slot][w]; i++)
			bpf_map_delete_elem(fd, &x->lpm_keys[slot][w][i]);
		x->n_lpm_keys[slot][w] = 0;
		keys = realloc(x->lpm_keys[slot][w], (t->n_pfx[w] + 1) * sizeof(*keys));
		if (!keys) {
			sl_err(err, errlen, "out of memory");
			goto out;
		}
		x->lpm_keys[slot][w] = keys;
		for (i = 0; i < t->n_pfx[w]; i++) {
			struct sl_xdp_lpm6 k6 = {.prefixlen = 32u + t->pfx[w][i].len, .slot = slot};

			if (v6) {
				memcpy(k6.addr, t->pfx[w][i].a.b, 16);
			} else {
				struct sl_xdp_lpm4 *k4 = (struct sl_xdp_lpm4 *)&k6;

				k4->addr = t->pfx[w][i].a.w[0];
			}
			if (bpf_map_update_elem(fd, &k6, &t->pfx[w][i].bits, BPF_ANY)) {
				sl_err(err, errlen, "xdp: cannot write the firewall's %s prefixes: %s",
					names[w], strerror(errno));
				goto out;
			}
			keys[x->n_lpm_keys[slot][w]++] = k6;
		}
	}
	for (i = 0; i < 256; i++) {
		k = SL_XDP_PROTO_IDX(slot, i);
		if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_acl_proto), &k, &t->proto[i], BPF_ANY))
			goto fail;
	}
	for (w = 0; w < 2; w++) {
		const struct sl_acl_ports *ps = w ? &t->dport : &t->sport;
		int fd = bpf_map__fd(w ? x->skel->maps.sl_acl_dport : x->skel->maps.sl_acl_sport);

		memset(b, 0, sizeof(*b));
		memcpy(b->b, ps->bound, ps->n * sizeof(uint16_t));
		k = 2 * slot + (uint32_t)w;
		if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_acl_bounds), &k, b, BPF_ANY))
			goto fail;
		for (i = 0; i < ps->n; i++) {
			k = SL_XDP_PORT_IDX(slot, i);
			if (bpf_map_update_elem(fd, &k, &ps->bits[i], BPF_ANY))
				goto fail;
		}
	}
	rc = 0;
	goto out;
fail:
	sl_err(err, errlen, "xdp: cannot write the firewall: %s", strerror(errno));
out:
	if (t)
		sl_acl_free(t);
	free(t);
	free(b);
	return rc;
}

static int
xdp_apply(struct sl_engine *e, const struct sl_snapshot *s, char *err, size_t errlen)
{
	struct xdp_engine *x = e->priv;
	struct sl_xdp_globals g;
	uint32_t slot, i, idx, next;
	int fd_svc, fd_be, fd_tbl, fd_g, fd_ids;

	if (!x->skel) {
		if (load_and_attach(x, s->g.flows_per_core, err, errlen) < 0)
			return -1;
	} else if (s->g.flows_per_core != x->flows_per_core) {
		return sl_err(err, errlen, "the xdp engine sizes its flow table once: restart "
			       "sluiced to change 'set flows size' (%u now)", x->flows_per_core);
	}
	next = x->active ^ 1;
	slot = next;
	fd_svc = bpf_map__fd(x->skel->maps.sl_services);
	fd_be = bpf_map__fd(x->skel->maps.sl_backends);
	fd_tbl = bpf_map__fd(x->skel->maps.sl_sched);
	fd_g = bpf_map__fd(x->skel->maps.sl_globals);
	fd_ids = bpf_map__fd(x->skel->maps.sl_svc_ids);

	/* 1. clear what the inactive slot held */
	for (i = 0; i < x->n_svc_keys[slot]; i++)
		bpf_map_delete_elem(fd_svc, &x->svc_keys[slot][i]);
	x->n_svc_keys[slot] = 0;
	for (i = 0; i < x->n_tbl_keys[slot]; i++) {
		struct sl_xdp_svc none = {0};

		bpf_map_delete_elem(fd_tbl, &x->tbl_keys[slot][i]);
		bpf_map_update_elem(fd_ids, &x->tbl_keys[slot][i], &none, BPF_ANY);
	}
	x->n_tbl_keys[slot] = 0;

	/* 2. write the snapshot into it */
	g = x->g;
	g.timeout_ns[SL_XDP_TO_TCP] = (uint64_t)s->g.tcp_timeout_s * 1000000000ull;
	g.timeout_ns[SL_XDP_TO_TCP_FIN] = (uint64_t)s->g.tcp_fin_timeout_s * 1000000000ull;
	g.timeout_ns[SL_XDP_TO_UDP] = (uint64_t)s->g.udp_timeout_s * 1000000000ull;
	g.timeout_ns[SL_XDP_TO_OTHER] = (uint64_t)s->g.other_timeout_s * 1000000000ull;
	g.gen = s->gen;
	if (++x->epoch == 0)
		x->epoch = 1;
	g.epoch = x->epoch;
	g.acl_default = s->acl_default;
	g.has_nat = 0;
	for (i = 0; i < s->n_svc; i++) {
		const struct sl_svc *sv = &s->svc[i].svc;

		if (sv->mode != SL_FWD_NAT)
			continue;
		g.has_nat = 1;
		/* the sources sluice_xdp() puts in reply keys (rk.dst) */
		if (sv->flags & SL_SVC_F_SNAT_SET)
			x->snat_bits |= SL_XDP_SNAT_BIT(&sv->snat);
		else if (s->svc[i].key.family == SL_AF_INET)
			x->snat_bits |= SL_XDP_SNAT_BIT(&g.snat4);
		else
			x->snat_bits |= SL_XDP_SNAT_BIT(&g.snat6);
	}
	g.snat_bits = x->snat_bits;
	{
		uint16_t *ctr_of = calloc(SL_MAX_ACL_RULES, sizeof(*ctr_of));

		if (!ctr_of || acl_counters(x, s, ctr_of) < 0) {
			free(ctr_of);
			return sl_err(err, errlen, "out of memory");
		}
		if (acl_write(x, s, slot, &g, ctr_of, err, errlen) < 0) {
			free(ctr_of);
			return -1;
		}
		memcpy(x->pos_ctr, ctr_of, s->n_acl * sizeof(*ctr_of));
		x->n_acl = s->n_acl;
		free(ctr_of);
	}
	if (bpf_map_update_elem(fd_g, &slot, &g, BPF_ANY))
		return sl_err(err, errlen, "xdp: cannot write globals: %s", strerror(errno));
	for (i = 0; i < s->max_backend_id || i < x->max_be[slot]; i++) {
		struct sl_xdp_backend b;

		memset(&b, 0, sizeof(b));
		if (i < s->max_backend_id) {
			b.be = s->backends[i];
			backend_hop(x, &b);
		}
		idx = SL_XDP_BE_IDX(slot, i);
		if (bpf_map_update_elem(fd_be, &idx, &b, BPF_ANY))
			return sl_err(err, errlen, "xdp: cannot write backend %u: %s", i, strerror(errno));
	}
	x->max_be[slot] = s->max_backend_id;
	for (i = 0; i < s->n_svc; i++) {
		const struct sl_snap_svc *v = &s->svc[i];
		struct sl_xdp_svc_key k = {.slot = slot, .k = v->key};
		struct sl_sched_tbl *full;
		uint32_t tkey = SL_XDP_TBL_IDX(slot, v->svc.id);

		full = calloc(1, sizeof(*full));
		if (!full)
			return sl_err(err, errlen, "out of memory");
		full->size = v->tbl->size;
		full->gen = s->gen;
		memcpy(full->slot, v->tbl->slot, v->tbl->size * sizeof(uint16_t));
		if (bpf_map_update_elem(fd_tbl, &tkey, full, BPF_ANY)) {
			free(full);
			return sl_err(err, errlen, "xdp: cannot write the table of '%s': %s", v->name,
				       strerror(errno));
		}
		free(full);
		x->tbl_keys[slot][x->n_tbl_keys[slot]++] = tkey;
		{
			struct sl_xdp_svc byid = {.key = v->key, .live = 1, .svc = v->svc};

			if (bpf_map_update_elem(fd_ids, &tkey, &byid, BPF_ANY))
				return sl_err(err, errlen, "xdp: cannot write service '%s': %s", v->name,
					       strerror(errno));
		}
		if (bpf_map_update_elem(fd_svc, &k, &v->svc, BPF_ANY))
			return sl_err(err, errlen, "xdp: cannot write service '%s': %s", v->name,
				       strerror(errno));
		x->svc_keys[slot][x->n_svc_keys[slot]++] = k;
	}

	/* 3. one 4-byte write puts it in force; 4. wait out the readers of the
	 * old slot, so the next apply may rewrite it */
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_active), &(uint32_t){0}, &slot, BPF_ANY))
		return sl_err(err, errlen, "xdp: cannot switch slots: %s", strerror(errno));
	x->active = slot;
	if (wait_for_readers(x))
		return sl_err(err, errlen, "xdp: cannot wait for readers: %s", strerror(errno));
	return 0;
}

static int
xdp_stats(struct sl_engine *e, struct sl_stats *out)
{
	struct xdp_engine *x = e->priv;
	int n = x->ncpus, c;
	uint32_t k;
	void *buf;

	out->n_cores = (uint32_t)(n < SL_MAX_CORES ? n : SL_MAX_CORES);
	for (c = 0; c < x->n_if && c < SL_MAX_PORTS; c++) {
		sl_ifstats_read(x->ifname[c], &out->port[c]);
		out->port[c].link_changes = x->link_changes[c];
		out->n_ports = (uint32_t)c + 1;
	}
	if (!x->skel)
		return 0;
	buf = calloc((size_t)n, sizeof(struct sl_core_counters));
	if (!buf)
		return -1;
	k = 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_core_ctr), &k, buf))
		for (c = 0; c < (int)out->n_cores; c++)
			out->core[c] = ((struct sl_core_counters *)buf)[c];
	for (k = 0; k < SL_MAX_SERVICES; k++) {
		struct sl_svc_counters *v = buf;

		if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_svc_ctr), &k, v))
			continue;
		for (c = 0; c < n; c++) {
			out->svc[k].pkts += v[c].pkts;
			out->svc[k].bytes += v[c].bytes;
			out->svc[k].new_flows += v[c].new_flows;
			out->svc[k].no_backend += v[c].no_backend;
		}
	}
	for (k = 0; k < SL_MAX_BACKENDS; k++) {
		struct sl_backend_counters *v = buf;

		if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_be_ctr), &k, v))
			continue;
		for (c = 0; c < n; c++) {
			out->backend[k].pkts += v[c].pkts;
			out->backend[k].bytes += v[c].bytes;
			out->backend[k].new_flows += v[c].new_flows;
		}
	}
	for (k = 0; k <= x->n_acl; k++) {
		struct sl_acl_counters *v = buf, *o = k < x->n_acl ? &out->acl[k] : &out->acl_default;
		uint32_t ctr = k < x->n_acl ? x->pos_ctr[k] : SL_XDP_ACL_CTR_DEFAULT;

		if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_acl_ctr), &ctr, v))
			continue;
		for (c = 0; c < n; c++) {
			o->pkts += v[c].pkts;
			o->bytes += v[c].bytes;
		}
	}
	free(buf);
	return 0;
}

static int
xdp_flows(struct sl_engine *e, int svc_id, struct sl_flow_info *out, size_t max)
{
	struct xdp_engine *x = e->priv;
	struct sl_flow_key key, next;
	struct sl_xdp_flow xv;
	struct timespec ts;
	uint64_t now;
	size_t n = 0;
	int fd, first = 1;

	if (!x->skel)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	fd = bpf_map__fd(x->skel->maps.sl_flows);
	while (n < max && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = 0;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &xv))
			continue;
		if (svc_id >= 0 && xv.f.svc_id != svc_id)
			continue;
		out[n].key = key;
		out[n].svc_id = xv.f.svc_id;
		out[n].backend_id = xv.f.backend_id;
		out[n].core = 0;
		out[n].flags = xv.f.flags;
		out[n].idle_ms = now > xv.f.last_seen_ns ? (uint32_t)((now - xv.f.last_seen_ns) / 1000000) : 0;
		n++;
	}
	return (int)n;
}

static void
xdp_destroy(struct sl_engine *e)
{
	struct xdp_engine *x = e->priv;
	int i;

	for (i = 0; i < x->n_if; i++) {
		if (!x->attached[i])
			continue;
		if (bpf_xdp_detach(x->ifindex[i], x->attach_flags, NULL))
			sl_log(LOG_WARNING, "xdp: cannot detach from %s: %s", x->ifname[i], strerror(errno));
		else
			sl_log(LOG_NOTICE, "xdp: detached from %s", x->ifname[i]);
	}
	unpin_all(x);
	sluice_bpf__destroy(x->skel);
	for (i = 0; i < SL_XDP_SLOTS * SL_ACL_TRIES; i++)
		free(x->lpm_keys[i / SL_ACL_TRIES][i % SL_ACL_TRIES]);
	free(x);
	free(e);
}

/* The interfaces' links, once a second: a change is logged and counted. */
static void
xdp_tick(struct sl_engine *e)
{
	struct xdp_engine *x = e->priv;
	int i, up;

	for (i = 0; i < x->n_if; i++) {
		up = sl_ifstats_link(x->ifname[i]);
		if (up < 0 || up == x->link_up[i])
			continue;
		if (x->link_up[i] >= 0 || !up)
			sl_log(up ? LOG_NOTICE : LOG_WARNING, "xdp: %s: link %s", x->ifname[i],
			       up ? "up" : "down");
		if (x->link_up[i] >= 0)
			x->link_changes[i]++;
		x->link_up[i] = (int8_t)up;
	}
}

static const struct sl_engine_ops xdp_ops = {
	.name = "xdp",
	.apply = xdp_apply,
	.stats = xdp_stats,
	.flows = xdp_flows,
	.destroy = xdp_destroy,
	.tick = xdp_tick,
};

struct sl_engine *
sl_xdp_engine_create(const struct sl_engine_args *a, char *err, size_t errlen)
{
	struct sl_engine *e;
	struct xdp_engine *x;
	char list[256], *tok, *save = NULL;

	if (!a->iface || !*a->iface) {
		sl_err(err, errlen, "the xdp engine needs --iface IF[,IF...]");
		return NULL;
	}
	if (a->argc) {
		sl_err(err, errlen, "the xdp engine takes no arguments after '--' (got '%s')",
			a->argv[0]);
		return NULL;
	}
	if (strlen(a->iface) >= sizeof(list)) {
		sl_err(err, errlen, "--iface list too long");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	x = calloc(1, sizeof(*x));
	if (!e || !x) {
		free(e);
		free(x);
		sl_err(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(list, a->iface);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (x->n_if == MAX_IFACES || strlen(tok) >= IF_NAMESIZE) {
			sl_err(err, errlen, "at most %d interfaces of at most %d characters", MAX_IFACES,
				IF_NAMESIZE - 1);
			goto fail;
		}
		x->ifindex[x->n_if] = (int)if_nametoindex(tok);
		if (!x->ifindex[x->n_if]) {
			sl_err(err, errlen, "no interface '%s'", tok);
			goto fail;
		}
		strcpy(x->ifname[x->n_if], tok);
		x->link_up[x->n_if] = -1;
		x->n_if++;
	}
	if (!x->n_if) {
		sl_err(err, errlen, "the xdp engine needs --iface IF[,IF...]");
		goto fail;
	}
	x->attach_flags = a->xdp_mode && !strcmp(a->xdp_mode, "generic") ? XDP_FLAGS_SKB_MODE
									     : XDP_FLAGS_DRV_MODE;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		sl_err(err, errlen, "cannot count CPUs");
		goto fail;
	}
	x->test_mode = getenv("SLUICE_XDP_NO_ATTACH") != NULL;
	/* the program asks the kernel's FIB for next hops, which it answers
	 * only on interfaces that forward */
	for (int i = 0; i < x->n_if; i++) {
		char path[128], v = '0';
		FILE *f;

		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", x->ifname[i]);
		f = fopen(path, "r");
		if (f) {
			if (fread(&v, 1, 1, f) != 1)
				v = '0';
			fclose(f);
		}
		if (v != '1') {
			sl_err(err, errlen, "IPv4 forwarding is off on %s: the xdp engine needs it for "
				"its next-hop lookups (sysctl -w net.ipv4.ip_forward=1)", x->ifname[i]);
			goto fail;
		}
	}
	find_addresses(x);
	e->ops = &xdp_ops;
	e->priv = x;
	return e;
fail:
	free(x);
	free(e);
	return NULL;
}

int
sl_xdp_engine_prog_fd(struct sl_engine *e)
{
	struct xdp_engine *x = e->priv;

	return x->skel ? bpf_program__fd(x->skel->progs.sluice_xdp) : -1;
}

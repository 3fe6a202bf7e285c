/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.c - next hops from rtnetlink: RTM_GETROUTE for the outgoing
 * interface and gateway, then the neighbour table for its MAC.
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"
#include "neigh.h"

#define NL_BUF 16384

static int
nl_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
add_attr(struct nlmsghdr *n, uint16_t type, const void *data, uint16_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Receive one reply (or a dump) and hand each message to fn; bounded by
 * a timeout so that a silent kernel never hangs the daemon. */
static int
nl_recv(int fd, uint32_t seq, int (*fn)(struct nlmsghdr *, void *), void *arg)
{
	char buf[NL_BUF] __attribute__((aligned(8)));

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t len;
		struct nlmsghdr *h;

		if (poll(&p, 1, 1000) <= 0)
			return -1;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0)
			return -1;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (uint32_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? -1 : 0;
			}
			if (fn(h, arg) > 0 && !(h->nlmsg_flags & NLM_F_MULTI))
				return 0;
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

struct route_res {
	uint32_t oif;
	uint8_t gw[16];
	int have_gw;
};

static int
route_cb(struct nlmsghdr *h, void *arg)
{
	struct route_res *r = arg;
	struct rtmsg *rt = NLMSG_DATA(h);
	struct rtattr *a;
	int len = (int)RTM_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	for (a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF)
			memcpy(&r->oif, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) <= 16) {
			memcpy(r->gw, RTA_DATA(a), RTA_PAYLOAD(a));
			r->have_gw = 1;
		}
	}
	return 1;
}

/* The neighbour table, read once per fill. */
struct neigh_entry {
	uint32_t ifindex;
	uint8_t alen;
	uint8_t addr[16];
	uint8_t mac[6];
};

struct neigh_tab {
	struct neigh_entry *e;
	size_t n, cap;
};

static int
tab_cb(struct nlmsghdr *h, void *arg)
{
	struct neigh_tab *t = arg;
	struct ndmsg *nd = NLMSG_DATA(h);
	struct rtattr *a;
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	const uint8_t *dst = NULL, *ll = NULL;
	size_t alen = 0;

	if (h->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	if (!(nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
			       NUD_NOARP)))
		return 0;
	for (a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) <= 16) {
			dst = RTA_DATA(a);
			alen = RTA_PAYLOAD(a);
		} else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			ll = RTA_DATA(a);
		}
	}
	if (!dst || !ll)
		return 0;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct neigh_entry *p = realloc(t->e, ncap * sizeof(*p));

		if (!p)
			return 0;
		t->e = p;
		t->cap = ncap;
	}
	t->e[t->n].ifindex = (uint32_t)nd->ndm_ifindex;
	t->e[t->n].alen = (uint8_t)alen;
	memcpy(t->e[t->n].addr, dst, alen);
	memcpy(t->e[t->n].mac, ll, 6);
	t->n++;
	return 0;
}

static int nl_fd = -1;
static uint32_t nl_seq;

/* The route toward addr: outgoing interface, and gateway if off-link. */
static int
route_of(const struct sl_addr *addr, int af, struct route_res *rr)
{
	struct {
		struct nlmsghdr n;
		struct rtmsg r;
		char attrs[64];
	} req;
	int alen = af == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.n.nlmsg_type = RTM_GETROUTE;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = ++nl_seq;
	req.r.rtm_family = (uint8_t)af;
	req.r.rtm_dst_len = (uint8_t)(alen * 8);
	add_attr(&req.n, RTA_DST, addr->b, (uint16_t)alen);
	memset(rr, 0, sizeof(*rr));
	if (send(nl_fd, &req, req.n.nlmsg_len, 0) < 0 ||
	    nl_recv(nl_fd, nl_seq, route_cb, rr) < 0 || !rr->oif)
		return -1;
	return 0;
}

/* Ask the kernel to resolve `addr` behind `ifindex` (RTM_NEWNEIGH with
 * NTF_USE: as if a packet wanted it), so that a backend nothing has talked
 * to yet gets a MAC by the next fill. The answer is not waited for. */
static void
kick(int af, uint32_t ifindex, const uint8_t *addr)
{
	struct {
		struct nlmsghdr n;
		struct ndmsg nd;
		char attrs[32];
	} req;
	int alen = af == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.n.nlmsg_type = RTM_NEWNEIGH;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE;
	req.n.nlmsg_seq = ++nl_seq;
	req.nd.ndm_family = (uint8_t)af;
	req.nd.ndm_ifindex = (int)ifindex;
	req.nd.ndm_flags = NTF_USE;
	add_attr(&req.n, NDA_DST, addr, (uint16_t)alen);
	(void)send(nl_fd, &req, req.n.nlmsg_len, MSG_DONTWAIT);
}

/* One dump of the neighbour table, then a route lookup per backend: a
 * snapshot of thousands of backends costs one dump, not thousands. */
unsigned int sl_neigh_waiting;

unsigned int
sl_neigh_fill(struct sl_snapshot *s)
{
	struct {
		struct nlmsghdr n;
		struct ndmsg nd;
	} req;
	struct neigh_tab t = {0};
	unsigned int n = 0;
	uint32_t i;
	size_t k;

	sl_neigh_waiting = 0;
	if (nl_fd < 0 && (nl_fd = nl_open()) < 0)
		return 0;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.n.nlmsg_type = RTM_GETNEIGH;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.n.nlmsg_seq = ++nl_seq;
	req.nd.ndm_family = AF_UNSPEC;
	if (send(nl_fd, &req, req.n.nlmsg_len, 0) < 0 || nl_recv(nl_fd, nl_seq, tab_cb, &t) < 0)
		t.n = 0;
	for (i = 0; i < s->max_backend_id; i++) {
		struct sl_backend *b = &s->backends[i];
		int af = b->family == SL_AF_INET ? AF_INET : AF_INET6, alen = af == AF_INET ? 4 : 16;
		struct route_res rr;
		const uint8_t *want;

		if (!b->family)
			continue;
		memset(b->mac, 0, sizeof(b->mac));
		b->ifindex = 0;
		if (route_of(&b->addr, af, &rr) < 0)
			continue;
		want = rr.have_gw ? rr.gw : b->addr.b;
		for (k = 0; k < t.n; k++) {
			if (t.e[k].ifindex == rr.oif && t.e[k].alen == alen &&
			    !memcmp(t.e[k].addr, want, (size_t)alen)) {
				memcpy(b->mac, t.e[k].mac, 6);
				b->ifindex = rr.oif;
				n++;
				break;
			}
		}
		if (k == t.n) {
			kick(af, rr.oif, want);
			sl_neigh_waiting++;
		}
	}
	/* the kicks' acknowledgements (NLM_F_ACK was not asked, errors may
	 * still come): leave nothing queued for the next request */
	{
		char junk[NL_BUF];

		while (recv(nl_fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
	}
	free(t.e);
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl.h - the last step of matching (see acl-t.h): AND the five bitmaps
 * and find the first rule that survives. Shared by both engines.
 */
#ifndef SLUICE_ACL_H
#define SLUICE_ACL_H

#include "acl-t.h"

/* Index of the lowest set bit of m (m != 0). The BPF backend of clang 14
 * has no count-trailing-zeros (it crashes lowering one), so BPF gets the
 * same answer by halving. */
static SL_ALWAYS_INLINE uint32_t
sl_ctz64(uint64_t m)
{
#if defined(__bpf__)
	uint32_t n = 0;

	if (!(m & 0xffffffffull)) {
		n += 32;
		m >>= 32;
	}
	if (!(m & 0xffff)) {
		n += 16;
		m >>= 16;
	}
	if (!(m & 0xff)) {
		n += 8;
		m >>= 8;
	}
	if (!(m & 0xf)) {
		n += 4;
		m >>= 4;
	}
	if (!(m & 0x3)) {
		n += 2;
		m >>= 2;
	}
	if (!(m & 0x1))
		n += 1;
	return n;
#else
	return (uint32_t)__builtin_ctzll(m);
#endif
}

/* The position of the first rule set in all five bitmaps among the first
 * n_words words, or -1 when no rule matches (the default applies). */
static SL_ALWAYS_INLINE int
sl_acl_first(const struct sl_acl_bits *a, const struct sl_acl_bits *b,
	     const struct sl_acl_bits *c, const struct sl_acl_bits *d,
	     const struct sl_acl_bits *e, uint32_t n_words)
{
	uint32_t i;

	for (i = 0; i < SL_ACL_WORDS; i++) {
		uint64_t m;

		if (i >= n_words)
			break;
		m = a->w[i] & b->w[i] & c->w[i] & d->w[i] & e->w[i];
		if (m)
			return (int)(i * 64 + sl_ctz64(m));
	}
	return -1;
}

/* Interval of a port: the last bound <= port, by binary search over the
 * n sorted bounds (bounds[0] == 0). */
static SL_ALWAYS_INLINE uint32_t
sl_acl_interval(const uint16_t *bounds, uint32_t n, uint16_t port)
{
	uint32_t lo = 0, hi = n, k;

	/* invariant: bounds[lo] <= port, and port < bounds[hi] when hi < n */
	for (k = 0; k < 15; k++) { /* 2^14 > SL_ACL_MAX_INTERVALS */
		uint32_t mid;

		if (hi - lo <= 1)
			break;
		mid = (lo + hi) / 2;
		SL_BARRIER_VAR(mid); /* the bound the BPF verifier sees */
		if (mid >= SL_ACL_MAX_INTERVALS)
			break;
		if (bounds[mid] <= port)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

#endif /* SLUICE_ACL_H */

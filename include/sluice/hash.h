/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hash.h - flow hashing, shared by both engines and the control plane.
 *
 * A 32-bit MurmurHash3-style mix over the ten words of a flow key. It must
 * give the same value in the DPDK engine, the XDP program and every sluice
 * node behind the same ECMP group, so that `maglev` picks the same backend
 * for a flow wherever the flow lands: it reads the key word by word in host
 * order (all supported hosts are little endian) and takes an explicit seed.
 * Pure functions; thread safe.
 */
#ifndef SLUICE_HASH_H
#define SLUICE_HASH_H

#include "base-t.h"
#include "flow-t.h"

#define SL_HASH_SEED_FLOW    0x5117ce01u /* flow -> maglev slot */
#define SL_HASH_SEED_OFFSET  0x6d61676cu /* backend -> maglev offset */
#define SL_HASH_SEED_SKIP    0x736b6970u /* backend -> maglev skip */

static SL_ALWAYS_INLINE uint32_t
sl_rotl32(uint32_t x, unsigned int r)
{
	return (x << r) | (x >> (32 - r));
}

static SL_ALWAYS_INLINE uint32_t
sl_hash_mix(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = sl_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = sl_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static SL_ALWAYS_INLINE uint32_t
sl_hash_final(uint32_t h, uint32_t len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Hash of a whole flow key (direction matters). */
static SL_ALWAYS_INLINE uint32_t
sl_flow_hash(const struct sl_flow_key *k, uint32_t seed)
{
	uint32_t h = seed;

	h = sl_hash_mix(h, k->src.w[0]);
	h = sl_hash_mix(h, k->src.w[1]);
	h = sl_hash_mix(h, k->src.w[2]);
	h = sl_hash_mix(h, k->src.w[3]);
	h = sl_hash_mix(h, k->dst.w[0]);
	h = sl_hash_mix(h, k->dst.w[1]);
	h = sl_hash_mix(h, k->dst.w[2]);
	h = sl_hash_mix(h, k->dst.w[3]);
	h = sl_hash_mix(h, (uint32_t)k->sport_be | ((uint32_t)k->dport_be << 16));
	h = sl_hash_mix(h, (uint32_t)k->proto | ((uint32_t)k->family << 8));
	return sl_hash_final(h, sizeof(*k));
}

/* sl_hash_mix(h, 0), folded: a zero word multiplies to nothing. */
static SL_ALWAYS_INLINE uint32_t
sl_hash_mix_zero(uint32_t h)
{
	return sl_rotl32(h, 13) * 5 + 0xe6546b64u;
}

/*
 * sl_flow_hash() of an IPv4 key, whose address words 1..3 are zero (as
 * the parser leaves them): the same value with less work, for engines
 * that know the family. Not for a key with anything in those words.
 */
static SL_ALWAYS_INLINE uint32_t
sl_flow_hash_v4(const struct sl_flow_key *k, uint32_t seed)
{
	uint32_t h = seed;

	h = sl_hash_mix(h, k->src.w[0]);
	h = sl_hash_mix_zero(h);
	h = sl_hash_mix_zero(h);
	h = sl_hash_mix_zero(h);
	h = sl_hash_mix(h, k->dst.w[0]);
	h = sl_hash_mix_zero(h);
	h = sl_hash_mix_zero(h);
	h = sl_hash_mix_zero(h);
	h = sl_hash_mix(h, (uint32_t)k->sport_be | ((uint32_t)k->dport_be << 16));
	h = sl_hash_mix(h, (uint32_t)k->proto | ((uint32_t)k->family << 8));
	return sl_hash_final(h, sizeof(*k));
}

/*
 * Direction-free hash: a flow and its reply hash alike, so that an engine
 * can steer both directions of a NAT flow to the core that owns it.
 */
static SL_ALWAYS_INLINE uint32_t
sl_flow_hash_sym(const struct sl_flow_key *k, uint32_t seed)
{
	uint32_t h = seed;
	int i;

SL_UNROLL
	for (i = 0; i < 4; i++) {
		h = sl_hash_mix(h, k->src.w[i] ^ k->dst.w[i]);
		h = sl_hash_mix(h, k->src.w[i] + k->dst.w[i]);
	}
	h = sl_hash_mix(h, ((uint32_t)k->sport_be ^ k->dport_be) |
			   (((uint32_t)k->sport_be + k->dport_be) << 16));
	h = sl_hash_mix(h, (uint32_t)k->proto | ((uint32_t)k->family << 8));
	return sl_hash_final(h, sizeof(*k));
}

/* Hash of a backend's identity (address, port), for maglev permutations. */
static SL_ALWAYS_INLINE uint32_t
sl_backend_hash(const struct sl_addr *a, uint16_t port_be, uint32_t seed)
{
	uint32_t h = seed;

	h = sl_hash_mix(h, a->w[0]);
	h = sl_hash_mix(h, a->w[1]);
	h = sl_hash_mix(h, a->w[2]);
	h = sl_hash_mix(h, a->w[3]);
	h = sl_hash_mix(h, port_be);
	return sl_hash_final(h, 18);
}

#endif /* SLUICE_HASH_H */

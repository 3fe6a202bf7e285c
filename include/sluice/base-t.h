/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base-t.h - fixed-width types, attributes and byte-order helpers that every
 * sluice header uses.
 *
 * Types only: compiles unchanged under gcc, the DPDK build and
 * `clang -target bpf` (where <stdint.h> is not usable, because glibc's
 * <gnu/stubs.h> wants a 32-bit stub header on that target).
 */
#ifndef SLUICE_BASE_T_H
#define SLUICE_BASE_T_H

#if defined(__bpf__)
#include <linux/types.h>
#ifndef __uint8_t_defined
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
#define __uint8_t_defined 1
#endif
#include <stdbool.h>
#include <stddef.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#ifndef SL_ALWAYS_INLINE
#define SL_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

#define sl_likely(x)   __builtin_expect(!!(x), 1)
#define sl_unlikely(x) __builtin_expect(!!(x), 0)

/* Unroll a constant-bound loop (the BPF verifier then sees straight code). */
#if defined(__clang__)
#define SL_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define SL_UNROLL _Pragma("GCC unroll 8")
#else
#define SL_UNROLL
#endif

/* Make the compiler keep `v` in one register from here on, so that the
 * register a bounds check tested is the one a pointer is made from (clang
 * may otherwise test one copy and use another, which the BPF verifier
 * cannot follow). Emits no instruction. */
#define SL_BARRIER_VAR(v) __asm__ __volatile__("" : "+r"(v))

#define SL_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define SL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SL_CACHE_LINE 64

/* Byte order. Packet fields are big endian; hosts are little endian on every
 * platform sluice targets, but the helpers work either way. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define sl_bswap16(x) ((uint16_t)__builtin_bswap16(x))
#define sl_bswap32(x) ((uint32_t)__builtin_bswap32(x))
#define sl_ntohs(x) sl_bswap16(x)
#define sl_htons(x) sl_bswap16(x)
#define sl_ntohl(x) sl_bswap32(x)
#define sl_htonl(x) sl_bswap32(x)
/* constant forms, usable in case labels and static initialisers */
#define SL_HTONS(x) ((uint16_t)((((x) & 0xffU) << 8) | (((x) >> 8) & 0xffU)))
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define sl_ntohs(x) ((uint16_t)(x))
#define sl_htons(x) ((uint16_t)(x))
#define sl_ntohl(x) ((uint32_t)(x))
#define sl_htonl(x) ((uint32_t)(x))
#define SL_HTONS(x) ((uint16_t)(x))
#else
#error "sluice: unknown byte order"
#endif

/* Address family tags used in every shared struct (not AF_INET/AF_INET6,
 * whose values differ between headers and targets). */
enum sl_family {
	SL_AF_NONE = 0,
	SL_AF_INET = 4,
	SL_AF_INET6 = 6,
};

/* IP protocol numbers sluice knows by name. 0 means "any" in rules. */
enum sl_ipproto {
	SL_IPPROTO_ANY = 0,
	SL_IPPROTO_ICMP = 1,
	SL_IPPROTO_IPIP = 4,
	SL_IPPROTO_TCP = 6,
	SL_IPPROTO_UDP = 17,
	SL_IPPROTO_IPV6 = 41,
	SL_IPPROTO_ICMPV6 = 58,
};

/*
 * An IPv4 or IPv6 address, network byte order. IPv4 lives in w[0] and the
 * other words are zero, so that two equal addresses compare equal bytewise.
 */
struct sl_addr {
	union {
		uint32_t w[4];
		uint8_t b[16];
	};
};
SL_STATIC_ASSERT(sizeof(struct sl_addr) == 16, "sl_addr is 16 bytes");

#endif /* SLUICE_BASE_T_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xorshift.h - the tests' pseudo-random numbers: Marsaglia's xorshift64
 * (13, 7, 17), from a fixed seed per test, so that a failure repeats.
 */
#ifndef SLUICE_TEST_XORSHIFT_H
#define SLUICE_TEST_XORSHIFT_H

#include <stdint.h>

/* The next state of *s (never 0 from a seed that is not). */
static inline uint64_t
xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif

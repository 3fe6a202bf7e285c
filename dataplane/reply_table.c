/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reply_table.c - a worker's nat reply table (see reply_table.h).
 */
#include <string.h>

#include "reply_table.h"

_Static_assert(sizeof(struct sl_rt_cell) == 16, "four cells a cache line");
_Static_assert(sizeof(struct sl_rt_bucket) == 128, "a bucket is two cache lines");

static uint32_t
buckets(uint32_t cells)
{
	uint32_t n = 1;

	while ((uint64_t)n * SL_RT_WAYS < cells && n < (1u << 28))
		n <<= 1;
	return n;
}

size_t
sl_rt_mem_size(uint32_t cells)
{
	return 128 /* struct sl_rt, padded */ + (size_t)buckets(cells) * sizeof(struct sl_rt_bucket);
}

struct sl_rt *
sl_rt_init(void *mem, uint32_t cells)
{
	struct sl_rt *t = mem;
	uint32_t n = buckets(cells);

	memset(t, 0, sizeof(*t));
	t->mask = n - 1;
	t->bk = (struct sl_rt_bucket *)((uint8_t *)mem + 128);
	memset(t->bk, 0, (size_t)n * sizeof(*t->bk));
	return t;
}

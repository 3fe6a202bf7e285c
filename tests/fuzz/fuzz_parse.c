/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_parse.c - libFuzzer target for the packet parser. The input is a
 * frame; its first byte also picks how much longer than the buffer the
 * claimed wire length is (as with a multi-segment mbuf). The frame is
 * copied to a buffer of its exact size so ASan catches any overread, and
 * what the parser accepts must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/hash.h>
#include <sluice/parse.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_pkt p;
	uint32_t extra = 0;
	uint8_t *frame;
	int rc;

	if (size > 0xffff)
		return 0;
	if (size && (data[0] & 0x80))
		extra = data[size - 1];
	frame = malloc(size ? size : 1);
	if (!frame)
		return 0;
	memcpy(frame, data, size);
	rc = sl_parse(frame, frame + size, (uint32_t)size + extra, &p);
	if (rc < 0 || rc >= SL_DROP_MAX)
		__builtin_trap();
	if (rc == SL_DROP_NONE) {
		if (p.l3_off > size)
			__builtin_trap();
		if ((p.flags & SL_PKT_F_L4) && (p.l4_off <= p.l3_off || p.l4_off >= size))
			__builtin_trap();
		if (p.key.family && p.l3_off + (size_t)p.l3_len > size + extra)
			__builtin_trap();
		if (p.key.pad || p.inner.pad)
			__builtin_trap();
		(void)sl_flow_hash(&p.key, SL_HASH_SEED_FLOW);
	}
	free(frame);
	return 0;
}

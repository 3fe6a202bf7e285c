/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fixtures.h - the shared packet corpus: valid packets with what the parser
 * must find in them, and malformed ones with the drop reason they must get.
 * The unit tests, the BPF tests and the fuzzers' seeds use the same table.
 */
#ifndef SLUICE_TEST_FIXTURES_H
#define SLUICE_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "pktbuild.h"

struct parse_fixture {
	const char *name;
	struct pkt_spec spec;
	uint8_t flags;        /* SL_PKT_F_* that must be set (and no other) */
	int8_t quoted;        /* ICMP error: the quote's 5-tuple is in pkt.inner
			       * (2: its addresses only, the protocol being its
			       * first extension header, no ports) */
};

enum fix_anchor { AT_FRAME, AT_L3, AT_L4 };

struct bad_fixture {
	const char *name;
	const struct pkt_spec *spec;
	enum fix_anchor anchor;
	int off;              /* byte to overwrite, from the anchor; -1: none */
	uint8_t value;
	int off2;             /* a second byte, or -1 */
	uint8_t value2;
	int expect;           /* enum sl_drop_reason */
};

extern const struct parse_fixture parse_fixtures[];
extern const size_t n_parse_fixtures;
extern const struct bad_fixture bad_fixtures[];
extern const size_t n_bad_fixtures;

/* Build a bad fixture's frame; returns its length. */
size_t bad_fixture_build(const struct bad_fixture *b, uint8_t *out, size_t cap);

#endif

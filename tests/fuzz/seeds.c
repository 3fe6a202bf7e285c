/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * seeds.c - write the shared packet corpus as libFuzzer seed files:
 * seeds DIR  ->  DIR/NNN, one frame a file.
 */
#include <stdio.h>
#include <string.h>

#include "fixtures.h"

static int
put(const char *dir, int n, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, n);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len) {
		perror(path);
		return -1;
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	uint8_t f[PB_MAX_LEN];
	size_t i;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < n_parse_fixtures; i++)
		if (put(argv[1], n++, f, pkt_build(&parse_fixtures[i].spec, f, sizeof(f), NULL)))
			return 1;
	for (i = 0; i < n_bad_fixtures; i++)
		if (put(argv[1], n++, f, bad_fixture_build(&bad_fixtures[i], f, sizeof(f))))
			return 1;
	printf("%d seeds in %s\n", n, argv[1]);
	return 0;
}

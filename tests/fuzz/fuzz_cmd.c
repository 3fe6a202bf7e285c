/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_cmd.c - libFuzzer target for the command language and the config
 * model. The input is a config text, applied line by line. Oracles:
 *   - a refused line leaves the configuration byte-for-byte as it was;
 *   - after every accepted line, the saved configuration loads back into
 *     an equal one (save/load round trip);
 *   - nothing leaks (LeakSanitizer) and nothing reads out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_roundtrip(const struct sl_config *c)
{
	struct sl_config back;
	char err[256];
	unsigned int line;
	size_t len;
	char *text = sl_config_save(c, &len);

	if (!text)
		return;
	sl_config_init(&back);
	if (sl_config_load_buf(&back, text, len, err, sizeof(err), &line) < 0 ||
	    sl_config_equal(c, &back) != 1)
		__builtin_trap();
	sl_config_free(&back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sl_config c;
	size_t pos = 0;
	int lines = 0;

	sl_config_init(&c);
	while (pos < size && lines++ < 64) {
		const char *nl = memchr(buf + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (buf + pos)) : size - pos;
		char err[256], *before = sl_config_save(&c, NULL), *after;
		int rc = sl_config_exec(&c, buf + pos, len, err, sizeof(err));

		after = sl_config_save(&c, NULL);
		if (before && after) {
			if (rc < 0 && (strcmp(before, after) || !err[0]))
				__builtin_trap(); /* half-applied, or no reason given */
			if (rc == 0 && strcmp(before, after))
				check_roundtrip(&c);
		}
		free(before);
		free(after);
		pos += len + (nl ? 1 : 0);
	}
	sl_config_free(&c);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sbuf.h - a growable text buffer for replies and saved configs, with JSON
 * string escaping. Out of memory is sticky: check `oom` once at the end.
 */
#ifndef SLUICE_SBUF_H
#define SLUICE_SBUF_H

#include <stddef.h>

struct sbuf {
	char *s;       /* NUL-terminated when len > 0 */
	size_t len, cap;
	int oom;
};

void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_put(struct sbuf *b, const char *s, size_t len);
/* A JSON string literal, quotes included. */
void sb_json_str(struct sbuf *b, const char *s);
void sb_reset(struct sbuf *b);   /* empty, keeps memory */
void sb_free(struct sbuf *b);
/* Drop the first n bytes (sent). */
void sb_consume(struct sbuf *b, size_t n);

/* A one-line error message into the caller's buffer (if errlen > 0);
 * returns -1, so that `return sl_err(err, errlen, "...")` reads well. */
int sl_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

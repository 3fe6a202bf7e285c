/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - operations on the config model (sluice/config-t.h).
 *
 * sl_config_apply() is the only way state changes: it validates a parsed
 * command against the whole configuration and applies it whole, or leaves
 * the configuration exactly as it was and says why in one line. Loading a
 * file applies its commands to a fresh configuration, so a file is taken
 * whole or not at all.
 *
 * Thread safety: none inside; the caller serialises access to one config.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stddef.h>
#include <sluice/config-t.h>

#include "cmd.h"

/* Defaults (as ipvsadm's for the timeouts). */
#define SL_TCP_TIMEOUT_DEFAULT     900
#define SL_TCP_FIN_TIMEOUT_DEFAULT 120
#define SL_UDP_TIMEOUT_DEFAULT     300
#define SL_OTHER_TIMEOUT_DEFAULT   60
#define SL_GUE_PORT_DEFAULT        6080

/* Largest config file read, in bytes. */
#define SL_CONFIG_FILE_MAX (64u << 20)

void sl_config_init(struct sl_config *c);
void sl_config_free(struct sl_config *c);

/* Deep copy. Returns 0, or -1 (out of memory; *dst is then empty). */
int sl_config_copy(struct sl_config *dst, const struct sl_config *src);

/* Apply one parsed mutation. 0, or -1 with err set and *c unchanged. */
int sl_config_apply(struct sl_config *c, const struct sl_cmd *cmd, char *err, size_t errlen);

/* Parse and apply one line: sl_cmd_parse() then sl_config_apply(). */
int sl_config_exec(struct sl_config *c, const char *line, size_t len, char *err, size_t errlen);

/*
 * Load a config text (the command language, one command a line) into *c,
 * which must be freshly initialised. On error returns -1, sets err and
 * *lineno (1-based) and leaves *c in an unspecified but freeable state:
 * callers load into a scratch config and swap on success.
 */
int sl_config_load_buf(struct sl_config *c, const char *buf, size_t len, char *err,
		       size_t errlen, unsigned int *lineno);
int sl_config_load_file(struct sl_config *c, const char *path, char *err, size_t errlen,
			unsigned int *lineno);

/*
 * The configuration as a config file that loads back to the same state.
 * Returns a malloc'd NUL-terminated string (length in *len if not NULL),
 * or NULL when out of memory.
 */
char *sl_config_save(const struct sl_config *c, size_t *len);

/* Same configuration (as sl_config_save() writes it). -1 when out of memory. */
int sl_config_equal(const struct sl_config *a, const struct sl_config *b);

/* Look-ups; NULL or -1 when absent. */
struct sl_service_cfg *sl_config_service(const struct sl_config *c, const char *name);
int sl_config_backend_index(const struct sl_service_cfg *s, const struct sl_ipaddr *a,
			    uint16_t port);
uint32_t sl_config_n_backends(const struct sl_config *c);

#endif /* SLUICE_CONFIG_H */

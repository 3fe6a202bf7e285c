/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd.h - the command language: one grammar for the control socket and for
 * config files. A line parses into a struct sl_cmd; config.h applies it.
 *
 * sl_cmd_parse() checks everything a line can get wrong by itself (unknown
 * words, bad addresses, numbers out of range, missing arguments, control
 * characters); sl_config_apply() then checks it against the running state
 * (unknown service, duplicate backend, ...). Errors are one line, without
 * the "error: " prefix, which the caller adds.
 *
 * Thread safety: the parser keeps no state; a struct sl_cmd belongs to its
 * caller.
 */
#ifndef SLUICE_CMD_H
#define SLUICE_CMD_H

#include <stddef.h>
#include <sluice/config-t.h>

enum sl_cmd_verb {
	SL_CMD_NOP = 0,        /* empty line or comment */
	SL_CMD_ADD_SERVICE,
	SL_CMD_SET_SERVICE,
	SL_CMD_DEL_SERVICE,
	SL_CMD_SET_CHECK,      /* set service NAME check ... */
	SL_CMD_ADD_BACKEND,
	SL_CMD_SET_BACKEND,
	SL_CMD_DEL_BACKEND,
	SL_CMD_ADD_ACL,
	SL_CMD_DEL_ACL,
	SL_CMD_SET_ACL_DEFAULT,
	SL_CMD_ADD_SINK,
	SL_CMD_DEL_SINK,
	SL_CMD_ADD_CERT,
	SL_CMD_DEL_CERT,
	SL_CMD_SET_FLOWS,      /* set flows size N */
	SL_CMD_SET_TIMEOUT,    /* set timeout KIND DURATION */
	/* not mutations: refused in config files */
	SL_CMD_SHOW,
	SL_CMD_SAVE,
	SL_CMD_HELP,
	SL_CMD_VERB_MAX
};

enum sl_show_what {
	SL_SHOW_SERVICES = 0,
	SL_SHOW_BACKENDS,
	SL_SHOW_ACL,
	SL_SHOW_STATS,
	SL_SHOW_FLOWS,
	SL_SHOW_HEALTH,
	SL_SHOW_SINKS,
	SL_SHOW_CERTS,
	SL_SHOW_PORTS,
	SL_SHOW_CONFIG,
	SL_SHOW_MAX
};

enum sl_timeout_kind {
	SL_TIMEOUT_TCP = 0,
	SL_TIMEOUT_TCP_FIN,
	SL_TIMEOUT_UDP,
	SL_TIMEOUT_OTHER,
	SL_TIMEOUT_MAX
};

/* Which optional fields of a service a command gave (set_mask). */
#define SL_SVC_SET_PROTO    0x0001
#define SL_SVC_SET_SCHED    0x0002
#define SL_SVC_SET_MODE     0x0004
#define SL_SVC_SET_TUNNEL   0x0008
#define SL_SVC_SET_GUE_PORT 0x0010
#define SL_SVC_SET_MAGLEV   0x0020
#define SL_SVC_SET_SNAT     0x0040
#define SL_SVC_SET_CERT     0x0080
#define SL_SVC_SET_ALLDOWN  0x0100
/* ... of a backend */
#define SL_BE_SET_WEIGHT    0x0001
#define SL_BE_SET_STATE     0x0002

struct sl_cmd {
	uint8_t verb;               /* enum sl_cmd_verb */
	uint8_t show;               /* SL_CMD_SHOW: enum sl_show_what */
	uint8_t json;               /* SL_CMD_SHOW: json form asked */
	uint8_t has_name;           /* SL_CMD_SHOW: name given */
	uint32_t set_mask;          /* SL_SVC_SET_* or SL_BE_SET_* */
	char name[SL_NAME_MAX];     /* service, sink or cert; show filter; help topic */
	union {
		struct sl_service_cfg svc;    /* ADD/SET_SERVICE, SET_CHECK (check) */
		struct sl_backend_cfg be;     /* *_BACKEND */
		struct sl_acl_rule_cfg acl;   /* ADD_ACL; DEL_ACL: priority */
		struct sl_sink_cfg sink;      /* ADD_SINK */
		struct sl_cert_cfg cert;      /* ADD_CERT */
		struct {
			uint8_t kind;         /* SET_TIMEOUT: enum sl_timeout_kind */
			uint32_t value;       /* seconds, or flows per core */
		} global;
		uint8_t acl_default;          /* SET_ACL_DEFAULT */
	} u;
};

/*
 * Parse one command line (without its newline; a trailing '\r' is
 * tolerated). `len` is the line's length in bytes: NUL bytes inside are an
 * error, not the end. Returns 0 and fills *cmd, or -1 with a one-line
 * message in err (always NUL-terminated when errlen > 0).
 */
int sl_cmd_parse(const char *line, size_t len, struct sl_cmd *cmd, char *err, size_t errlen);

/* True for the verbs that change state (allowed in config files). */
int sl_cmd_is_mutation(const struct sl_cmd *cmd);

/* Help: the whole command summary, or one verb's; NULL topic for all. */
const char *sl_cmd_help(const char *topic);

/* Names of enum values, as the language spells them. */
const char *sl_sched_name(unsigned int sched);
const char *sl_mode_name(unsigned int mode);
const char *sl_tunnel_name(unsigned int tunnel);
const char *sl_state_name(unsigned int state);
const char *sl_health_name(unsigned int health);
const char *sl_check_name(unsigned int check);
const char *sl_proto_name(unsigned int proto);
const char *sl_action_name(unsigned int action);
const char *sl_sink_type_name(unsigned int type);
const char *sl_format_name(unsigned int format);
const char *sl_all_down_name(unsigned int policy);
const char *sl_timeout_name(unsigned int kind);
const char *sl_show_name(unsigned int what);

/* Text forms of addresses: "10.0.0.1", "2001:db8::1", "[2001:db8::1]:80". */
int sl_addr_format(const struct sl_ipaddr *a, char *buf, size_t len);
int sl_addr_port_format(const struct sl_ipaddr *a, uint16_t port, char *buf, size_t len);
int sl_prefix_format(const struct sl_prefix *p, char *buf, size_t len);
/* Durations as the language writes them ("500ms", "2s", "5m"). */
int sl_duration_format(uint32_t ms, char *buf, size_t len);

#endif /* SLUICE_CMD_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced - the sluice daemon. This build knows how to validate and print
 * configurations; the data planes attach here as they land.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

extern const char sl_default_conf[];
extern const size_t sl_default_conf_len;

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "unknown"
#endif

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: sluiced --check [FILE]\n"
"       sluiced --print-default\n"
"       sluiced --help | --version\n"
"\n"
"sluice is an L4 load balancer with a DPDK data plane and an XDP fallback.\n"
"sluiced is its daemon; its configuration is the command language that the\n"
"control socket speaks, one command a line ('sluiced --help-commands').\n"
"\n"
"Options:\n"
"  -k, --check [FILE]    Validate FILE whole, as sluiced would load it, and\n"
"                        print it back in normal form on stdout. Without FILE,\n"
"                        check the built-in default configuration (the seed's\n"
"                        www.foobar.com tier). On the first error print\n"
"                        'FILE:LINE: error: WHY' on stderr and exit 1.\n"
"      --print-default   Print the built-in default configuration as written.\n"
"      --help-commands   Print the command language summary.\n"
"  -h, --help            This help.\n"
"  -V, --version         Print the version.\n"
"\n"
"Exit status: 0 valid, 1 invalid configuration, 2 bad usage.\n"
"\n"
"Files: /etc/sluice/sluice.conf (deploy/sluice.conf in the source tree).\n");
}

static int
check(const char *path)
{
	char err[512];
	unsigned int line = 0;
	struct sl_config cfg;
	const char *label = path ? path : "(built-in default)";
	char *text;
	int rc;

	sl_config_init(&cfg);
	if (path)
		rc = sl_config_load_file(&cfg, path, err, sizeof(err), &line);
	else
		rc = sl_config_load_buf(&cfg, sl_default_conf, sl_default_conf_len, err,
					sizeof(err), &line);
	if (rc < 0) {
		if (line)
			fprintf(stderr, "%s:%u: error: %s\n", label, line, err);
		else
			fprintf(stderr, "%s: error: %s\n", label, err);
		sl_config_free(&cfg);
		return 1;
	}
	text = sl_config_save(&cfg, NULL);
	if (!text) {
		fprintf(stderr, "sluiced: out of memory\n");
		sl_config_free(&cfg);
		return 1;
	}
	fputs(text, stdout);
	fprintf(stderr, "%s: OK: %u services, %u backends, %u acl rules (default %s), %u sinks, "
		"%u certificates\n", label, cfg.n_services, sl_config_n_backends(&cfg), cfg.n_acl,
		sl_action_name(cfg.g.acl_default), cfg.n_sinks, cfg.n_certs);
	free(text);
	sl_config_free(&cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'k'},
		{"print-default", no_argument, NULL, 'P'},
		{"help-commands", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, do_check = 0;

	while ((c = getopt_long(argc, argv, "khV", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			do_check = 1;
			break;
		case 'P':
			fwrite(sl_default_conf, 1, sl_default_conf_len, stdout);
			return 0;
		case 'C':
			fputs(sl_cmd_help(NULL), stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sluiced %s\n", SLUICE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'sluiced --help'.\n");
			return 2;
		}
	}
	if (!do_check) {
		fprintf(stderr, "sluiced: this build validates configurations only; "
			"use --check [FILE] (see --help)\n");
		return 2;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "sluiced: --check takes one file\nTry 'sluiced --help'.\n");
		return 2;
	}
	return check(optind < argc ? argv[optind] : NULL);
}

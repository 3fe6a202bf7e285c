/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - sluiced's command line, shared by every build of the daemon
 * (the real one and the test one differ only in their engines).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

extern const char sl_default_conf[];
extern const size_t sl_default_conf_len;

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "unknown"
#endif

#define DEFAULT_CONFIG "/etc/sluice/sluice.conf"
#define DEFAULT_SOCKET "/run/sluice/sluice.sock"
#define DEFAULT_CERT_DIR "/etc/sluice/certs"

static void
usage(FILE *f, const struct sl_engine_factory *engines, size_t n)
{
	size_t i;

	fprintf(f,
"Usage: sluiced --dataplane ENGINE [OPTIONS] [-- ENGINE ARGUMENTS]\n"
"       sluiced --check [FILE]\n"
"       sluiced --print-default | --help-commands | --help | --version\n"
"\n"
"sluice is an L4 load balancer with a DPDK data plane and an XDP fallback.\n"
"sluiced loads its configuration, starts a data plane on it, checks the\n"
"backends' health and serves the control socket, where `sluicectl` (or any\n"
"client that writes a line and reads until an empty line) changes backends\n"
"while traffic flows. The configuration and the control socket speak one\n"
"command language (see --help-commands).\n"
"\n"
"Engines in this build:\n");
	for (i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", engines[i].name, engines[i].summary);
	if (!n)
		fprintf(f, "  (none: this build can only --check configurations)\n");
	fprintf(f,
"\n"
"Options:\n"
"  -d, --dataplane ENGINE   The data plane to run.\n"
"  -i, --iface IF           Interface for the xdp engine.\n"
"      --xdp-mode MODE      native (default) or generic.\n"
"  -c, --config FILE        Configuration file (default " DEFAULT_CONFIG ");\n"
"                           'builtin' runs the built-in default. SIGHUP\n"
"                           reloads it as one change: if any line is wrong the\n"
"                           whole reload is refused and the running state stays.\n"
"  -s, --socket PATH        Control socket (default " DEFAULT_SOCKET "); 'none'\n"
"                           for no local socket.\n"
"      --socket-mode MODE   Its permissions, octal (default 0600: owner only).\n"
"      --socket-group GRP   Its group (with --socket-mode 0660 lets GRP in).\n"
"      --idle-timeout DUR   Close control clients idle this long (default 5m).\n"
"      --max-clients N      Control clients at once (default 256).\n"
"      --cert-dir DIR       Certificates may only be read from under DIR\n"
"                           (default " DEFAULT_CERT_DIR ").\n"
"      --remote ADDR:PORT   Also serve the control protocol over TCP with mutual\n"
"                           TLS (off by default); needs the three below.\n"
"      --remote-cert FILE   Server certificate chain (PEM).\n"
"      --remote-key FILE    Its private key (PEM).\n"
"      --remote-ca FILE     CA whose certificates clients must present.\n"
"      --metrics ADDR:PORT  Serve GET /metrics (Prometheus text format) there;\n"
"                           off by default.\n"
"      --log TO             stderr, syslog or both (default both).\n"
"      --notify             Tell systemd when ready, reloading, stopping\n"
"                           (Type=notify; on by default when NOTIFY_SOCKET is set).\n"
"  -k, --check [FILE]       Validate FILE (default: the built-in configuration)\n"
"                           whole and print it back in normal form; on the first\n"
"                           error print 'FILE:LINE: error: WHY' and exit 1.\n"
"      --print-default      Print the built-in default configuration.\n"
"      --help-commands      Print the command language.\n"
"  -h, --help               This help.   -V, --version   The version.\n"
"\n"
"The dpdk engine: sluiced --dataplane dpdk [OPTIONS] -- EAL_ARGS [-- ENGINE_OPTS]\n"
"  EAL_ARGS are DPDK's: the lcores (-l 0,1: the first is the main lcore,\n"
"  which runs the control plane; each other one runs a worker with its own\n"
"  RX and TX queue on every port and its own flow table) and the ports\n"
"  (a NIC bound to vfio-pci, or --vdev=net_af_packet0,iface=IF,\n"
"  net_af_xdp0,iface=IF, net_memif0,...). Forwarding is one-armed: a packet\n"
"  leaves by the port it came in on. A net_tap port given last\n"
"  (--vdev=net_tap0,iface=sl0) is the exception path: it wears the first\n"
"  port's MAC, and everything that is not a service's (the host's own\n"
"  traffic, health checks' answers, ARP and ND for other addresses) goes\n"
"  to the kernel through it; give the host's addresses to that interface.\n"
"  The engine answers ARP and neighbour solicitations for the VIPs and its\n"
"  --local-ip addresses itself. Backends' MACs come from the kernel's\n"
"  neighbour table (through the exception port), or else --gw-mac.\n"
"  ENGINE_OPTS:\n"
"      --gw-mac MAC         Where replies of nat flows go (the gateway toward\n"
"                           clients); without an exception port also the next\n"
"                           hop of backends the kernel cannot resolve.\n"
"      --local-ip ADDR      This node's address toward the backends (IPv4 and/or\n"
"                           IPv6, once each): the source of tunnels and of nat\n"
"                           flows that set no snat address.\n"
"  Example: sluiced --dataplane dpdk -c /etc/sluice/sluice.conf -- -l 0,1 \\\n"
"             --vdev=net_af_packet0,iface=eth1 --vdev=net_tap0,iface=sl0 -- \\\n"
"             --gw-mac 02:00:00:00:00:01 --local-ip 10.0.1.3\n"
"  Hugepages must be mounted and reserved (deploy/install-deps.sh).\n"
"\n"
"Signals: SIGHUP reloads the configuration file; SIGTERM and SIGINT stop\n"
"cleanly (the engine detaches from the NICs, the socket file is removed).\n"
"Exit status: 0 clean stop or valid configuration, 1 error, 2 bad usage.\n");
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

static int
parse_ms(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s)
		return -1;
	if (!*end || !strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else if (strcmp(end, "ms"))
		return -1;
	if (v == 0 || v > 86400000UL)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
ensure_dir_of(const char *path)
{
	char dir[4096];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -1;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
sl_main(int argc, char **argv, const struct sl_engine_factory *engines, size_t n_engines)
{
	enum { O_PRINT = 256, O_HELPCMD, O_XDPMODE, O_SOCKMODE, O_SOCKGROUP, O_IDLE, O_MAXCLI,
	       O_CERTDIR, O_REMOTE, O_RCERT, O_RKEY, O_RCA, O_LOG, O_NOTIFY, O_METRICS };
	static const struct option opts[] = {
		{"dataplane", required_argument, NULL, 'd'},
		{"iface", required_argument, NULL, 'i'},
		{"xdp-mode", required_argument, NULL, O_XDPMODE},
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"socket-mode", required_argument, NULL, O_SOCKMODE},
		{"socket-group", required_argument, NULL, O_SOCKGROUP},
		{"idle-timeout", required_argument, NULL, O_IDLE},
		{"max-clients", required_argument, NULL, O_MAXCLI},
		{"cert-dir", required_argument, NULL, O_CERTDIR},
		{"remote", required_argument, NULL, O_REMOTE},
		{"remote-cert", required_argument, NULL, O_RCERT},
		{"remote-key", required_argument, NULL, O_RKEY},
		{"remote-ca", required_argument, NULL, O_RCA},
		{"log", required_argument, NULL, O_LOG},
		{"notify", no_argument, NULL, O_NOTIFY},
		{"metrics", required_argument, NULL, O_METRICS},
		{"check", no_argument, NULL, 'k'},
		{"print-default", no_argument, NULL, O_PRINT},
		{"help-commands", no_argument, NULL, O_HELPCMD},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct sl_daemon_opts o = {
		.config_path = DEFAULT_CONFIG,
		.socket_path = DEFAULT_SOCKET,
		.socket_mode = 0600,
		.socket_gid = (gid_t)-1,
		.cert_dir = DEFAULT_CERT_DIR,
		.idle_ms = 300000,
		.max_clients = 256,
		.notify = getenv("NOTIFY_SOCKET") != NULL,
	};
	struct sl_engine_args ea = {.xdp_mode = "native"};
	const char *dataplane = NULL;
	const struct sl_engine_factory *f = NULL;
	struct sl_engine *engine;
	struct sl_daemon *d;
	int c, do_check = 0, log_to = SL_LOG_BOTH, rc;
	char err[1024];
	size_t i;

	while ((c = getopt_long(argc, argv, "d:i:c:s:khV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dataplane = optarg; break;
		case 'i': ea.iface = optarg; break;
		case O_XDPMODE:
			if (strcmp(optarg, "native") && strcmp(optarg, "generic")) {
				fprintf(stderr, "sluiced: --xdp-mode is native or generic, not '%s'\n", optarg);
				return 2;
			}
			ea.xdp_mode = optarg;
			break;
		case 'c': o.config_path = strcmp(optarg, "builtin") ? optarg : NULL; break;
		case 's': o.socket_path = strcmp(optarg, "none") ? optarg : NULL; break;
		case O_SOCKMODE: {
			char *end;
			unsigned long m = strtoul(optarg, &end, 8);

			if (*end || m > 0777) {
				fprintf(stderr, "sluiced: --socket-mode takes octal permissions like 0660\n");
				return 2;
			}
			o.socket_mode = (unsigned int)m;
			break;
		}
		case O_SOCKGROUP: {
			struct group *g = getgrnam(optarg);

			if (!g) {
				fprintf(stderr, "sluiced: unknown group '%s'\n", optarg);
				return 2;
			}
			o.socket_gid = g->gr_gid;
			break;
		}
		case O_IDLE:
			if (parse_ms(optarg, &o.idle_ms) < 0) {
				fprintf(stderr, "sluiced: --idle-timeout takes a duration like 30s or 5m\n");
				return 2;
			}
			break;
		case O_MAXCLI: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || n < 1 || n > 10000) {
				fprintf(stderr, "sluiced: --max-clients takes 1 to 10000\n");
				return 2;
			}
			o.max_clients = (uint32_t)n;
			break;
		}
		case O_CERTDIR: o.cert_dir = optarg; break;
		case O_REMOTE: o.remote = optarg; break;
		case O_RCERT: o.remote_cert = optarg; break;
		case O_RKEY: o.remote_key = optarg; break;
		case O_RCA: o.remote_ca = optarg; break;
		case O_LOG:
			if (!strcmp(optarg, "stderr"))
				log_to = SL_LOG_STDERR;
			else if (!strcmp(optarg, "syslog"))
				log_to = SL_LOG_SYSLOG;
			else if (!strcmp(optarg, "both"))
				log_to = SL_LOG_BOTH;
			else {
				fprintf(stderr, "sluiced: --log is stderr, syslog or both\n");
				return 2;
			}
			break;
		case O_NOTIFY: o.notify = 1; break;
		case O_METRICS: o.metrics_listen = optarg; break;
		case 'k': do_check = 1; break;
		case O_PRINT:
			fwrite(sl_default_conf, 1, sl_default_conf_len, stdout);
			return 0;
		case O_HELPCMD:
			fputs(sl_cmd_help(NULL), stdout);
			return 0;
		case 'h':
			usage(stdout, engines, n_engines);
			return 0;
		case 'V':
			printf("sluiced %s\n", SLUICE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'sluiced --help'.\n");
			return 2;
		}
	}
	if (do_check) {
		if (argc - optind > 1) {
			fprintf(stderr, "sluiced: --check takes one file\nTry 'sluiced --help'.\n");
			return 2;
		}
		return check(optind < argc ? argv[optind] : NULL);
	}
	if (!dataplane) {
		fprintf(stderr, "sluiced: which data plane? --dataplane ");
		for (i = 0; i < n_engines; i++)
			fprintf(stderr, "%s%s", i ? "|" : "", engines[i].name);
		fprintf(stderr, "%s\nTry 'sluiced --help'.\n", n_engines ? "" : "(none in this build)");
		return 2;
	}
	for (i = 0; i < n_engines; i++)
		if (!strcmp(engines[i].name, dataplane))
			f = &engines[i];
	if (!f) {
		fprintf(stderr, "sluiced: no '%s' data plane in this build (built with:", dataplane);
		for (i = 0; i < n_engines; i++)
			fprintf(stderr, " %s", engines[i].name);
		fprintf(stderr, "%s)\n", n_engines ? "" : " none");
		return 2;
	}
	ea.argc = argc - optind;
	ea.argv = argv + optind;

	sl_log_open("sluiced", log_to);
	if (o.socket_path && ensure_dir_of(o.socket_path) < 0) {
		sl_log(LOG_ERR, "cannot create the directory of %s: %s", o.socket_path, strerror(errno));
		return 1;
	}
	/* the daemon takes its signals through a signalfd: block them before
	 * any engine starts threads, so none of those can take one */
	{
		sigset_t set;

		sl_daemon_block_signals(&set);
	}
	engine = f->create(&ea, err, sizeof(err));
	if (!engine) {
		sl_log(LOG_ERR, "%s data plane: %s", f->name, err);
		return 1;
	}
	d = sl_daemon_new(&o, engine, err, sizeof(err));
	if (!d) {
		sl_log(LOG_ERR, "%s", err);
		return 1;
	}
	rc = sl_daemon_run(d);
	sl_daemon_free(d);
	sl_log(LOG_NOTICE, "stopped");
	return rc ? 1 : 0;
}

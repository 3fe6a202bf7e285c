/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl - talk to sluiced's control socket.
 *
 *   sluicectl add backend www 10.0.1.13:80 weight 2
 *   sluicectl show backends www --json
 *   sluicectl save > /etc/sluice/sluice.conf
 *   sluicectl < commands.txt
 *
 * The protocol: one command a line; each reply is zero or more lines ended
 * by an empty line; a reply that starts with "error:" is a refusal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sluice/limits-t.h>

#define DEFAULT_SOCKET "/run/sluice/sluice.sock"

struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	int timeout_ms;
	char buf[65536];
	size_t len, pos;
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: sluicectl [OPTIONS] COMMAND [WORDS...]\n"
"       sluicectl [OPTIONS] < FILE      (one command a line)\n"
"\n"
"Sends a command to sluiced's control socket and prints the reply. The\n"
"commands are sluice's command language ('sluicectl help' lists them):\n"
"  sluicectl show services\n"
"  sluicectl add backend www 10.0.1.13:80 weight 2\n"
"  sluicectl set backend www/10.0.1.13:80 state drain\n"
"  sluicectl save > /etc/sluice/sluice.conf\n"
"\n"
"Options:\n"
"  -s, --socket PATH     Control socket (default " DEFAULT_SOCKET ", or $SLUICE_SOCKET).\n"
"  -j, --json            Ask 'show' commands for their JSON form.\n"
"  -t, --timeout DUR     Give up on a reply after DUR seconds (default 10).\n"
"  -r, --remote ADDR:PORT  Use sluiced's remote control (TCP, mutual TLS)\n"
"                        instead of the socket; needs --cert, --key, --ca.\n"
"      --cert FILE       Client certificate (PEM).\n"
"      --key FILE        Its private key.\n"
"      --ca FILE         CA that signed sluiced's certificate.\n"
"      --server-name N   Name to expect in sluiced's certificate (default: the\n"
"                        host of --remote).\n"
"  -h, --help            This help.\n"
"\n"
"Exit status: 0 done, 1 sluiced refused a command (its 'error:' line is on\n"
"stderr), 2 bad usage, 3 cannot reach sluiced.\n");
}

static int
wait_fd(struct conn *c, short events)
{
	struct pollfd p = {.fd = c->fd, .events = events};
	int r;

	do
		r = poll(&p, 1, c->timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		fprintf(stderr, "sluicectl: no answer from sluiced within %d ms\n", c->timeout_ms);
		return -1;
	}
	return r < 0 ? -1 : 0;
}

static int
conn_write(struct conn *c, const char *p, size_t len)
{
	while (len) {
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, p, (int)len);

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if ((e == SSL_ERROR_WANT_WRITE && !wait_fd(c, POLLOUT)) ||
				    (e == SSL_ERROR_WANT_READ && !wait_fd(c, POLLIN)))
					continue;
				return -1;
			}
			n = r;
		} else {
			n = send(c->fd, p, len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Next line (without '\n') into *line, NUL-terminated in the buffer.
 * 1 got a line, 0 end of stream, -1 error. */
static int
conn_line(struct conn *c, char **line, size_t *llen)
{
	for (;;) {
		char *nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);
		ssize_t n;

		if (nl) {
			*line = c->buf + c->pos;
			*llen = (size_t)(nl - *line);
			*nl = 0;
			c->pos += *llen + 1;
			return 1;
		}
		if (c->pos) {
			memmove(c->buf, c->buf + c->pos, c->len - c->pos);
			c->len -= c->pos;
			c->pos = 0;
		}
		if (c->len == sizeof(c->buf) - 1) {
			/* a line longer than the buffer: hand it out in pieces */
			c->buf[c->len] = 0;
			*line = c->buf;
			*llen = c->len;
			c->len = 0;
			return 1;
		}
		if (c->ssl) {
			int r = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - 1 - c->len));

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if ((e == SSL_ERROR_WANT_READ && !wait_fd(c, POLLIN)) ||
				    (e == SSL_ERROR_WANT_WRITE && !wait_fd(c, POLLOUT)))
					continue;
				return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
			}
			n = r;
		} else {
			if (wait_fd(c, POLLIN) < 0)
				return -1;
			n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n == 0 ? 0 : -1;
		}
		c->len += (size_t)n;
	}
}

/* Send one command, print its reply. 0 ok, 1 refused, -1 connection lost. */
static int
run(struct conn *c, const char *cmd, size_t len)
{
	int first = 1, refused = 0, r;
	char *line;
	size_t llen;

	if (conn_write(c, cmd, len) < 0 || conn_write(c, "\n", 1) < 0) {
		fprintf(stderr, "sluicectl: lost the connection to sluiced\n");
		return -1;
	}
	while ((r = conn_line(c, &line, &llen)) == 1) {
		if (llen == 0)
			return refused;
		if (first && !strncmp(line, "error:", 6))
			refused = 1;
		first = 0;
		fprintf(refused ? stderr : stdout, "%s\n", line);
	}
	fprintf(stderr, "sluicectl: %s\n", r == 0 ? "sluiced closed the connection" :
		"lost the connection to sluiced");
	return -1;
}

static int
connect_unix(struct conn *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sluicectl: socket path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sluicectl: cannot connect to %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is sluiced running? see -s)" :
			errno == EACCES ? " (the socket is owner-only by default)" : "");
		return -1;
	}
	return 0;
}

static int
ssl_fail(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	fprintf(stderr, "sluicectl: %s: %s\n", what, buf);
	return -1;
}

static int
connect_remote(struct conn *c, const char *remote, const char *cert, const char *key,
	       const char *ca, const char *name)
{
	char host[256], port[16];
	const char *colon, *h = remote;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	size_t hlen;
	unsigned char tmp[16];
	int r;

	if (!cert || !key || !ca) {
		fprintf(stderr, "sluicectl: --remote needs --cert, --key and --ca\n");
		return -2;
	}
	if (remote[0] == '[') {
		const char *rb = strchr(remote, ']');

		if (!rb || rb[1] != ':')
			return fprintf(stderr, "sluicectl: bad --remote %s\n", remote), -2;
		h = remote + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(remote, ':');
		if (!colon)
			return fprintf(stderr, "sluicectl: bad --remote %s (ADDR:PORT)\n", remote), -2;
		hlen = (size_t)(colon - remote);
	}
	if (hlen >= sizeof(host) || strlen(colon + 1) >= sizeof(port))
		return fprintf(stderr, "sluicectl: bad --remote %s\n", remote), -2;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	strcpy(port, colon + 1);
	if ((r = getaddrinfo(host, port, &hints, &res))) {
		fprintf(stderr, "sluicectl: %s: %s\n", remote, gai_strerror(r));
		return -1;
	}
	c->fd = -1;
	for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd >= 0 && connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(c->fd);
			c->fd = -1;
		}
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		fprintf(stderr, "sluicectl: cannot connect to %s: %s\n", remote, strerror(errno));
		return -1;
	}
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return ssl_fail("TLS");
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1)
		return ssl_fail(cert);
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1)
		return ssl_fail(key);
	if (SSL_CTX_load_verify_locations(c->ctx, ca, NULL) != 1)
		return ssl_fail(ca);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return ssl_fail("TLS");
	name = name ? name : host;
	if (inet_pton(AF_INET, name, tmp) == 1 || inet_pton(AF_INET6, name, tmp) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) != 1)
			return ssl_fail("TLS");
	} else {
		SSL_set_tlsext_host_name(c->ssl, name);
		if (SSL_set1_host(c->ssl, name) != 1)
			return ssl_fail("TLS");
	}
	if (SSL_connect(c->ssl) != 1)
		return ssl_fail("TLS handshake with sluiced");
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_CERT = 256, O_KEY, O_CA, O_NAME };
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"remote", required_argument, NULL, 'r'},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"ca", required_argument, NULL, O_CA},
		{"server-name", required_argument, NULL, O_NAME},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *sock = getenv("SLUICE_SOCKET"), *remote = NULL, *cert = NULL, *key = NULL,
		   *ca = NULL, *name = NULL;
	struct conn *c = calloc(1, sizeof(*c));
	int opt, json = 0, rc = 0, r;

	if (!c)
		return 3;
	c->timeout_ms = 10000;
	if (!sock)
		sock = DEFAULT_SOCKET;
	/* '+': stop at the first word, so that commands keep their own words */
	while ((opt = getopt_long(argc, argv, "+s:jt:r:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'j': json = 1; break;
		case 't': {
			char *end;
			double v = strtod(optarg, &end);

			if (*end || v <= 0 || v > 3600) {
				fprintf(stderr, "sluicectl: --timeout takes seconds (0 < s <= 3600)\n");
				free(c);
				return 2;
			}
			c->timeout_ms = (int)(v * 1000);
			break;
		}
		case 'r': remote = optarg; break;
		case O_CERT: cert = optarg; break;
		case O_KEY: key = optarg; break;
		case O_CA: ca = optarg; break;
		case O_NAME: name = optarg; break;
		case 'h': usage(stdout); free(c); return 0;
		default: fprintf(stderr, "Try 'sluicectl --help'.\n"); free(c); return 2;
		}
	}
	c->fd = -1;
	r = remote ? connect_remote(c, remote, cert, key, ca, name) : connect_unix(c, sock);
	if (r < 0) {
		rc = r == -2 ? 2 : 3;
		goto out;
	}

	if (optind < argc) {
		/* the words of one command */
		char line[SL_CMD_LINE_MAX + 8];
		size_t len = 0;
		int i, is_show = !strcmp(argv[optind], "show");

		for (i = optind; i < argc; i++) {
			size_t w = strlen(argv[i]);

			if (len + w + 2 > SL_CMD_LINE_MAX) {
				fprintf(stderr, "sluicectl: command too long\n");
				rc = 2;
				goto out;
			}
			if (len)
				line[len++] = ' ';
			memcpy(line + len, argv[i], w);
			len += w;
		}
		if (json && is_show && strcmp(argv[argc - 1], "json")) {
			memcpy(line + len, " json", 5);
			len += 5;
		}
		r = run(c, line, len);
		rc = r < 0 ? 3 : r;
	} else {
		/* commands from stdin, one a line */
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while ((n = getline(&line, &cap, stdin)) > 0) {
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
			r = run(c, line, (size_t)n);
			if (r < 0) {
				rc = 3;
				break;
			}
			if (r)
				rc = 1;
		}
		free(line);
	}
out:
	if (c->ssl) {
		if (rc != 3)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return rc;
}

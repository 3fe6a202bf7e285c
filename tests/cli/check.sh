#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check.sh - `sluiced --check` as an operator runs it.
#
# Usage: check.sh PATH_TO_SLUICED
# Exit status: 0 all passed, 1 something failed, 77 skipped (no sluiced).
set -u

SLUICED=${1:-}
if [[ -z $SLUICED ]]; then
	echo "usage: $0 PATH_TO_SLUICED" >&2
	exit 77
fi
if [[ ! -x $SLUICED ]]; then
	echo "SKIP: $SLUICED is not an executable (build sluiced first)" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-check.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT

failures=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run ARGS...: run sluiced, leaving stdout in $tmp/out, stderr in $tmp/err,
# the exit status in $rc.
run() {
	checks=$((checks + 1))
	"$SLUICED" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# show: what sluiced said, after a failure.
show() {
	sed 's/^/    stdout: /' "$tmp/out" | head -20 >&2
	sed 's/^/    stderr: /' "$tmp/err" | head -20 >&2
}

expect_rc() { # WANT WHAT
	if [[ $rc -ne $1 ]]; then
		fail "$2: exit status $rc, expected $1"
		show
		return 1
	fi
	return 0
}

expect_in() { # FILE FIXED-STRING WHAT
	if ! grep -qF -- "$2" "$1"; then
		fail "$3: '$2' not in $(basename "$1")"
		show
		return 1
	fi
	return 0
}

expect_empty() { # FILE WHAT
	if [[ -s $1 ]]; then
		fail "$2: $(basename "$1") is not empty"
		show
		return 1
	fi
	return 0
}

# ---- the built-in default ---------------------------------------------------

run --check
expect_rc 0 "--check (built-in default)"
expect_in "$tmp/out" "add service" "--check (built-in default)"
expect_in "$tmp/out" "add backend" "--check (built-in default)"
expect_in "$tmp/out" "set acl default" "--check (built-in default)"
expect_in "$tmp/err" "OK:" "--check (built-in default)"
cp "$tmp/out" "$tmp/default.conf"

# --print-default is the file as written; it checks to the same normal form
run --print-default
expect_rc 0 "--print-default"
expect_in "$tmp/out" "add service" "--print-default"
cp "$tmp/out" "$tmp/printed.conf"
run --check "$tmp/printed.conf"
expect_rc 0 "--check on --print-default's output"
if ! cmp -s "$tmp/out" "$tmp/default.conf"; then
	fail "--check of --print-default's output differs from --check of the built-in default"
	diff "$tmp/default.conf" "$tmp/out" | head -20 >&2
fi

# ---- round trip: --check's output checks again to itself -------------------

run --check "$tmp/default.conf"
expect_rc 0 "--check on --check's output (default)"
if ! cmp -s "$tmp/out" "$tmp/default.conf"; then
	fail "round trip of the default: second --check output differs"
	diff "$tmp/default.conf" "$tmp/out" | head -20 >&2
fi

cat >"$tmp/rich.conf" <<'EOF'
# every kind of command
set flows size 65536
set timeout tcp 1h
set timeout tcp-fin 30s
set timeout udp 2m
set timeout other 10s
add cert web chain /etc/sluice/web.pem key /etc/sluice/web.key
add service www 198.51.100.10:80 sched wrr snat 10.0.0.254
set service www check http interval 2s timeout 500ms rise 3 fall 2 path /healthz expect 204
add backend www 10.0.1.11:8080 weight 10
add backend www/10.0.1.12:8080 weight 0 state drain
add service dns 198.51.100.53:53 proto udp mode dsr all-down keep-last
add backend dns 10.0.2.1:53 state maint
add service v6 [2001:db8::10]:443 sched maglev maglev-size 4093 mode tunnel tunnel gue gue-port 7777
set service v6 check tcp
add backend v6 [2001:db8:1::1]:443 weight 3
add service tls 198.51.100.30:443 mode tls cert web
set service tls check tls interval 1m timeout 3s
add backend tls 10.0.4.1:8443
set acl default deny
add acl 100 allow proto tcp src 192.0.2.0/24 dst 198.51.100.10/32 sport 1024-65535 dport 80
add acl 5 deny src 203.0.113.0/24
add acl 61 allow proto icmpv6 from 2001:db8::/32
add sink pg pushgateway http://127.0.0.1:9091 interval 10s
add sink sumo http https://c.example.com/r/XYZ format carbon2 gzip on category prod/lb interval 1m
add sink sd statsd 127.0.0.1:8125 interval 5s
add sink gr graphite graphite.example.com:2003
EOF
run --check "$tmp/rich.conf"
expect_rc 0 "--check on a rich config"
expect_in "$tmp/out" "gue-port 7777" "--check on a rich config"
expect_in "$tmp/out" "add acl 5 deny" "--check on a rich config"
cp "$tmp/out" "$tmp/rich1.conf"
run --check "$tmp/rich1.conf"
expect_rc 0 "--check on --check's output (rich)"
cp "$tmp/out" "$tmp/rich2.conf"
if ! cmp -s "$tmp/rich1.conf" "$tmp/rich2.conf"; then
	fail "round trip of a rich config: second --check output differs"
	diff "$tmp/rich1.conf" "$tmp/rich2.conf" | head -20 >&2
fi

# the same file with CRLF line ends is the same config
sed 's/$/\r/' "$tmp/rich.conf" >"$tmp/crlf.conf"
run --check "$tmp/crlf.conf"
expect_rc 0 "--check on a CRLF file"
if ! cmp -s "$tmp/out" "$tmp/rich1.conf"; then
	fail "--check of the CRLF file differs from the LF one"
fi

# an empty file is a valid, empty config
: >"$tmp/empty.conf"
run --check "$tmp/empty.conf"
expect_rc 0 "--check on an empty file"
expect_in "$tmp/out" "set acl default allow" "--check on an empty file"

# ---- errors ------------------------------------------------------------------

# an error on line 4 (of 5), from the config model
cat >"$tmp/bad4.conf" <<'EOF'
# line 1
set acl default deny
add service www 198.51.100.10:80
add backend nope 10.0.1.11:80
add acl 10 allow proto tcp dport 80
EOF
run --check "$tmp/bad4.conf"
expect_rc 1 "--check with an error on line 4"
expect_in "$tmp/err" "$tmp/bad4.conf:4: error:" "--check with an error on line 4"
expect_in "$tmp/err" "unknown service 'nope'" "--check with an error on line 4"
expect_empty "$tmp/out" "--check with an error on line 4 (nothing on stdout)"

# an error on line 4, from the parser, after blank lines and CRLF
printf 'set acl default deny\r\n\r\n# comment\r\nadd service www 10.0.0.300:80\r\nsave\r\n' >"$tmp/parse4.conf"
run --check "$tmp/parse4.conf"
expect_rc 1 "--check with a parse error on line 4"
expect_in "$tmp/err" "$tmp/parse4.conf:4: error:" "--check with a parse error on line 4"
expect_in "$tmp/err" "10.0.0.300" "--check with a parse error on line 4"

# a file that does not exist
run --check "$tmp/does-not-exist.conf"
expect_rc 1 "--check on a missing file"
expect_in "$tmp/err" "$tmp/does-not-exist.conf" "--check on a missing file"
expect_in "$tmp/err" "error:" "--check on a missing file"
expect_in "$tmp/err" "cannot open" "--check on a missing file"
expect_in "$tmp/err" "No such file or directory" "--check on a missing file"
expect_empty "$tmp/out" "--check on a missing file (nothing on stdout)"

# a directory
run --check "$tmp"
expect_rc 1 "--check on a directory"
expect_in "$tmp/err" "not a regular file" "--check on a directory"

# commands that are not mutations are refused in a file
for cmd in "show services" "show backends www json" "save" "help"; do
	printf 'set acl default deny\n%s\nadd acl 1 deny\n' "$cmd" >"$tmp/show.conf"
	run --check "$tmp/show.conf"
	expect_rc 1 "--check on a file with '$cmd'"
	expect_in "$tmp/err" "$tmp/show.conf:2: error:" "--check on a file with '$cmd'"
	expect_in "$tmp/err" "not allowed in a config file" "--check on a file with '$cmd'"
done

# ---- usage -------------------------------------------------------------------

run --help
expect_rc 0 "--help"
expect_in "$tmp/out" "--check" "--help"
run -h
expect_rc 0 "-h"
expect_in "$tmp/out" "--check" "-h"

run --version
expect_rc 0 "--version"
expect_in "$tmp/out" "sluiced" "--version"

run --frobnicate
expect_rc 2 "an unknown option"
expect_in "$tmp/err" "--help" "an unknown option"
run -x
expect_rc 2 "an unknown short option"
run --check "$tmp/rich.conf" "$tmp/rich.conf"
expect_rc 2 "--check with two files"

# ---- verdict -------------------------------------------------------------------

if [[ $failures -ne 0 ]]; then
	echo "check.sh: $failures failed checks in $checks runs of sluiced" >&2
	exit 1
fi
echo "check.sh: all $checks runs passed"
exit 0

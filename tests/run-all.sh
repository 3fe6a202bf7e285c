#!/usr/bin/env bash
# tests/run-all.sh - set up this machine, build sluice three ways and run
# every test. This is the README's test command and what .ci/run calls.
#
#   1. deploy/install-deps.sh (packages, hugepages, bpffs; idempotent)
#   2. build/        gcc, every part enabled: meson test, all suites
#   3. build-asan/   gcc -fsanitize=address,undefined: unit, bpf, cli, ctl, xdp, dpdk, diff
#   4. build-fuzz/   clang + libFuzzer: each fuzzer for FUZZ_SECONDS (60)
#
# Under CI=true warnings are errors and a skipped test is a failure: CI
# machines have root, hugepages, namespaces and BPF, so nothing may skip.
# Ends with one line: "sluice: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fuzz_seconds=${FUZZ_SECONDS:-60}
ci=${CI:-false}
werror=false
[ "$ci" = true ] && werror=true

log() { printf '\n=== %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
	log "install-deps"
	bash deploy/install-deps.sh
else
	echo "run-all.sh: not root: skipping deploy/install-deps.sh (privileged tests will skip)"
fi

# setup DIR [meson options...]: configure, or reconfigure with the same options
setup() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

all_parts=(-Ddpdk=enabled -Dxdp=enabled -Dtls=enabled -Dtests=enabled -Dwerror=$werror)
status=0
results=()

# run_suites DIR LABEL [meson test args]: run, remember the testlog
run_suites() {
	local dir=$1 label=$2; shift 2
	log "meson test ($label)"
	if ! meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"; then
		status=1
	fi
	results+=("$dir/meson-logs/testlog.json:$label")
}

log "build (gcc, werror=$werror)"
setup build "${all_parts[@]}"
ninja -C build
run_suites build main

log "build-asan (gcc, address + undefined sanitizers)"
setup build-asan "${all_parts[@]}" -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suites build-asan asan --suite unit --suite bpf --suite cli --suite ctl --suite xdp --suite dpdk --suite diff

log "fuzz (clang + libFuzzer, ${fuzz_seconds}s each)"
CC=clang setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Ddpdk=disabled -Dxdp=disabled -Dtests=disabled -Dwerror=$werror
ninja -C build-fuzz tests/fuzz/fuzz_parse tests/fuzz/fuzz_cmd
fuzz_dir=$(mktemp -d /tmp/sluice-fuzz.XXXXXX)
trap 'rm -rf "$fuzz_dir"' EXIT
mkdir -p "$fuzz_dir/parse" "$fuzz_dir/cmd"
build/tests/fuzz/fuzz_seeds "$fuzz_dir/parse" >/dev/null
cp tests/fuzz/corpus-cmd/* "$fuzz_dir/cmd/"
grep -v '^#' deploy/sluice.conf > "$fuzz_dir/cmd/default.conf"
fuzz_pass=0 fuzz_fail=0
for f in parse cmd; do
	out="$fuzz_dir/$f.log"
	if build-fuzz/tests/fuzz/fuzz_$f -max_total_time="$fuzz_seconds" -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$fuzz_dir/" "$fuzz_dir/$f" >"$out" 2>&1; then
		fuzz_pass=$((fuzz_pass + 1))
		printf 'fuzz_%s: OK: %s executions, %s per second\n' "$f" \
			"$(awk '/number_of_executed_units/ {print $2}' "$out")" \
			"$(awk '/average_exec_per_sec/ {print $2}' "$out")"
	else
		fuzz_fail=$((fuzz_fail + 1))
		status=1
		echo "fuzz_$f: FAILED"
		tail -40 "$out"
		for a in "$fuzz_dir"/crash-* "$fuzz_dir"/leak-*; do
			[ -e "$a" ] && { echo "input:"; od -An -tx1 "$a" | head -20; }
		done
	fi
done

# Count what ran, from meson's logs; under CI a skip fails the run.
log "summary"
python3 - "$ci" "$fuzz_pass" "$fuzz_fail" "${results[@]}" <<'PY' || status=1
import json, sys
ci, fpass, ffail = sys.argv[1] == 'true', int(sys.argv[2]), int(sys.argv[3])
passed, failed, skipped, skipped_names = fpass, ffail, 0, []
for arg in sys.argv[4:]:
    path, label = arg.rsplit(':', 1)
    for line in open(path):
        t = json.loads(line)
        r = t['result']
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
            skipped_names.append('%s/%s' % (label, t['name']))
        else:
            failed += 1
for n in skipped_names:
    print('skipped: %s' % n)
print('sluice: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
if failed or (ci and skipped):
    if ci and skipped:
        print('CI=true: a skipped test is a failure on this machine kind')
    sys.exit(1)
PY
exit $status

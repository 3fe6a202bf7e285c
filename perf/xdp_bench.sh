#!/usr/bin/env bash
# perf/xdp_bench.sh - run xdp_bench in a namespace of its own: an interface
# for the program's FIB lookups, and the two backends' neighbours.
#   bash perf/xdp_bench.sh [REPEAT [-n RUNS] [-m MODE] [-a 0|1000] [-c new|many|1000]]
#   (REPEAT 1000000; build/ built)
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-1000000}
ns=slbench$$
trap 'ip netns del $ns 2>/dev/null || true' EXIT
ip netns add $ns
ip -n $ns link add bench0 type veth peer name bench1
ip -n $ns addr add 10.220.0.1/24 dev bench0
ip -n $ns link set bench0 up
ip -n $ns link set bench1 up
ip -n $ns link set lo up
ip netns exec $ns sysctl -qw net.ipv4.ip_forward=1
for b in 11 12; do
	ip -n $ns neigh add 10.220.0.$b lladdr 02:be:00:00:00:$b dev bench0 nud permanent
done
shift || true
ip netns exec $ns build/perf/xdp_bench -i bench0 -r "$repeat" "$@"

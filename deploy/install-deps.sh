#!/usr/bin/env bash
# install-deps.sh - install everything sluice needs on Debian 12, idempotently.
#
# Installs the Debian packages that the build, the tests, the demo and the
# benchmarks use; mounts hugetlbfs and bpffs; reserves 2 MB hugepages.
# Safe to run again: each step checks before it acts.
#
# usage: deploy/install-deps.sh [--no-packages] [--hugepages N]
#   --no-packages   only do the runtime set-up (mounts, hugepages)
#   --hugepages N   2 MB hugepages to reserve (default 1024 = 2 GiB, or
#                   SLUICE_HUGEPAGES from the environment)
set -euo pipefail

hugepages=${SLUICE_HUGEPAGES:-1024}
packages=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-packages) packages=0 ;;
	--hugepages) hugepages=${2:?--hugepages needs a number}; shift ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "install-deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt, mounts, hugepages)" >&2
	exit 1
fi

# Build: compilers, meson, the libraries sluice links.
PKGS_BUILD="build-essential pkg-config meson ninja-build clang llvm lld
  libclang-rt-14-dev libdpdk-dev dpdk dpdk-dev libbpf-dev bpftool libxdp-dev
  xdp-tools libelf-dev zlib1g-dev libssl-dev openssl libcmocka-dev
  libcurl4-openssl-dev libmicrohttpd-dev libsystemd-dev linux-libc-dev
  python3-pyelftools"
# Tests and demo: real servers, real clients, namespaces.
PKGS_TEST="iproute2 nftables ethtool tcpdump curl wrk nginx-light socat
  python3 python3-scapy python3-prometheus-client valgrind
  prometheus-pushgateway prometheus graphite-carbon collectd-core
  haproxy conntrack tcpreplay"
# Benchmarks and profiling.
PKGS_PERF="linux-perf hyperfine"

if [ "$packages" = 1 ]; then
	# shellcheck disable=SC2086
	missing=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS_BUILD $PKGS_TEST $PKGS_PERF 2>/dev/null |
		awk '$NF != "installed" {print $1}' || true)
	# dpkg-query omits packages it has never heard of: compare the counts too.
	known=$(dpkg-query -W -f='${Package}\n' $PKGS_BUILD $PKGS_TEST $PKGS_PERF 2>/dev/null | wc -l || true)
	want=$(echo $PKGS_BUILD $PKGS_TEST $PKGS_PERF | wc -w)
	if [ -n "$missing" ] || [ "$known" -lt "$want" ]; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		# Services that the packages would start at install are started by
		# the tests themselves, on their own ports and in their own netns.
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $PKGS_BUILD $PKGS_TEST $PKGS_PERF
		rm -f /usr/sbin/policy-rc.d
	else
		echo "install-deps.sh: all packages present"
	fi
fi

# hugetlbfs for DPDK (EAL fails with "Cannot get hugepage information" without it).
mkdir -p /dev/hugepages
if ! mountpoint -q /dev/hugepages; then
	mount -t hugetlbfs nodev /dev/hugepages
fi
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ "$(cat $hp)" -lt "$hugepages" ]; then
	echo "$hugepages" > $hp
fi
echo "install-deps.sh: hugepages 2MB reserved: $(cat $hp)"

# bpffs for pinned maps (and to keep the AF_XDP PMD quiet).
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
mkdir -p /sys/fs/bpf/sluice
echo "install-deps.sh: done"

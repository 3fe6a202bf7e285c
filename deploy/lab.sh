#!/usr/bin/env bash
# deploy/lab.sh - the seed's web tier in network namespaces on this
# machine, for the demo and the end-to-end tests: a client, two nginx web
# servers, and the load balancer's namespace with the one veth that a
# DPDK port (net_af_packet) or XDP takes over. One Ethernet segment (a
# bridge in a namespace of its own) joins them: sluice runs one-armed.
#
#   PREFIX-cl   cl0  203.0.113.2/24  2001:db8:feed::2/64  the client (curl, wrk)
#   PREFIX-b1   b10  10.0.1.11/24    fd00:1::11/64        nginx, answers "b1"
#   PREFIX-b2   b20  10.0.1.12/24    fd00:1::12/64        nginx, answers "b2"
#   PREFIX-lb   lb0  (no address: the NIC sluice owns)
#               sl0  10.0.1.1/24     fd00:1::1/64         the host's side of the
#                    DPDK engine's exception port (net_tap), made by sluiced
#   PREFIX-sw   br0  the switch
#
# The addresses are those of sluice's built-in configuration (the seed's
# www.foobar.com): VIP 198.51.100.10 (and 2001:db8:10::10), web servers
# 10.0.1.11 and 10.0.1.12. The VIPs are on the client's link (the client
# asks ARP/ND for them, sluice answers); the backends hold the VIPs on
# loopback for dsr, never answering ARP for them, and reach the client's
# network on the link; sluice's own address toward the backends (nat
# source, --local-ip) is 10.0.1.3 / fd00:1::3.
#
# Usage:
#   deploy/lab.sh up [PREFIX]       build it (and start nginx); idempotent
#   deploy/lab.sh host [PREFIX]     address sl0 once sluiced has made it
#   deploy/lab.sh down [PREFIX]     remove everything it made
#   deploy/lab.sh env [PREFIX]      print the addresses as shell variables
# PREFIX defaults to "sluice"; names stay short (interface names <= 15).
set -Eeuo pipefail

cmd=${1:-}
P=${2:-sluice}
RUN=/run/sluice-lab/$P

SUBNET4=10.0.1
SUBNET6=fd00:1:
CL4=203.0.113.2
CL6=2001:db8:feed::2
VIP4=198.51.100.10
VIP6=2001:db8:10::10
CL_MAC=02:5c:00:00:00:02

usage() {
	sed -n '2,/^set -Eeuo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 2
}

ns() { echo "$P-$1"; }
in_ns() { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }

env_vars() {
	cat <<EOF
LAB_NS_CL=$(ns cl)
LAB_NS_LB=$(ns lb)
LAB_NS_B1=$(ns b1)
LAB_NS_B2=$(ns b2)
LAB_NS_SW=$(ns sw)
LAB_CL4=$CL4
LAB_CL6=$CL6
LAB_CL_MAC=$CL_MAC
LAB_HOST4=$SUBNET4.1
LAB_HOST6=${SUBNET6}:1
LAB_LOCAL4=$SUBNET4.3
LAB_LOCAL6=${SUBNET6}:3
LAB_B14=$SUBNET4.11
LAB_B24=$SUBNET4.12
LAB_B16=${SUBNET6}:11
LAB_B26=${SUBNET6}:12
LAB_VIP4=$VIP4
LAB_VIP6=$VIP6
LAB_PORT_IF=lb0
LAB_TAP_IF=sl0
EOF
}

# link NAME NS ADDR4/LEN ADDR6/LEN [MAC]: a veth from namespace NS into the switch
link() {
	local name=$1 n=$2 a4=$3 a6=$4 mac=${5:-}
	ip link add "$name" netns "$(ns "$n")" type veth peer name "sw-$name" netns "$(ns sw)"
	in_ns sw ip link set "sw-$name" master br0 up
	[ -n "$mac" ] && in_ns "$n" ip link set "$name" address "$mac"
	if [ -n "$a4" ]; then
		in_ns "$n" ip addr add "$a4" dev "$name"
		in_ns "$n" ip addr add "$a6" dev "$name" nodad
		# frames cross an af_packet socket or XDP: finish checksums here,
		# as a real NIC would (a veth otherwise leaves them partial)
		in_ns "$n" ethtool -K "$name" tx off >/dev/null
	fi
	in_ns "$n" ip link set "$name" up
}

nginx_conf() {
	local d=$1 name=$2
	mkdir -p "$d/www"
	echo "$name" >"$d/www/index.html"
	cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_timeout 0;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server { listen 80 reuseport; listen [::]:80 reuseport; root $d/www; }
}
EOF
}

# every namespace there and both web servers running
complete() {
	local n b
	for n in sw cl lb b1 b2; do
		ip netns list | grep -qw "$(ns "$n")" || return 1
	done
	for b in b1 b2; do
		[ -f "$RUN/$b/nginx.pid" ] && kill -0 "$(cat "$RUN/$b/nginx.pid")" 2>/dev/null || return 1
	done
}

up() {
	if complete; then
		echo "lab.sh: $P is up already (deploy/lab.sh down $P removes it)"
		return 0
	fi
	# a half-made lab (an earlier run that failed): start again
	down
	# and if this one fails, leave nothing half-made behind
	trap 'echo "lab.sh: setting up $P failed: removing what was made" >&2; down' ERR
	mkdir -p "$RUN"
	for n in sw cl lb b1 b2; do
		ip netns add "$(ns "$n")"
		in_ns "$n" ip link set lo up
	done
	in_ns sw ip link add br0 type bridge
	in_ns sw ip link set br0 up
	in_ns sw sysctl -qw net.ipv6.conf.br0.disable_ipv6=1

	# the load balancer's NIC: no address; the kernel must not answer
	# on it (sluice answers for its addresses, the host uses sl0)
	ip link add lb0 netns "$(ns lb)" type veth peer name sw-lb0 netns "$(ns sw)"
	in_ns sw ip link set sw-lb0 master br0 up
	in_ns lb sysctl -qw net.ipv6.conf.lb0.disable_ipv6=1 net.ipv4.conf.lb0.arp_ignore=8
	in_ns lb ethtool -K lb0 gro off >/dev/null 2>&1 || true
	in_ns lb ip link set lb0 up

	link cl0 cl "$CL4/24" "$CL6/64" "$CL_MAC"
	link b10 b1 "$SUBNET4.11/24" "${SUBNET6}:11/64"
	link b20 b2 "$SUBNET4.12/24" "${SUBNET6}:12/64"

	# the VIPs are on the client's link
	in_ns cl ip route add "$VIP4/32" dev cl0
	in_ns cl ip -6 route add "$VIP6/128" dev cl0
	in_ns cl sysctl -qw net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=10000 65000"
	# a flow's packets keep their hash, as a NIC's RSS (over the 5-tuple)
	# keeps them on one queue: net_af_packet spreads packets over queues by
	# the hash the client's socket gave them, and TCP picks a new one at a
	# retransmission (txrehash), which would move the flow to another worker
	in_ns cl sysctl -qw net.core.txrehash=0 2>/dev/null || true
	for b in b1 b2; do
		# dsr: the backends own the VIPs but never answer ARP/ND for them
		in_ns "$b" ip addr add "$VIP4/32" dev lo
		in_ns "$b" ip addr add "$VIP6/128" dev lo
		in_ns "$b" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
		in_ns "$b" sysctl -qw net.core.txrehash=0 2>/dev/null || true
		in_ns "$b" ip route add "${CL4%.*}.0/24" dev "${b}0"
		in_ns "$b" ip -6 route add "${CL6%::*}::/64" dev "${b}0"
		nginx_conf "$RUN/$b" "$b"
		in_ns "$b" nginx -c "$RUN/$b/nginx.conf"
	done
	trap - ERR
	echo "lab.sh: $P is up: client $(ns cl), backends $(ns b1) $(ns b2) (nginx), load balancer $(ns lb) (NIC lb0)"
}

host() {
	local i
	for i in $(seq 1 100); do
		in_ns lb ip link show sl0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! in_ns lb ip link show sl0 >/dev/null 2>&1; then
		echo "lab.sh: no sl0 in $(ns lb): is sluiced running with --vdev=net_tap0,iface=sl0?" >&2
		return 1
	fi
	in_ns lb ip addr replace "$SUBNET4.1/24" dev sl0
	in_ns lb ip addr replace "${SUBNET6}:1/64" dev sl0 nodad
	in_ns lb ip link set sl0 up
}

down() {
	local b
	for b in b1 b2; do
		if [ -f "$RUN/$b/nginx.pid" ]; then
			kill "$(cat "$RUN/$b/nginx.pid")" 2>/dev/null || true
		fi
	done
	for n in cl lb b1 b2 sw; do
		ip netns del "$(ns "$n")" 2>/dev/null || true
	done
	rm -rf "$RUN"
}

case "$cmd" in
up) up ;;
host) host ;;
down) down ;;
env) env_vars ;;
*) usage ;;
esac

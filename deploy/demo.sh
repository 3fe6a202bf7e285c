#!/usr/bin/env bash
# deploy/demo.sh - the README's first command: set this machine up, build
# sluice, and run it for real on its built-in configuration (the seed's
# www.foobar.com tier) in network namespaces (deploy/lab.sh): a client,
# two nginx web servers, and sluiced on DPDK virtual devices (the NIC is
# net_af_packet on a veth, the host's way in is a net_tap exception port).
# Then curl through the VIP, answered by the two servers in turn, and the
# load balancer's counters.
#
#   deploy/demo.sh          start (or, when running already, just show)
#   deploy/demo.sh down     stop sluiced and remove the namespaces
#
# Running it again is harmless: what is up stays up. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
P=sluice
RUN=/run/sluice-lab/$P
SOCK=$RUN/sluice.sock
PIDF=$RUN/sluiced.pid
LOG=$RUN/sluiced.log
CTL=(build/control/sluicectl -s "$SOCK")

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: must run as root (namespaces, hugepages, DPDK)" >&2
	exit 1
fi
eval "$(bash deploy/lab.sh env "$P")"

running() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }

if [ "${1:-}" = down ]; then
	if running; then
		pid=$(cat "$PIDF")
		kill -TERM "$pid"
		for _ in $(seq 1 100); do running || break; sleep 0.1; done
		if running; then
			echo "demo.sh: sluiced (pid $pid) did not stop in 10 s: killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.5
		fi
	fi
	bash deploy/lab.sh down "$P"
	echo "demo.sh: stopped sluiced and removed the $P-* namespaces"
	exit 0
elif [ -n "${1:-}" ]; then
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 2
fi

bash deploy/install-deps.sh
if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build
bash deploy/lab.sh up "$P"

if running; then
	echo "demo.sh: sluiced is running already (pid $(cat "$PIDF"))"
else
	mkdir -p "$RUN"
	rm -f "$SOCK"
	# EAL arguments after the first '--', the engine's after the second:
	# replies of nat flows go back to the client's MAC (its gateway's, on
	# a real network); 10.0.1.3 is sluice's source address toward the
	# web servers.
	nohup ip netns exec "$LAB_NS_LB" "$root/build/sluiced" --dataplane dpdk -c builtin \
		-s "$SOCK" --log stderr --metrics 127.0.0.1:9464 -- \
		-l 0,1 --no-pci --in-memory --file-prefix "$P-demo" \
		--vdev=net_af_packet0,iface="$LAB_PORT_IF" --vdev=net_tap0,iface="$LAB_TAP_IF" -- \
		--gw-mac "$LAB_CL_MAC" --local-ip "$LAB_LOCAL4" --local-ip "$LAB_LOCAL6" \
		>"$LOG" 2>&1 &
	echo $! >"$PIDF"
	for _ in $(seq 1 150); do
		[ -S "$SOCK" ] && break
		running || { cat "$LOG"; echo "demo.sh: sluiced did not start" >&2; exit 1; }
		sleep 0.1
	done
	# the host's addresses on the exception port: health checks, ssh
	bash deploy/lab.sh host "$P"
	# a live change through the control socket: check the web servers
	"${CTL[@]}" set service www check http interval 1s timeout 500ms rise 2 fall 2 path / expect 200
	echo "demo.sh: sluiced is running (pid $(cat "$PIDF"), log $LOG)"
fi

echo "== waiting for both web servers to pass their health checks"
for _ in $(seq 1 100); do
	[ "$("${CTL[@]}" show backends www | grep -c ' up ')" -eq 2 ] && break
	sleep 0.2
done
"${CTL[@]}" show backends www

echo
echo "== curl http://$LAB_VIP4/ from the client, six new connections"
for i in 1 2 3 4 5 6; do
	printf '  %d: ' "$i"
	ip netns exec "$LAB_NS_CL" curl -s -m 3 "http://$LAB_VIP4/" || echo "(failed)"
done

echo
echo "== sluice's counters"
"${CTL[@]}" show services
echo
"${CTL[@]}" show stats
echo
echo "Try: ${CTL[*]} help      (or show flows www, show acl, set backend ...)"
echo "Stop and clean up: deploy/demo.sh down"

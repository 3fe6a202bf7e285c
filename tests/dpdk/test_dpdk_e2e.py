#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The DPDK engine end to end, with real nginx backends and real curl and
wrk clients, in the namespaces of deploy/lab.sh (the demo's):

    client 203.0.113.2 --+
    b1 10.0.1.11 nginx --+-- switch --+-- lb0: sluiced's NIC (net_af_packet)
    b2 10.0.1.12 nginx --+            sl0: its exception port (net_tap),
                                           the host's 10.0.1.1

sluiced runs one-armed on DPDK virtual devices. Checked: ARP and ND for
the VIPs answered by the engine; the host reachable through the exception
port (health checks, a server of its own); round robin over 100 new
connections (50 each, within one per worker) with NAT both ways, IPv4 and
IPv6; a denied port and a denied source prefix dropped and counted by
rule; a drain during a wrk run (no request fails, no new connection
reaches the drained backend); DSR; and a wrk run with the backend set
changing every 100 ms without one failed request.

SLUICE_E2E_WORKERS=N runs N worker lcores (default 1; the lcores share
this machine's CPUs). Needs root, nginx, curl, wrk."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'ctl'))
from harness import Daemon, curl_many, run_tests, skip, wait_for  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
LAB = os.path.join(ROOT, 'deploy', 'lab.sh')
SLUICED = os.environ.get('SLUICED', '')
WORKERS = int(os.environ.get('SLUICE_E2E_WORKERS', '1'))
PREFIX = 'sd%d' % (os.getpid() % 10000)
TMP = tempfile.mkdtemp(prefix='sluice-dpdk-e2e-')
L = {}


def sh(*args, check=True, ns=None, timeout=60):
    if ns:
        args = ('ip', 'netns', 'exec', L['LAB_NS_' + ns.upper()]) + args
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode:
        raise RuntimeError('%s: %s' % (' '.join(args), r.stderr.strip()))
    return r


def lab(cmd):
    return sh('bash', LAB, cmd, PREFIX)


def sluiced(conf):
    """sluiced on the lab's NIC and exception port, in the lb namespace."""
    # main lcore 0; workers on the CPUs there are, shared if need be
    ncpu = os.cpu_count() or 1
    lcores = '0@0,' + ','.join('%d@%d' % (i + 1, (i + 1) % ncpu) for i in range(WORKERS))
    eal = ['--lcores', lcores, '--no-pci', '--in-memory', '--file-prefix', PREFIX,
           '--log-level', 'lib.eal:warning',
           '--vdev=net_af_packet0,iface=%s,qpairs=%d' % (L['LAB_PORT_IF'], WORKERS),
           '--vdev=net_tap0,iface=%s' % L['LAB_TAP_IF']]
    opts = ['--gw-mac', L['LAB_CL_MAC'], '--local-ip', L['LAB_LOCAL4'],
            '--local-ip', L['LAB_LOCAL6']]
    return Daemon(conf, tmp=TMP, start_timeout=30, argv=lambda d: [
        'ip', 'netns', 'exec', L['LAB_NS_LB'], SLUICED, '--dataplane', 'dpdk', '-c', d.conf,
        '-s', d.sock, '--log', 'stderr', '--'] + eal + ['--'] + opts)


# curl's exit status and time for each failed connection (the last
# curl() call's), for the assertion messages: 28 is curl's timeout, 7 a
# refused connection, 56 a reset one
CURL_FAILS = []


def curl(n, url):
    CURL_FAILS.clear()

    def get():
        t = time.time()
        r = sh('curl', '-s', '-g', '-m', '3', url, check=False, ns='cl')
        if r.stdout.strip() not in ('b1', 'b2'):
            CURL_FAILS.append((r.returncode, round(time.time() - t, 2)))
        return r.stdout
    return curl_many(get, n)


def wrk(seconds, url):
    """A bounded wrk run of new connections: (requests, summary line)."""
    r = sh('wrk', '-t1', '-c8', '-d%ds' % seconds, '--timeout', '3s', '-H', 'Connection: close',
           url, ns='cl', check=False, timeout=seconds + 30)
    out = r.stdout
    assert r.returncode == 0 and 'requests in' in out, out + r.stderr
    assert 'Socket errors' not in out and 'Non-2xx' not in out, out
    n = int(out.split(' requests in')[0].split()[-1])
    return n, ' '.join(x.strip() for x in out.splitlines() if 'requests in' in x)


def new_flows(d, svc):
    return {b['backend']: b['new_flows'] for b in d.json('show backends ' + svc)['backends']}


def test_dpdk_end_to_end():
    if os.geteuid() != 0:
        skip('namespaces and DPDK need root')
    for tool in ('nginx', 'curl', 'wrk', 'ethtool'):
        if not shutil.which(tool):
            skip('%s is not installed (deploy/install-deps.sh installs it)' % tool)
    if not os.path.ismount('/dev/hugepages'):
        skip('no hugetlbfs at /dev/hugepages (deploy/install-deps.sh mounts it)')
    for line in sh('bash', LAB, 'env', PREFIX).stdout.split():
        k, v = line.split('=', 1)
        L[k] = v
    vip, vip6 = L['LAB_VIP4'], L['LAB_VIP6']
    b1, b2 = L['LAB_B14'] + ':80', L['LAB_B24'] + ':80'
    url, url6 = 'http://%s/' % vip, 'http://[%s]/' % vip6
    lab('up')
    d = host_srv = None
    try:
        d = sluiced('set flows size 65536\n'
                    'add service www %s:80 proto tcp sched rr mode nat\n'
                    'add backend www %s\nadd backend www %s\n'
                    'set service www check tcp interval 500ms timeout 400ms rise 1 fall 2\n'
                    'add service www6 [%s]:80 proto tcp sched rr mode nat\n'
                    'add backend www6 [%s]:80\nadd backend www6 [%s]:80\n'
                    % (vip, b1, b2, vip6, L['LAB_B16'], L['LAB_B26']))
        lab('host')
        # the host's health checks leave and return through the exception port
        wait_for(lambda: all(b['health'] == 'up' for b in d.json('show backends www')['backends']),
                 20, 'both backends healthy')

        # the host stays reachable: a server of its own, asked from a backend
        with open(os.path.join(TMP, 'host.txt'), 'w') as f:
            f.write('host\n')
        host_srv = subprocess.Popen(['ip', 'netns', 'exec', L['LAB_NS_LB'], 'python3', '-m',
                                     'http.server', '--bind', L['LAB_HOST4'], '8000',
                                     '--directory', TMP], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        wait_for(lambda: sh('curl', '-s', '-m', '2', 'http://%s:8000/host.txt' % L['LAB_HOST4'],
                            ns='b1', check=False).stdout == 'host\n', 10,
                 'the host server through the exception port')
        print('     host: reached through the exception port; health checks up')

        # the ports as their drivers count them
        ports = {p['name']: p for p in d.json('show ports')['ports']}
        nic, tap = ports['net_af_packet0'], ports['net_tap0']
        assert nic['link'] == 'up' and nic['rx_packets'] > 0 and not nic['exception'], ports
        assert tap['link'] == 'up' and tap['exception'] and tap['tx_packets'] > 0, ports
        print('     ports: ' + ', '.join('%s %s rx %d tx %d' % (
            p['name'], p['link'], p['rx_packets'], p['tx_packets']) for p in ports.values()))

        # nat, round robin: 100 new connections
        seen, failed = curl(100, url)
        print('     nat rr (%d worker%s): %s, %d failed' % (WORKERS, 's'[:WORKERS > 1], seen,
                                                        failed))
        assert failed == 0, (seen, CURL_FAILS)
        assert abs(seen['b1'] - 50) <= WORKERS and abs(seen['b2'] - 50) <= WORKERS, seen
        # the client asked ARP for the VIP: the engine answered with its NIC's MAC
        port_mac = sh('ip', '-br', 'link', 'show', 'dev', L['LAB_TAP_IF'], ns='lb').stdout.split()[2]
        neigh = sh('ip', 'neigh', 'show', vip, ns='cl').stdout
        assert port_mac in neigh, (port_mac, neigh)
        nf = new_flows(d, 'www')
        st = d.json('show stats')
        # each connection counted once, on the backend that answered it
        # (with several workers lcores share this machine's two CPUs, and
        # af_packet's fanout may roll a packet over to another queue when
        # one is full: allow one flow's difference there, and say so)
        off = abs(nf[b1] - seen['b1']) + abs(nf[b2] - seen['b2'])
        if off:
            print('     new flows counted per backend %s, answered %s' % (nf, seen))
        assert off <= (0 if WORKERS == 1 else 2), (nf, seen, st)
        assert st['flow_new'] >= 100 and st['tx_pkts'] > 0, st
        sv = [s for s in d.json('show services')['services'] if s['name'] == 'www'][0]
        # (a packet rolled over to another worker's queue, above, is a new
        # flow there: as many as the per-backend counts may be off)
        assert 100 <= sv['new_flows'] <= 100 + (0 if WORKERS == 1 else 2), sv
        flows = d.json('show flows www')['flows']
        assert flows and flows[0]['vip'] == vip + ':80', flows[:2]

        # IPv6: neighbour discovery for the VIP, nat both ways
        seen, failed = curl(10, url6)
        print('     nat rr ipv6: %s, %d failed' % (seen, failed))
        assert failed == 0 and abs(seen['b1'] - 5) <= WORKERS, (seen, CURL_FAILS)
        assert port_mac in sh('ip', '-6', 'neigh', 'show', vip6, ns='cl').stdout

        # dsr: the backends hold the VIP and answer the client themselves
        # (before the wrk runs: their many connections reuse client ports,
        # and a reused port finds its old flow and keeps its backend)
        assert d.cmd('set service www mode dsr') == ''
        seen, failed = curl(40, url)
        print('     dsr rr: %s, %d failed' % (seen, failed))
        assert failed == 0 and abs(seen['b1'] - 20) <= WORKERS, \
            (seen, CURL_FAILS, d.json('show stats'))
        assert d.cmd('set service www mode nat') == ''

        # drain during a wrk run: nothing fails, the drained backend gets
        # no new connection from the moment the drain is acknowledged
        res = {}
        t = threading.Thread(target=lambda: res.update(r=wrk(4, url)))
        t.start()
        time.sleep(1.5)
        assert d.cmd('set backend www/%s state drain' % b1) == ''
        at_drain = new_flows(d, 'www')
        t.join()
        after = new_flows(d, 'www')
        print('     drain under wrk: %s; %s new connections to b1 after the drain, %d to b2'
              % (res['r'][1], after[b1] - at_drain[b1], after[b2] - at_drain[b2]))
        assert after[b1] == at_drain[b1], (at_drain, after)
        assert after[b2] > at_drain[b2], (at_drain, after)
        assert d.cmd('set backend www/%s state ready' % b1) == ''

        # the firewall: a denied port and a denied source prefix
        assert d.cmd('add service alt %s:8080 mode nat' % vip) == ''
        assert d.cmd('add backend alt %s' % b1) == ''
        assert sh('curl', '-s', '-m', '2', 'http://%s:8080/' % vip, check=False,
                  ns='cl').stdout.strip() == 'b1'
        drops0 = d.json('show stats')['drops'].get('acl_deny', 0)
        assert d.cmd('add acl 10 deny proto tcp dport 8080') == ''
        r = sh('curl', '-s', '-m', '1', 'http://%s:8080/' % vip, check=False, ns='cl')
        assert r.returncode != 0, r.stdout
        assert d.cmd('add acl 20 deny proto tcp src 203.0.113.0/24 dport 80') == ''
        r = sh('curl', '-s', '-m', '1', url, check=False, ns='cl')
        assert r.returncode != 0, r.stdout
        acl = {x['priority']: x['packets'] for x in d.json('show acl')['rules']}
        drops = d.json('show stats')['drops']['acl_deny'] - drops0
        print('     acl: rule 10 %d packets, rule 20 %d packets, %d dropped' %
              (acl[10], acl[20], drops))
        assert acl[10] >= 1 and acl[20] >= 1 and drops >= acl[10] + acl[20], (acl, drops)
        assert d.cmd('del acl 20') == '' and d.cmd('del acl 10') == ''
        assert d.cmd('del service alt') == ''
        seen, failed = curl(4, url)
        assert failed == 0, (seen, CURL_FAILS)

        # the backend set changes every 100 ms under load: no request fails
        stop = threading.Event()
        changes = [0]

        lat = []

        def churn():
            k = 0
            while not stop.is_set():
                t0 = time.monotonic()
                if k % 4 == 1:
                    line = 'del backend www %s' % b2
                elif k % 4 == 3:
                    line = 'add backend www %s weight %d' % (b2, 1 + k % 3)
                else:
                    line = 'set backend www/%s weight %d' % (b1, 1 + k % 5)
                if d.cmd(line) == '':
                    changes[0] += 1
                lat.append(time.monotonic() - t0)
                k += 1
                time.sleep(max(0, 0.1 - lat[-1]))

        th = threading.Thread(target=churn)
        th.start()
        try:
            n, summary = wrk(5, url)
        finally:
            stop.set()
            th.join()
        print('     wrk under %d changes of the backend set (a change took %.0f ms on average, '
              '%.0f ms at most): %s, 0 failed' % (changes[0], 1000 * sum(lat) / len(lat),
                                                 1000 * max(lat), summary))
        assert changes[0] >= 10 and n > 0
        # a link that goes down and up again (the exception port's, which
        # the tap driver reports; af_packet always says up): logged, counted
        def tap_link():
            return [p for p in d.json('show ports')['ports'] if p['exception']][0]
        sh('ip', 'link', 'set', L['LAB_TAP_IF'], 'down', ns='lb')
        wait_for(lambda: tap_link()['link'] == 'down', 10, 'link down')
        lab('host')
        wait_for(lambda: tap_link()['link'] == 'up', 10, 'link up')
        assert tap_link()['link_changes'] == 2, tap_link()
        assert 'net_tap0): link down' in d.log_text(), d.log_text()[-2000:]
        print('     link of net_tap0 down and up again: seen, logged, 2 changes counted')

        # every packet received is accounted for once: sent, to the host
        # (the exception port), or dropped by reason
        def balanced():
            st = d.json('show stats')
            return st if st['rx_pkts'] == st['tx_pkts'] + st['to_host_pkts'] + \
                st['dropped_pkts'] else None
        st = wait_for(balanced, 10, 'rx = tx + to_host + dropped')
        print('     counters: rx %d = tx %d + to_host %d + dropped %d (%s)' % (
            st['rx_pkts'], st['tx_pkts'], st['to_host_pkts'], st['dropped_pkts'],
            ', '.join('%s %d' % kv for kv in st['drops'].items() if kv[1])))
    finally:
        if host_srv:
            host_srv.terminate()
            host_srv.wait(10)
        try:
            if d:
                d.stop()
        finally:
            lab('down')
            shutil.rmtree(TMP, ignore_errors=True)


if __name__ == '__main__':
    if not SLUICED:
        print('SLUICED must be set (meson test does)')
        sys.exit(1)
    run_tests([test_dpdk_end_to_end])

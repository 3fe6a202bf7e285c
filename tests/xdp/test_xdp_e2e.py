#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The XDP engine end to end, with real nginx backends and real curl and
wrk clients in network namespaces:

    client ns          lb ns (sluiced --dataplane xdp)        backend ns b1, b2
    cl0 10.210.0.2 --- lb0 10.210.0.1   lb1 10.210.1.1 --- b10 10.210.1.2 (nginx)
                                        lb2 10.210.2.1 --- b20 10.210.2.2 (nginx)

The VIP 198.51.100.10:80 is routed by the client to the lb namespace,
where the XDP program (on lb0, lb1, lb2) forwards it. Checked: round robin
over 100 new connections (50 each, within one per CPU), NAT both ways,
DSR (backends hold the VIP on loopback; replies return through the lb
namespace's kernel), drain (no new connection reaches a drained backend),
counters as `show stats` reports them, and a wrk run with the backend set
changing every 100 ms without one failed request. Needs root."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'ctl'))
from harness import Daemon, curl_many, run_tests, skip, wait_for  # noqa: E402

SLUICED = os.environ.get('SLUICED', '')
PASS_OBJ = os.environ.get('XDP_PASS_OBJ', '')
TAG = 'x%d' % (os.getpid() % 10000)
NS = {'cl': TAG + 'cl', 'lb': TAG + 'lb', 'b1': TAG + 'b1', 'b2': TAG + 'b2'}
VIP = '198.51.100.10'
TMP = tempfile.mkdtemp(prefix='sluice-xdp-')
os.chmod(TMP, 0o755)


def sh(*args, check=True, ns=None):
    if ns:
        args = ('ip', 'netns', 'exec', NS[ns]) + args
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError('%s: %s' % (' '.join(args), r.stderr.strip()))
    return r


def veth(a_ns, a, a_ip, b_ns, b, b_ip):
    sh('ip', 'link', 'add', a, 'netns', NS[a_ns], 'type', 'veth', 'peer', 'name', b,
       'netns', NS[b_ns])
    sh('ip', '-n', NS[a_ns], 'addr', 'add', a_ip, 'dev', a)
    sh('ip', '-n', NS[b_ns], 'addr', 'add', b_ip, 'dev', b)
    sh('ip', '-n', NS[a_ns], 'link', 'set', a, 'up')
    sh('ip', '-n', NS[b_ns], 'link', 'set', b, 'up')


def setup_net():
    for n in NS.values():
        sh('ip', 'netns', 'add', n)
        sh('ip', '-n', n, 'link', 'set', 'lo', 'up')
    veth('cl', 'cl0', '10.210.0.2/24', 'lb', 'lb0', '10.210.0.1/24')
    veth('lb', 'lb1', '10.210.1.1/24', 'b1', 'b10', '10.210.1.2/24')
    veth('lb', 'lb2', '10.210.2.1/24', 'b2', 'b20', '10.210.2.2/24')
    sh('ip', '-n', NS['cl'], 'route', 'add', VIP + '/32', 'via', '10.210.0.1')
    sh('ip', '-n', NS['b1'], 'route', 'add', 'default', 'via', '10.210.1.1')
    sh('ip', '-n', NS['b2'], 'route', 'add', 'default', 'via', '10.210.2.1')
    for k in ('net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0',
              'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.lb1.rp_filter=0',
              'net.ipv4.conf.lb2.rp_filter=0'):
        sh('sysctl', '-qw', k, ns='lb')
    for k in ('net.ipv4.tcp_tw_reuse=1', 'net.ipv4.ip_local_port_range=10000 65000'):
        sh('sysctl', '-qw', k, ns='cl')
    # DSR: the backends also answer for the VIP
    for b in ('b1', 'b2'):
        sh('ip', '-n', NS[b], 'addr', 'add', VIP + '/32', 'dev', 'lo')
    # a veth hands on locally made TCP with only a partial checksum (the
    # "hardware" is to finish it); a frame that XDP redirects loses that
    # mark and would arrive with a wrong checksum: the senders finish their
    # own checksums, as a real NIC's peer would
    for ns, dev in (('cl', 'cl0'), ('b1', 'b10'), ('b2', 'b20')):
        sh('ethtool', '-K', dev, 'tx', 'off', ns=ns)
    # frames sent into a veth by XDP arrive only if the far end has XDP
    for ns, dev in (('cl', 'cl0'), ('b1', 'b10'), ('b2', 'b20')):
        sh('ip', '-n', NS[ns], 'link', 'set', 'dev', dev, 'xdpdrv', 'obj', PASS_OBJ, 'sec', 'xdp')


def teardown_net():
    for n in NS.values():
        sh('ip', 'netns', 'del', n, check=False)


class Nginx:
    def __init__(self, name):
        self.name = name
        d = os.path.join(TMP, name)
        os.makedirs(os.path.join(d, 'www'))
        with open(os.path.join(d, 'www', 'index.html'), 'w') as f:
            f.write(name + '\n')
        self.conf = os.path.join(d, 'nginx.conf')
        with open(self.conf, 'w') as f:
            f.write("""worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_timeout 0;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    server { listen 80 reuseport; root %(d)s/www; }
}
""" % {'d': d})
        self.p = subprocess.Popen(['ip', 'netns', 'exec', NS[name], 'nginx', '-c', self.conf,
                                   '-g', 'daemon off;'], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(10)


def sluiced(conf):
    return Daemon(conf, tmp=TMP, start_timeout=20, argv=lambda d: [
        'ip', 'netns', 'exec', NS['lb'], SLUICED, '--dataplane', 'xdp', '--iface', 'lb0,lb1,lb2',
        '-c', d.conf, '-s', d.sock, '--metrics', '127.0.0.1:9464', '--log', 'stderr'])


def curl(n):
    """n new connections to the VIP; which backend answered each."""
    return curl_many(lambda: sh('curl', '-s', '-m', '3', 'http://%s/' % VIP, check=False,
                                ns='cl').stdout, n)


def xdp_attached(ns, dev):
    return 'xdp' in sh('ip', '-n', NS[ns], 'link', 'show', 'dev', dev).stdout


def test_xdp_end_to_end():
    if os.geteuid() != 0:
        skip('namespaces and XDP need root')
    for tool in ('nginx', 'curl', 'wrk', 'prometheus-pushgateway'):
        if not shutil.which(tool):
            skip('%s is not installed (deploy/install-deps.sh installs it)' % tool)
    setup_net()
    ngs, d, gw = [], None, None
    try:
        ngs = [Nginx('b1'), Nginx('b2')]
        for b, ip in (('b1', '10.210.1.2'), ('b2', '10.210.2.2')):
            wait_for(lambda: sh('curl', '-s', '-m', '2', 'http://%s/' % ip, check=False,
                                ns='lb').stdout.strip() == b, 10, 'nginx in ' + b)
        # a real Pushgateway beside sluiced, in the lb namespace
        gw = subprocess.Popen(['ip', 'netns', 'exec', NS['lb'], 'prometheus-pushgateway',
                               '--web.listen-address=127.0.0.1:9091'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        d = sluiced('add service www %s:80 proto tcp sched rr mode nat\n'
                    'add backend www 10.210.1.2:80\nadd backend www 10.210.2.2:80\n'
                    'set service www check tcp interval 1s timeout 500ms\n'
                    'add sink pg pushgateway http://127.0.0.1:9091 interval 1s\n' % VIP)
        assert all(xdp_attached('lb', dev) for dev in ('lb0', 'lb1', 'lb2'))
        ncpu = os.cpu_count() or 1

        # NAT, round robin: 100 new connections
        seen, failed = curl(100)
        print('     nat rr: %s, %d failed' % (seen, failed))
        assert failed == 0, seen
        assert abs(seen['b1'] - 50) <= ncpu and abs(seen['b2'] - 50) <= ncpu, seen
        st = d.json('show stats')
        assert st['flow_new'] >= 100 and st['tx_pkts'] > 0, st
        be = {b['backend']: b for b in d.json('show backends www')['backends']}
        assert be['10.210.1.2:80']['new_flows'] == seen['b1'], be
        assert be['10.210.2.2:80']['new_flows'] == seen['b2'], be
        sv = d.json('show services')['services'][0]
        assert sv['new_flows'] == 100 and sv['packets'] > 0, sv
        ports = {p['name']: p for p in d.json('show ports')['ports']}
        assert sorted(ports) == ['lb0', 'lb1', 'lb2'], ports
        assert all(p['link'] == 'up' and p['rx_packets'] > 0 for p in ports.values()), ports
        flows = d.json('show flows www')['flows']
        assert flows and flows[0]['vip'] == VIP + ':80', flows[:2]
        # the same counters, scraped from /metrics by a real client
        text = sh('curl', '-s', 'http://127.0.0.1:9464/metrics', ns='lb').stdout
        m = {}
        for line in text.splitlines():
            if line and not line.startswith('#'):
                k, v = line.rsplit(' ', 1)
                m[k] = float(v)
        assert m['sluice_service_new_flows_total{service="www"}'] == sv['new_flows'], m
        for b, n in (('10.210.1.2:80', seen['b1']), ('10.210.2.2:80', seen['b2'])):
            assert m['sluice_backend_new_flows_total{service="www",backend="%s"}' % b] == n
        assert sum(v for k, v in m.items() if k.startswith('sluice_flows_new_total')) >= 100
        if shutil.which('promtool'):
            r = subprocess.run(['promtool', 'check', 'metrics'], input=text, capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stdout + r.stderr
        # and pushed: the gateway holds the same figures
        host = socket.gethostname()
        key = 'sluice_service_new_flows_total{instance="%s",job="sluice",service="www"}' % host

        def gateway_value():
            out = sh('curl', '-s', 'http://127.0.0.1:9091/metrics', ns='lb', check=False).stdout
            for line in out.splitlines():
                if line.startswith(key + ' '):
                    return float(line.rsplit(' ', 1)[1])
            return None
        wait_for(lambda: gateway_value() == sv['new_flows'], 15, 'the pushed new flows')
        print('     pushgateway: %s = %d, as show services says' % (key.split('{')[0],
                                                                 gateway_value()))

        # drain: no new connection reaches the drained backend
        assert d.cmd('set backend www/10.210.1.2:80 state drain') == ''
        seen, failed = curl(20)
        assert failed == 0 and seen['b1'] == 0 and seen['b2'] == 20, seen
        assert d.cmd('set backend www/10.210.1.2:80 state ready') == ''

        # the firewall: a denied port and a denied source prefix are dropped
        # and counted, by rule
        assert d.cmd('add service alt %s:8080 mode nat' % VIP) == ''
        assert d.cmd('add backend alt 10.210.1.2:80') == ''
        assert sh('curl', '-s', '-m', '2', 'http://%s:8080/' % VIP, check=False,
                  ns='cl').stdout.strip() == 'b1'
        assert d.cmd('add acl 10 deny proto tcp dport 8080') == ''
        r = sh('curl', '-s', '-m', '1', 'http://%s:8080/' % VIP, check=False, ns='cl')
        assert r.returncode != 0, r.stdout
        assert d.cmd('add acl 20 deny proto tcp src 10.210.0.0/24 dport 80') == ''
        r = sh('curl', '-s', '-m', '1', 'http://%s/' % VIP, check=False, ns='cl')
        assert r.returncode != 0, r.stdout
        acl = {x['priority']: x['packets'] for x in d.json('show acl')['rules']}
        drops = d.json('show stats')['drops']['acl_deny']
        print('     acl: rule 10 %d packets, rule 20 %d packets, %d dropped' %
              (acl[10], acl[20], drops))
        assert acl[10] >= 1 and acl[20] >= 1 and drops >= acl[10] + acl[20], (acl, drops)
        assert d.cmd('del acl 20') == '' and d.cmd('del acl 10') == ''
        assert d.cmd('del service alt') == ''
        seen, failed = curl(4)
        assert failed == 0, seen

        # DSR: the backends hold the VIP; replies go back through the kernel
        assert d.cmd('set service www mode dsr') == ''
        seen, failed = curl(40)
        print('     dsr rr: %s, %d failed' % (seen, failed))
        assert failed == 0 and abs(seen['b1'] - 20) <= ncpu, seen

        # the backend set changes every 100 ms under load: no request fails
        assert d.cmd('set service www mode nat') == ''
        stop = threading.Event()
        changes = [0]

        def churn():
            k = 0
            while not stop.is_set():
                line = ('set backend www/10.210.2.2:80 weight %d' % (1 + k % 3)) if k % 2 else \
                       ('set backend www/10.210.1.2:80 state %s' % ('drain' if k % 4 == 0 else 'ready'))
                if d.cmd(line) == '':
                    changes[0] += 1
                k += 1
                time.sleep(0.1)

        t = threading.Thread(target=churn)
        t.start()
        r = sh('wrk', '-t1', '-c8', '-d5s', '-H', 'Connection: close', 'http://%s/' % VIP,
               ns='cl', check=False)
        stop.set()
        t.join()
        out = r.stdout
        print('     wrk under %d changes: %s' % (changes[0], ' '.join(
            l.strip() for l in out.splitlines() if 'requests in' in l or 'Socket errors' in l
            or 'Non-2xx' in l)))
        assert r.returncode == 0 and 'requests in' in out, out
        assert 'Socket errors' not in out and 'Non-2xx' not in out, out
        assert changes[0] >= 20
    finally:
        if d:
            d.stop()
        for ng in ngs:
            ng.stop()
        if gw:
            gw.terminate()
            gw.wait(10)
        # detached on exit
        if d:
            assert not xdp_attached('lb', 'lb0'), 'XDP left attached after stop'
            assert not os.path.exists('/sys/fs/bpf/sluice/lb0'), 'maps left pinned'
        teardown_net()


if __name__ == '__main__':
    if not SLUICED or not PASS_OBJ:
        print('SLUICED and XDP_PASS_OBJ must be set (meson test does)')
        sys.exit(1)
    run_tests([test_xdp_end_to_end])

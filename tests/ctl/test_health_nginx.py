#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Health checks against real nginx backends in network namespaces.

Two backend namespaces, each with nginx on HTTP and HTTPS, reached over
veth pairs from the namespace sluiced runs in. For each check type (HTTP
GET, TCP connect, TLS handshake): stop one nginx and it goes down within
fall x interval (plus one interval of phase and some slack) and leaves the
engine's table (no new flows); start it and it comes back within
rise x interval the same way. Needs root (namespaces); skips otherwise."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import Daemon, run_tests, skip, wait_for

TAG = str(os.getpid() % 100000)
NS = ['slhc%s-b%d' % (TAG, i) for i in (1, 2)]
ADDR = ['10.201.%d.2' % i for i in (1, 2)]
TMP = tempfile.mkdtemp(prefix='sluice-hc-')
os.chmod(TMP, 0o755)        # nginx's workers run as www-data
INTERVAL_MS, TIMEOUT_MS, RISE, FALL = 300, 200, 2, 3


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def setup_net():
    for i, ns in enumerate(NS, 1):
        sh('ip', 'netns', 'add', ns)
        host_if, ns_if = 'slhc%sh%d' % (TAG, i), 'slhc%sn%d' % (TAG, i)
        sh('ip', 'link', 'add', host_if, 'type', 'veth', 'peer', 'name', ns_if)
        sh('ip', 'link', 'set', ns_if, 'netns', ns)
        sh('ip', 'addr', 'add', '10.201.%d.1/24' % i, 'dev', host_if)
        sh('ip', 'link', 'set', host_if, 'up')
        sh('ip', '-n', ns, 'addr', 'add', '10.201.%d.2/24' % i, 'dev', ns_if)
        sh('ip', '-n', ns, 'link', 'set', ns_if, 'up')
        sh('ip', '-n', ns, 'link', 'set', 'lo', 'up')


def teardown_net():
    for ns in NS:
        sh('ip', 'netns', 'del', ns, check=False)


def make_cert():
    sh('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
       '-keyout', os.path.join(TMP, 'b.key'), '-out', os.path.join(TMP, 'b.pem'),
       '-subj', '/CN=backend')


class Nginx:
    def __init__(self, i):
        self.i, self.p = i, None
        d = os.path.join(TMP, 'nginx%d' % i)
        os.makedirs(os.path.join(d, 'www'), exist_ok=True)
        with open(os.path.join(d, 'www', 'index.html'), 'w') as f:
            f.write('backend %d\n' % i)
        self.conf = os.path.join(d, 'nginx.conf')
        with open(self.conf, 'w') as f:
            f.write("""
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    server {
        listen %(a)s:80;
        listen %(a)s:443 ssl;
        ssl_certificate %(t)s/b.pem;
        ssl_certificate_key %(t)s/b.key;
        root %(d)s/www;
    }
}
""" % {'d': d, 'a': ADDR[i - 1], 't': TMP})

    def start(self):
        self.p = subprocess.Popen(['ip', 'netns', 'exec', NS[self.i - 1], 'nginx', '-c',
                                   self.conf, '-g', 'daemon off;'],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: sh('ip', 'netns', 'exec', NS[self.i - 1], 'ss', '-ltn',
                            'sport = :80').stdout.count('LISTEN') > 0, 10, 'nginx to listen')

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(10)
        self.p = None


def health(d, addr):
    for h in d.json('show backends www')['backends']:
        if h['backend'] == addr + ':80' or h['backend'].startswith(addr + ':'):
            return h['health']
    return None


def in_table(d, addr):
    rec = d.record().splitlines()
    ids = {l.split()[1] for l in rec if l.startswith('be ') and l.split()[4].startswith(addr + ':')}
    svc = [l for l in rec if l.startswith('svc ') and l.split()[2] == 'www'][0]
    slots = {x.split(':')[0] for x in svc.split()[9:]}
    return bool(ids & slots)


def cycle(d, ng, kind, port):
    """Stop backend 1, time its fall; start it, time its rise."""
    a = ADDR[0]
    wait_for(lambda: health(d, a) == 'up' and in_table(d, a), 10, '%s: backend up' % kind)
    t0 = time.time()
    ng.stop()
    wait_for(lambda: health(d, a) == 'down', 10, '%s: backend down' % kind)
    down_s = time.time() - t0
    assert not in_table(d, a), 'down backend still gets new flows'
    assert in_table(d, ADDR[1]), 'the healthy backend must stay'
    t0 = time.time()
    ng.start()
    wait_for(lambda: health(d, a) == 'up', 10, '%s: backend up again' % kind)
    up_s = time.time() - t0
    assert in_table(d, a)
    fall_bound = (FALL + 1) * INTERVAL_MS / 1000 + TIMEOUT_MS / 1000 + 1.0
    rise_bound = (RISE + 1) * INTERVAL_MS / 1000 + TIMEOUT_MS / 1000 + 1.0
    print('     %-4s down after %.2fs (fall x interval = %.2fs), up after %.2fs '
          '(rise x interval = %.2fs)' % (kind, down_s, FALL * INTERVAL_MS / 1000, up_s,
                                        RISE * INTERVAL_MS / 1000))
    assert down_s <= fall_bound, (kind, down_s, fall_bound)
    assert up_s <= rise_bound, (kind, up_s, rise_bound)


def test_health_checks_with_nginx():
    if os.geteuid() != 0:
        skip('network namespaces need root')
    if not shutil.which('nginx'):
        skip('nginx is not installed (deploy/install-deps.sh installs it)')
    setup_net()
    make_cert()
    ngs = [Nginx(1), Nginx(2)]
    d = None
    try:
        for ng in ngs:
            ng.start()
        conf = ('add service www 198.51.100.10:80\n'
                'add backend www %s:80\nadd backend www %s:80\n' % tuple(ADDR))
        d = Daemon(conf)
        for kind, port in (('http', 80), ('tcp', 80), ('tls', 443)):
            if kind == 'tls':
                # the same backends, checked on their TLS port
                assert d.cmd('del backend www/%s:80' % ADDR[0]) == ''
                assert d.cmd('del backend www/%s:80' % ADDR[1]) == ''
                assert d.cmd('add backend www %s:443' % ADDR[0]) == ''
                assert d.cmd('add backend www %s:443' % ADDR[1]) == ''
            extra = ' path / expect 200' if kind == 'http' else ''
            r = d.cmd('set service www check %s interval %dms timeout %dms rise %d fall %d%s'
                      % (kind, INTERVAL_MS, TIMEOUT_MS, RISE, FALL, extra))
            assert r == '', r
            cycle(d, ngs[0], kind, port)
        h = d.json('show health www')['health']
        assert len(h) == 2 and all(x['check'] == 'tls' for x in h), h
        assert h[0]['checks'] > 0 and h[0]['changes'] >= 2, h[0]
        log = d.log_text()
        assert 'backend www/%s:80 is down' % ADDR[0] in log, log
        assert 'backend www/%s:443 is up' % ADDR[0] in log, log
        assert d.json('show health www')['health'][0]['changes'] >= 2
        # back to the HTTP port for the rest
        for a in ADDR:
            assert d.cmd('del backend www/%s:443' % a) == ''
            assert d.cmd('add backend www %s:80' % a) == ''
        # an expected status that nginx does not give: both go down, and with
        # all-down drop the table is empty
        assert d.cmd('set service www check http interval %dms timeout %dms rise 1 fall 1 '
                     'path /missing expect 200' % (INTERVAL_MS, TIMEOUT_MS)) == ''
        wait_for(lambda: all(x['health'] == 'down'
                             for x in d.json('show backends www')['backends']), 10, 'all down')
        assert 'http status 404, expected 200' in d.cmd('show health www'), \
            d.cmd('show health www')
        assert not in_table(d, ADDR[0]) and not in_table(d, ADDR[1])
        # keep-last: the last table stays
        assert d.cmd('set service www check http interval %dms timeout %dms rise 1 fall 1 '
                     'path / expect 200' % (INTERVAL_MS, TIMEOUT_MS)) == ''
        wait_for(lambda: in_table(d, ADDR[0]) and in_table(d, ADDR[1]), 10, 'back up')
        assert d.cmd('set service www all-down keep-last') == ''
        assert d.cmd('set service www check http interval %dms timeout %dms rise 1 fall 1 '
                     'path /missing expect 200' % (INTERVAL_MS, TIMEOUT_MS)) == ''
        wait_for(lambda: all(x['health'] == 'down'
                             for x in d.json('show backends www')['backends']), 10, 'all down')
        # the last table that had a backend: the one that went down last
        assert in_table(d, ADDR[0]) or in_table(d, ADDR[1]), 'keep-last keeps the last table'
    finally:
        if d:
            d.stop()
        for ng in ngs:
            ng.stop()
        teardown_net()


if __name__ == '__main__':
    run_tests([test_health_checks_with_nginx])

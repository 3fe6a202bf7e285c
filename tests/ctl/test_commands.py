#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The control socket, command by command: every show in text and JSON,
every mutation and its effect on what the engine is told, every way a
command can be wrong (the reply names why, and neither the configuration
nor the engine changes), reloads, save/load, and the socket's edges."""
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time

from harness import Client, Daemon, ctl, run_tests, wait_for, SLUICED

BASE = """\
add service www 198.51.100.10:80 proto tcp sched rr mode nat
add backend www 127.0.1.11:80 weight 1
add backend www 127.0.1.12:80 weight 1
add service dns [2001:db8::53]:53 proto udp sched maglev maglev-size 251
add backend dns [2001:db8::1]:53 weight 2
add service edge 198.51.100.20:443 proto tcp mode dsr
add backend edge 127.0.2.1:443
add service app 198.51.100.31:8080
add backend app 127.0.4.1:80
set acl default deny
add acl 10 allow proto tcp dst 198.51.100.10/32 dport 80
"""


def be_line(d, addr):
    for line in d.record().splitlines():
        if line.startswith('be ') and line.split()[4] == addr:
            return line
    return None


def svc_line(d, name):
    for line in d.record().splitlines():
        if line.startswith('svc ') and line.split()[2] == name:
            return line
    return None


def test_show_text_and_json():
    d = Daemon(BASE)
    try:
        out = d.cmd('show services')
        assert out.splitlines()[0].split()[:3] == ['NAME', 'VIP', 'PROTO'], out
        assert 'www' in out and '[2001:db8::53]:53' in out
        s = d.json('show services')
        assert [x['name'] for x in s['services']] == ['www', 'dns', 'edge', 'app']
        assert s['services'][0]['backends'] == 2 and s['services'][0]['up'] == 2
        b = d.json('show backends www')
        assert [x['backend'] for x in b['backends']] == ['127.0.1.11:80', '127.0.1.12:80']
        assert all(x['eligible'] for x in b['backends'])
        assert len(d.json('show backends')['backends']) == 5
        a = d.json('show acl')
        assert a['default'] == 'deny' and a['rules'][0]['priority'] == 10
        assert 'default' in d.cmd('show acl')
        st = d.json('show stats')
        assert st['engine'] == 'record' and st['cores'] == 2 and st['generation'] == 1
        assert 'ipv4_truncated' in st['drops']
        assert 'engine record' in d.cmd('show stats')
        assert d.json('show flows')['flows'] == []
        assert d.json('show health')['health'] == []
        assert d.json('show sinks')['sinks'] == []
        assert d.json('show certs')['certs'] == []
        assert d.json('show ports')['ports'] == []     # the recording engine has none
        assert d.cmd('show ports').startswith('PORT ')
        assert d.json('show config')['config'] == d.save() + '\n'
        assert 'add service' in d.cmd('help')
        assert d.cmd('') == ''
        assert d.cmd('# just a comment') == ''
    finally:
        d.stop()


def test_mutations_reach_the_engine():
    d = Daemon(BASE)
    try:
        assert d.record_gen() == 1
        assert d.cmd('add backend www 127.0.1.13:80 weight 2') == ''
        assert d.record_gen() == 2
        assert 'eligible' in be_line(d, '127.0.1.13:80')
        assert svc_line(d, 'www').split()[8] == '3'          # rr: one slot each
        assert d.cmd('set backend www/127.0.1.13:80 state drain') == ''
        line = be_line(d, '127.0.1.13:80')
        assert 'eligible' not in line and 'alive' in line, line
        assert svc_line(d, 'www').split()[8] == '2'
        assert d.cmd('set backend www/127.0.1.13:80 state maint') == ''
        line = be_line(d, '127.0.1.13:80')
        assert 'alive' not in line and 'in_svc' not in line, line
        assert d.cmd('set backend www/127.0.1.13:80 state ready weight 0') == ''
        assert 'eligible' not in be_line(d, '127.0.1.13:80')
        assert d.cmd('set service www sched wrr') == ''
        assert d.cmd('set backend www/127.0.1.13:80 weight 2') == ''
        assert svc_line(d, 'www').split()[8] == '4'          # wrr 1:1:2
        assert d.cmd('del backend www/127.0.1.13:80') == ''
        assert be_line(d, '127.0.1.13:80') is None
        assert d.cmd('add service api 198.51.100.30:8080') == ''
        assert svc_line(d, 'api') is not None
        assert d.cmd('del service api') == ''
        assert svc_line(d, 'api') is None
        assert d.cmd('add acl 5 deny proto udp src 127.0.0.0/8') == ''
        assert d.cmd('set acl default allow') == ''
        rec = d.record()
        assert 'acl 5 deny\nacl 10 allow\ndefault allow' in rec, rec
        assert d.cmd('del acl 5') == ''
        assert d.cmd('set timeout tcp 60s') == ''
        assert d.cmd('set flows size 65536') == ''
        assert d.cmd('add sink m pushgateway http://127.0.0.1:9091') == ''
        assert d.json('show sinks')['sinks'][0]['name'] == 'm'
        s = d.save()
        assert 'set timeout tcp 60s' in s and 'set flows size 65536' in s
        # ids are stable: www's backends keep theirs across all of this
        ids = [l.split()[1] for l in d.record().splitlines() if ' 127.0.1.1' in l]
        assert ids == ['0', '1'], ids
        st = d.json('show stats')
        assert st['control']['mutations'] == 15, st['control']
    finally:
        d.stop()


REFUSALS = [
    ('frobnicate', 'unknown command'),
    ('add', 'missing what to add'),
    ('add backend nosuch 127.0.0.1:80', "unknown service 'nosuch'"),
    ('add backend www 127.0.1.11:80', 'already in service'),
    ('add backend www 127.0.1.300:80', 'bad backend'),
    ('add backend www 127.0.1.14:0', 'out of range'),
    ('add backend www 127.0.1.14:65536', 'out of range'),
    ('add backend www 127.0.1.14:80 weight 257', 'out of range'),
    ('add backend www 127.0.1.14:80 weight heavy', 'not a number'),
    ('add backend www 127.0.1.14:80 weight 99999999999999999999', 'out of range'),
    ('add backend www [2001:db8::9]:80', 'IPv6 but service'),
    ('add backend edge 127.0.2.2:8443', 'keeps the destination port'),
    ('add backend www 127.0.1.14:80 colour red', 'unknown backend option'),
    ('set backend www/127.0.9.9:80 state drain', 'no backend'),
    ('set backend www/127.0.1.11:80 state sleepy', 'unknown state'),
    ('set backend www/127.0.1.11:80', 'missing option'),
    ('del backend www/127.0.9.9:80', 'no backend'),
    ('del backend nosuch/127.0.1.11:80', "unknown service 'nosuch'"),
    ('add service www 198.51.100.99:80', "already exists"),
    ('add service web2 198.51.100.10:80', "already listens on"),
    ('add service t 198.51.100.40:443 mode tls', 'needs'),
    ('add service t 198.51.100.40:443 mode tls cert nosuch', "unknown certificate"),
    ('add service t 198.51.100.40:80 sched maglev maglev-size 100', 'not prime'),
    ('add service t 198.51.100.40:80 tunnel gue', 'for mode tunnel'),
    ('add service t 198.51.100.40:80 mode dsr snat 127.0.0.1', "'snat' is for mode nat"),
    ('add service bad/name 198.51.100.40:80', 'may hold only'),
    ('add service json 198.51.100.40:80', 'reserved'),
    ('set service nosuch sched rr', "unknown service 'nosuch'"),
    ('set service app mode dsr', 'keeps the destination port'),
    ('set service www check http interval 1s timeout 2s', 'must not exceed'),
    ('del service nosuch', "unknown service 'nosuch'"),
    ('add acl 10 allow', 'already exists'),
    ('add acl 11 allow src 127.0.0.1/8', 'did you mean 127.0.0.0/8'),
    ('add acl 11 allow dport 80', "need 'proto tcp' or 'proto udp'"),
    ('add acl 11 allow src 127.0.0.0/8 dst 2001:db8::/32', 'different families'),
    ('del acl 99', 'no acl rule 99'),
    ('set acl default maybe', 'unknown action'),
    ('add cert c chain /etc/passwd key /etc/passwd', 'outside the certificate directory'),
    ('add cert c chain relative.pem key k.pem', 'must be absolute'),
    ('del cert nosuch', "unknown certificate"),
    ('add sink s pushgateway ftp://x', 'bad URL'),
    ('add sink s statsd nohostport', 'expected HOST:PORT'),
    ('del sink nosuch', "unknown sink"),
    ('set flows size 12', 'out of range'),
    ('set timeout tcp 500ms', 'out of range'),
    ('show nothing', 'unknown show'),
    ('show backends nosuch', "unknown service 'nosuch'"),
    ('save now', 'unexpected word'),
    ('add backend www 127.0.1.14:80 \x01', 'control character'),
]


def test_flows_of_a_reused_service_id():
    """A removed service's id given to a new service: the flows the engine
    still keeps from the old one (SLUICE_RECORD_FLOWS: one a service) are
    not listed as the new one's."""
    d = Daemon('add service a 198.51.100.41:80 proto tcp\n'
               'add backend a 127.0.5.1:80\n', env={'SLUICE_RECORD_FLOWS': '1'})
    try:
        f = d.json('show flows')['flows']
        assert [(x['service'], x['vip']) for x in f] == [('a', '198.51.100.41:80')], f
        assert d.cmd('del service a') == ''
        assert d.cmd('add service b 198.51.100.42:80 proto tcp') == ''
        assert d.cmd('add backend b 127.0.5.2:80') == ''
        assert svc_line(d, 'b').split()[1] == '0'          # a's id
        for cmd in ('show flows', 'show flows b'):
            f = d.json(cmd)['flows']
            assert [(x['service'], x['vip'], x['backend']) for x in f] == \
                [('b', '198.51.100.42:80', '127.0.5.2:80')], (cmd, f)
        out = d.cmd('show flows')
        assert '198.51.100.41' not in out and '198.51.100.42:80' in out, out
    finally:
        d.stop()


def test_refusals_change_nothing():
    d = Daemon(BASE)
    try:
        before, gen = d.save(), d.record_gen()
        c = d.client()
        for line, why in REFUSALS:
            r = c.cmd(line)
            assert r.startswith('error: '), (line, r)
            assert '\n' not in r, ('one line', line, r)
            assert why in r, (line, r, why)
            assert d.save() == before, ('state changed by', line)
            assert d.record_gen() == gen, ('engine told by', line)
        c.close()
        assert d.json('show stats')['control']['refused'] == len(REFUSALS)
    finally:
        d.stop()


def test_engine_refusal_changes_nothing():
    # apply 1 is the start; the 2nd is refused by the engine
    d = Daemon(BASE, env={'SLUICE_RECORD_REFUSE': '2'})
    try:
        before = d.save()
        r = d.cmd('add backend www 127.0.1.13:80')
        assert r.startswith('error: record engine: refusing'), r
        assert d.save() == before and d.record_gen() == 1
        assert d.cmd('add backend www 127.0.1.13:80') == ''
        assert d.record_gen() == 2
    finally:
        d.stop()


def test_save_load_round_trip():
    d = Daemon(BASE)
    try:
        os.makedirs(d.certs, exist_ok=True)
        for n in ('www.pem', 'www.key'):
            with open(os.path.join(d.certs, n), 'w') as f:
                f.write('placeholder\n')
        for line in [
            'add cert www chain %s/www.pem key %s/www.key' % (d.certs, d.certs),
            'add service tls 198.51.100.10:443 mode tls cert www',
            'add backend tls 127.0.1.11:443 weight 3',
            'add service tun 198.51.100.50:80 mode tunnel tunnel gue gue-port 6081',
            'add backend tun 127.0.3.1:80 state drain',
            'add service keep 198.51.100.60:80 all-down keep-last snat 10.9.9.9',
            'set service www check http interval 500ms timeout 200ms rise 3 fall 4 path /health expect 204',
            'set service dns check tcp',
            'set backend www/127.0.1.12:80 state maint',
            'add acl 20 deny proto udp src 127.0.0.0/8 sport 1-1023 dport 53',
            'add acl 30 allow proto icmpv6 dst 2001:db8::/32',
            'add sink sumo http http://127.0.0.1:9/r format carbon2 gzip on category lb/www interval 30s',
            'add sink st statsd 127.0.0.1:8125 interval 5s',
            'add sink g graphite [::1]:2003',
            'set timeout udp 30s',
        ]:
            assert d.cmd(line) == '', line
        saved = d.save()
        rc, out, err = ctl('save', sock=d.sock)
        assert rc == 0 and out == saved + '\n', (rc, err)
        # the certificates are in d's directory: d2 may read there too
        d2 = Daemon(saved + '\n', extra=['--cert-dir', d.certs])
        assert d2.save() == saved
        d2.stop()
        with open(os.path.join(d.tmp, 'saved.conf'), 'w') as f:
            f.write(out)
        p = subprocess.run([SLUICED, '--check', os.path.join(d.tmp, 'saved.conf')],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == saved.strip()
    finally:
        d.stop()


def test_reload_whole_or_nothing():
    d = Daemon(BASE)
    try:
        with open(d.conf, 'w') as f:
            f.write(BASE + 'add backend www 127.0.1.13:80\n')
        d.signal(signal.SIGHUP)
        wait_for(lambda: '127.0.1.13:80' in d.save(), 5, 'the reload')
        gen = d.record_gen()
        good = d.save()
        # line 3 is wrong: nothing of the file is taken
        with open(d.conf, 'w') as f:
            f.write('add service x 198.51.100.70:80\nadd backend x 127.0.5.1:80\n'
                    'add backend x 127.0.5.1:80\n')
        d.signal(signal.SIGHUP)
        wait_for(lambda: 'reload refused' in d.log_text(), 5, 'the refusal in the log')
        assert ':3: backend 127.0.5.1:80 already in service' in d.log_text(), d.log_text()
        assert d.save() == good and d.record_gen() == gen
        st = d.json('show stats')['control']
        assert st['reloads'] == 1 and st['reloads_refused'] == 1, st
    finally:
        d.stop()


def test_protocol_edges():
    d = Daemon(BASE)
    try:
        c = d.client()
        c.send_raw(b'x' * 5000 + b'\n')
        assert c.read_reply() == 'error: line too long (5000 bytes, at most 4096)'
        # longer than the server buffers: discarded as it comes, up to its newline
        c.send_raw(b'add acl 77 allow ' + b'y' * 200000 + b'\n')
        assert c.read_reply() == 'error: line too long (more than 4096 bytes)'
        assert 'acl 77' not in d.save()
        assert 'www' in c.cmd('show services')      # still usable
        c.send_raw(b'show\x00services\n')
        assert 'NUL byte' in c.read_reply()
        # pipelined: replies in order
        c.send_raw(b'show acl json\nadd acl 50 allow\ndel acl 50\nshow acl json\n')
        r1, r2, r3, r4 = [c.read_reply() for _ in range(4)]
        assert json.loads(r1)['rules'][0]['priority'] == 10 and r2 == '' and r3 == ''
        assert r1 == r4
        c.send_raw(b'show services\r\n')
        assert 'www' in c.read_reply()
        # a last command without a newline is run when the client closes
        c.send_raw(b'add acl 60 allow')
        c.s.shutdown(socket.SHUT_WR)
        assert c.read_reply() == ''
        c.close()
        assert 'add acl 60 allow' in d.save()
        # a client that closes in the middle of a line
        c = d.client()
        c.send_raw(b'add backend www 10.0.1.')
        c.close()
        assert '10.0.1.' not in d.save().replace('127.0.1.11', '').replace('127.0.1.12', '')
        st = d.json('show stats')['control']
        assert st['lines_too_long'] == 1, st
    finally:
        d.stop()


def test_idle_timeout_and_max_clients():
    d = Daemon(BASE, extra=['--idle-timeout', '1s', '--max-clients', '2'])
    try:
        time.sleep(0.5)         # the harness's own probe connection is gone
        a, b = d.client(), d.client()
        assert 'www' in a.cmd('show services')
        assert 'www' in b.cmd('show services')
        c = d.client()
        assert c.read_reply() == 'error: too many clients'
        c.close()
        t0 = time.time()
        a.s.settimeout(10)
        assert a.s.recv(10) == b''                   # closed for idleness
        assert time.time() - t0 < 8
        b.close()
        wait_for(lambda: d.json('show stats')['control']['clients'] == 1, 5, 'clients to go')
        st = d.json('show stats')['control']
        assert st['idle_closed'] >= 1, st
    finally:
        d.stop()


def test_socket_security():
    d = Daemon(BASE)
    try:
        st = os.stat(d.sock)
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
        assert st.st_uid == os.getuid()
        # a second daemon on the same socket is refused and leaves it alone
        p = subprocess.run([SLUICED, '--dataplane', 'record', '-c', d.conf, '-s', d.sock,
                            '--log', 'stderr', '--', d.rec + '2'],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 1 and 'another sluiced is listening' in p.stderr, p.stderr
        assert 'www' in d.cmd('show services')
    finally:
        d.stop()
    # a socket left by a killed daemon is replaced
    d = Daemon(BASE)
    d.kill()
    assert os.path.exists(d.sock)
    d2 = Daemon(BASE, tmp=d.tmp)
    try:
        assert 'www' in d2.cmd('show services')
    finally:
        d2.stop()
    d = Daemon(BASE, extra=['--socket-mode', '0660'])
    try:
        assert stat.S_IMODE(os.stat(d.sock).st_mode) == 0o660
    finally:
        d.stop()


def test_sluicectl():
    d = Daemon(BASE)
    try:
        rc, out, err = ctl('show', 'services', sock=d.sock)
        assert rc == 0 and 'www' in out and err == ''
        rc, out, err = ctl('--json', 'show', 'backends', 'www', sock=d.sock)
        assert rc == 0 and len(json.loads(out)['backends']) == 2
        rc, out, err = ctl('add', 'backend', 'www', '127.0.1.13:80', sock=d.sock)
        assert rc == 0 and out == '' and err == ''
        rc, out, err = ctl('add', 'backend', 'www', '127.0.1.13:80', sock=d.sock)
        assert rc == 1 and out == '' and err.startswith('error: backend 127.0.1.13:80 already')
        rc, out, err = ctl(sock=d.sock, stdin='show acl\nadd acl 70 allow\nbogus\nshow acl\n')
        assert rc == 1 and out.count('PRIO') == 2 and 'unknown command' in err
        rc, out, err = ctl('show', 'services', sock=os.path.join(d.tmp, 'nope.sock'))
        assert rc == 3 and 'is sluiced running' in err
        rc, out, err = ctl('--bogus', sock=d.sock)
        assert rc == 2
        rc, out, err = ctl('--help')
        assert rc == 0 and '--remote' in out
    finally:
        d.stop()


def test_systemd_notify():
    """Type=notify: READY once listening, RELOADING/READY around SIGHUP,
    STOPPING on SIGTERM."""
    path = os.path.join(tempfile.mkdtemp(prefix='sluice-notify-'), 'notify')
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    d = Daemon(BASE, env={'NOTIFY_SOCKET': path}, extra=['--notify'])
    try:
        assert s.recv(4096).startswith(b'READY=1')
        d.signal(signal.SIGHUP)
        assert s.recv(4096) == b'RELOADING=1'
        assert s.recv(4096).startswith(b'READY=1')
    finally:
        d.stop()
    assert s.recv(4096) == b'STOPPING=1'
    s.close()


def scrape(url):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get('Content-Type'), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ''


def parse_metrics(text):
    """name{labels} -> value, for the samples (comments skipped)."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            k, v = line.rsplit(' ', 1)
            out[k] = float(v)
    return out


def test_metrics_endpoint():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    d = Daemon(BASE, extra=['--metrics', '127.0.0.1:%d' % port])
    try:
        url = 'http://127.0.0.1:%d' % port
        status, ctype, text = scrape(url + '/metrics')
        assert status == 200 and ctype.startswith('text/plain; version=0.0.4'), (status, ctype)
        if shutil.which('promtool'):
            p = subprocess.run(['promtool', 'check', 'metrics'], input=text, capture_output=True,
                               text=True)
            assert p.returncode == 0, p.stdout + p.stderr
        m = parse_metrics(text)
        assert m['sluice_config_generation'] == 1
        assert m['sluice_backend_weight{service="dns",backend="[2001:db8::1]:53"}'] == 2
        assert m['sluice_backend_up{service="www",backend="127.0.1.11:80"}'] == 1
        assert m['sluice_backend_state{service="www",backend="127.0.1.11:80",state="ready"}'] == 1
        assert m['sluice_acl_packets_total{rule="default",action="deny"}'] == 0
        assert 'sluice_drops_total{core="1",reason="acl_deny"}' in m
        # a change shows in the next scrape
        assert d.cmd('set backend www/127.0.1.11:80 state drain weight 7') == ''
        m = parse_metrics(scrape(url + '/metrics')[2])
        assert m['sluice_config_generation'] == 2 and m['sluice_config_changes_total'] == 1
        assert m['sluice_backend_weight{service="www",backend="127.0.1.11:80"}'] == 7
        assert m['sluice_backend_state{service="www",backend="127.0.1.11:80",state="drain"}'] == 1
        assert scrape(url + '/other')[0] == 404
        # the control socket still answers while scrapes come and go
        assert 'www' in d.cmd('show services')
    finally:
        d.stop()
    p = subprocess.run([SLUICED, '--dataplane', 'record', '-c', 'builtin', '-s', 'none',
                        '--log', 'stderr', '--metrics', 'nowhere', '--', '/tmp/x'],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "bad metrics address 'nowhere'" in p.stderr, p.stderr


def test_sluiced_usage():
    p = subprocess.run([SLUICED, '--help'], capture_output=True, text=True)
    assert p.returncode == 0 and '--dataplane' in p.stdout and 'record' in p.stdout
    p = subprocess.run([SLUICED], capture_output=True, text=True)
    assert p.returncode == 2 and 'which data plane' in p.stderr
    p = subprocess.run([SLUICED, '--dataplane', 'warp'], capture_output=True, text=True)
    assert p.returncode == 2 and "no 'warp' data plane" in p.stderr
    p = subprocess.run([SLUICED, '--dataplane', 'record', '-c', '/nonexistent.conf',
                        '-s', 'none', '--log', 'stderr', '--', '/tmp/x'],
                       capture_output=True, text=True)
    assert p.returncode == 1 and 'cannot open /nonexistent.conf' in p.stderr, p.stderr


if __name__ == '__main__':
    run_tests([test_show_text_and_json, test_mutations_reach_the_engine,
               test_flows_of_a_reused_service_id,
               test_refusals_change_nothing, test_engine_refusal_changes_nothing,
               test_save_load_round_trip, test_reload_whole_or_nothing, test_protocol_edges,
               test_idle_timeout_and_max_clients, test_socket_security, test_sluicectl,
               test_systemd_notify, test_metrics_endpoint, test_sluiced_usage])

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Counters pushed to monitoring sinks: a real Prometheus Pushgateway
(prometheus-pushgateway) started here, and local listeners standing in
for a SumoLogic HTTP source (content type, gzip, category, every line in
its format), StatsD (UDP) and Graphite plaintext (TCP). A sink that goes
away is retried with backoff, its backlog stays bounded with the oldest
payloads dropped and counted, and it recovers without a restart."""
import gzip
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.request

from harness import Daemon, run_tests, skip, wait_for

BASE = """\
add service www 198.51.100.10:80 proto tcp sched rr mode nat
add backend www 127.0.1.11:80 weight 3
add backend www 127.0.1.12:80
"""
HOST = socket.gethostname()


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Gateway:
    def __init__(self, port):
        self.port = port
        self.p = subprocess.Popen(['prometheus-pushgateway',
                                   '--web.listen-address=127.0.0.1:%d' % port],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.up, 20, 'the pushgateway')

    def up(self):
        try:
            urllib.request.urlopen('http://127.0.0.1:%d/metrics' % self.port, timeout=2).read()
            return True
        except OSError:
            return False

    def series(self):
        text = urllib.request.urlopen('http://127.0.0.1:%d/metrics' % self.port,
                                      timeout=5).read().decode()
        out = {}
        for line in text.splitlines():
            if line.startswith('sluice_'):
                k, v = line.rsplit(' ', 1)
                out[k] = float(v)
        return out

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


def sink_status(d, name):
    return [s for s in d.json('show sinks')['sinks'] if s['name'] == name][0]


def test_pushgateway():
    if not shutil.which('prometheus-pushgateway'):
        skip('prometheus-pushgateway is not installed (deploy/install-deps.sh installs it)')
    port = free_port()
    gw = Gateway(port)
    d = Daemon(BASE + 'add sink pg pushgateway http://127.0.0.1:%d interval 1s\n' % port)
    try:
        lbl = '{instance="%s",job="sluice"}' % HOST
        wait_for(lambda: 'sluice_config_generation' + lbl in gw.series(), 10, 'the first push')
        assert d.cmd('set backend www/127.0.1.12:80 weight 7') == ''
        key = ('sluice_backend_weight{backend="127.0.1.12:80",instance="%s",job="sluice",'
               'service="www"}' % HOST)
        wait_for(lambda: gw.series().get(key) == 7, 10, 'the change to reach the gateway')
        g = gw.series()
        st = d.json('show stats')
        assert g['sluice_config_generation' + lbl] == st['generation'], (g, st['generation'])
        assert g['sluice_config_changes_total' + lbl] == st['control']['mutations']
        # the gateway goes away: failures counted, backlog bounded, oldest dropped
        gw.stop()
        wait_for(lambda: sink_status(d, 'pg')['dropped'] > 0, 40, 'payloads to be dropped')
        s = sink_status(d, 'pg')
        print('     gateway down: %d failed, %d dropped, backlog %d, last error "%s"' %
              (s['failed'], s['dropped'], s['backlog'], s['last_error']))
        assert s['failed'] > 0 and s['backlog'] <= 8 and s['last_error'], s
        assert 'www' in d.cmd('show services')           # the daemon never waited
        # back: it recovers by itself
        gw = Gateway(port)
        sent = s['sent']
        wait_for(lambda: sink_status(d, 'pg')['sent'] > sent, 90, 'the sink to recover')
        wait_for(lambda: 'sluice_config_generation' + lbl in gw.series(), 10, 'pushes again')
    finally:
        d.stop()
        gw.stop()


class Sumo(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        Sumo.got.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_sumo_statsd_graphite():
    hport, uport, tport = free_port(), free_port(socket.SOCK_DGRAM), free_port()
    httpd = socketserver.TCPServer(('127.0.0.1', hport), Sumo)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('127.0.0.1', uport))
    udp.settimeout(10)
    tcp = socket.socket()
    tcp.bind(('127.0.0.1', tport))
    tcp.listen(4)
    tcp.settimeout(10)
    d = Daemon(BASE +
               'add sink sumo http http://127.0.0.1:%d/receiver format carbon2 gzip on '
               'category lb/www interval 1s\n' % hport +
               'add sink sd statsd 127.0.0.1:%d interval 1s\n' % uport +
               'add sink gr graphite 127.0.0.1:%d interval 1s\n' % tport)
    try:
        # statsd: whole lines, datagrams within 1400 bytes
        grams = [udp.recv(65536) for _ in range(5)]
        assert all(len(g) <= 1400 for g in grams), [len(g) for g in grams]
        lines = b'\n'.join(grams).decode().splitlines()
        assert all(re.match(r'^sluice\.[\w-]+\.[\w.-]+:[0-9.e+-]+\|g$', l) for l in lines), lines[:5]
        assert any(l.endswith('sluice_config_generation:1|g') for l in lines), lines[:5]
        # graphite plaintext over TCP
        c, _ = tcp.accept()
        c.settimeout(10)
        data = b''
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
        c.close()
        glines = data.decode().splitlines()
        assert glines and all(re.match(r'^sluice\.[\w-]+\.[\w.-]+ [0-9.e+-]+ \d{10}$', l)
                              for l in glines), glines[:5]
        assert any('.sluice_backend_weight.www.127_0_1_11_80 3 ' in l for l in glines), glines[:20]
        # SumoLogic's HTTP source: carbon2, gzip, category
        wait_for(lambda: Sumo.got, 10, 'a POST')
        hdrs, body = Sumo.got[0]
        assert hdrs['Content-Type'] == 'application/vnd.sumologic.carbon2', hdrs
        assert hdrs['Content-Encoding'] == 'gzip' and hdrs['X-Sumo-Category'] == 'lb/www', hdrs
        assert len(body) < 1000000
        text = gzip.decompress(body).decode()
        for l in text.splitlines():
            assert re.match(r'^metric=\w+( \w+=[\w-]+)*  host=[\w-]+ [0-9.e+-]+ \d{10}$', l), l
        assert 'metric=sluice_backend_weight service=www backend=127_0_1_11_80  host=' in text
        st = {s['name']: s for s in d.json('show sinks')['sinks']}
        assert st['sumo']['sent'] >= 1 and st['sd']['sent'] >= 1, st
    finally:
        d.stop()
        httpd.shutdown()
        udp.close()
        tcp.close()


def test_real_carbon_and_collectd():
    """The Graphite and StatsD forms into a real carbon-cache (read back
    from its whisper files) and a real collectd statsd plugin (read back
    from its csv files)."""
    for tool in ('carbon-cache', 'whisper-dump', 'collectd'):
        if not shutil.which(tool):
            skip('%s is not installed (deploy/install-deps.sh installs it)' % tool)
    tmp = tempfile.mkdtemp(prefix='sluice-mon-')
    gport, qport, pport, sport = free_port(), free_port(), free_port(), free_port(socket.SOCK_DGRAM)
    conf = os.path.join(tmp, 'conf')
    os.makedirs(conf)
    with open(os.path.join(conf, 'carbon.conf'), 'w') as f:
        f.write("""[cache]
STORAGE_DIR = %(t)s/storage/
LOCAL_DATA_DIR = %(t)s/storage/whisper/
WHITELISTS_DIR = %(t)s/storage/lists/
CONF_DIR = %(t)s/conf/
LOG_DIR = %(t)s/storage/log/
PID_DIR = %(t)s/storage/
ENABLE_LOGROTATION = False
ENABLE_TAGS = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 10000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = %(g)d
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = %(p)d
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = %(q)d
WHISPER_AUTOFLUSH = True
""" % {'t': tmp, 'g': gport, 'p': pport, 'q': qport})
    with open(os.path.join(conf, 'storage-schemas.conf'), 'w') as f:
        f.write('[default]\npattern = .*\nretentions = 1s:1h\n')
    with open(os.path.join(tmp, 'collectd.conf'), 'w') as f:
        f.write("""Hostname "sluicetest"
FQDNLookup false
Interval 1
BaseDir "%(t)s"
PIDFile "%(t)s/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin statsd
LoadPlugin csv
<Plugin statsd>
  Host "127.0.0.1"
  Port "%(s)d"
  DeleteGauges false
</Plugin>
<Plugin csv>
  DataDir "%(t)s/csv"
  StoreRates false
</Plugin>
""" % {'t': tmp, 's': sport})
    carbon = subprocess.Popen(['carbon-cache', '--config=%s/carbon.conf' % conf, '--nodaemon',
                               'start'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    collectd = subprocess.Popen(['collectd', '-f', '-C', os.path.join(tmp, 'collectd.conf')],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d = None
    try:
        def carbon_up():
            try:
                socket.create_connection(('127.0.0.1', gport), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for(carbon_up, 30, 'carbon-cache')
        d = Daemon(BASE + 'add sink gr graphite 127.0.0.1:%d interval 1s\n' % gport +
                   'add sink sd statsd 127.0.0.1:%d interval 1s\n' % sport)
        host = re.sub(r'[^\w-]', '_', HOST)
        wsp = os.path.join(tmp, 'storage', 'whisper', 'sluice', host, 'sluice_backend_weight',
                           'www', '127_0_1_11_80.wsp')

        def whisper_value():
            if not os.path.exists(wsp):
                return None
            out = subprocess.run(['whisper-dump', wsp], capture_output=True, text=True).stdout
            vals = [float(l.split(',')[1]) for l in out.splitlines()
                    if re.match(r'^\d+: [1-9]\d+,', l)]
            return vals[-1] if vals else None
        wait_for(lambda: whisper_value() == 3.0, 30, 'carbon to store the weight')
        csvdir = os.path.join(tmp, 'csv', 'sluicetest', 'statsd')

        def csv_value(metric):
            if not os.path.isdir(csvdir):
                return None
            for n in os.listdir(csvdir):
                if n.startswith('gauge-sluice.%s.%s-' % (host, metric)):
                    rows = open(os.path.join(csvdir, n)).read().split()
                    return float(rows[-1].split(',')[1]) if len(rows) > 1 else None
            return None
        wait_for(lambda: csv_value('sluice_backend_weight.www.127_0_1_11_80') == 3.0, 30,
                 'collectd to record the weight')
        gen = d.json('show stats')['generation']
        assert csv_value('sluice_config_generation') == gen
        print('     carbon-cache stored the weight %.0f; collectd recorded it and generation %d'
              % (whisper_value(), gen))
    finally:
        if d:
            d.stop()
        for p in (carbon, collectd):
            p.terminate()
            p.wait(20)


def test_sumo_batches_and_formats():
    """2000 backends make over 1 MB of metrics: SumoLogic's HTTP source
    gets it in batches under 1 MB, cut at line ends, every line in its
    declared format (prometheus and graphite), with the dimensions header."""
    Sumo.got = []
    hport = free_port()
    httpd = socketserver.TCPServer(('127.0.0.1', hport), Sumo)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    conf = ''.join('add service s%d 198.51.100.%d:80\n' % (i, 20 + i) for i in range(2))
    conf += ''.join('add backend s%d 127.%d.%d.%d:80\n' % (i % 2, 10 + i % 2, k // 250, k % 250)
                    for i in range(2) for k in range(1000))
    conf += ('add sink pm http http://127.0.0.1:%d/prom format prometheus dimensions '
             'env=test,tier=lb interval 1s\n' % hport)
    conf += 'add sink gf http http://127.0.0.1:%d/graphite format graphite interval 1s\n' % hport
    d = Daemon(conf)
    try:
        def posts(path):
            return [(h, b) for h, b in Sumo.got if h.get('Content-Type', '').endswith(path)]
        wait_for(lambda: len(posts('prometheus')) >= 2 and len(posts('graphite')) >= 2, 20,
                 'two batches of each format')
        prom_lines = graphite_lines = 0
        for h, b in posts('prometheus'):
            assert len(b) <= 1000000 and b.endswith(b'\n'), len(b)
            assert h['X-Sumo-Dimensions'] == 'env=test,tier=lb', h
            for l in b.decode().splitlines():
                assert re.match(r'^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="[^"]*",?)*\})? [0-9.e+-]+)$',
                                l), l
                prom_lines += 1
        for h, b in posts('graphite'):
            assert len(b) <= 1000000 and b.endswith(b'\n'), len(b)
            for l in b.decode().splitlines():
                assert re.match(r'^sluice\.[\w-]+\.[\w.-]+ [0-9.e+-]+ \d{10}$', l), l
                graphite_lines += 1
        sizes = [len(b) for _, b in posts('prometheus')]
        print('     prometheus batches of %s bytes, %d lines; graphite %d lines'
              % (sizes[:3], prom_lines, graphite_lines))
        assert max(sizes) > 900000
    finally:
        d.stop()
        httpd.shutdown()


if __name__ == '__main__':
    run_tests([test_pushgateway, test_sumo_statsd_graphite, test_real_carbon_and_collectd,
               test_sumo_batches_and_formats])

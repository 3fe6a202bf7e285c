#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""sluiced --dataplane dpdk on net_null, as an operator runs it: the
engine's counters through DPDK telemetry (dpdk-telemetry.py), the same as
`show stats`; a clean stop on SIGTERM. Needs root and hugepages."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'ctl'))
from harness import Client, run_tests, skip, wait_for  # noqa: E402

SLUICED = os.environ.get('SLUICED', '')


def telemetry(prefix, cmd):
    r = subprocess.run(['dpdk-telemetry.py', '-f', prefix], input=cmd + '\n', capture_output=True,
                       text=True, timeout=30)
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith('{') and cmd in line:
            return json.loads(line)[cmd]
    raise AssertionError('no answer to %s: %s %s' % (cmd, r.stdout[-500:], r.stderr[-500:]))


def test_telemetry():
    if os.geteuid() != 0:
        skip('DPDK needs root')
    tmp = tempfile.mkdtemp(prefix='sluice-tel-')
    sock = os.path.join(tmp, 'sluice.sock')
    prefix = 'sltel%d' % os.getpid()
    log = open(os.path.join(tmp, 'sluiced.log'), 'wb')
    p = subprocess.Popen([SLUICED, '--dataplane', 'dpdk', '-c', 'builtin', '-s', sock,
                          '--log', 'stderr', '--', '--no-pci', '--file-prefix', prefix,
                          '-l', '0,1', '--vdev=net_null0', '--', '--gw-mac', '02:00:00:00:00:01',
                          '--local-ip', '10.99.0.1'], stdout=log, stderr=log)
    try:
        def up():
            if p.poll() is not None:
                raise RuntimeError(open(log.name).read()[-2000:])
            try:
                Client(sock, timeout=2).close()
                return True
            except OSError:
                return False
        wait_for(up, 60, 'sluiced to start')
        t = telemetry(prefix, '/sluice/stats')
        assert t['workers'] == 1 and t['rx_pkts'] > 0, t
        # net_null's frames are all zeros: not IP, so the kernel's
        assert t['to_host_pkts'] > 0 and t['tx_pkts'] == 0, t
        c = Client(sock)
        st = json.loads(c.cmd('show stats json'))
        c.close()
        assert st['engine'] == 'dpdk' and t['generation'] == st['generation'] == 1, (t, st)
        assert st['rx_pkts'] >= t['rx_pkts'], (st['rx_pkts'], t['rx_pkts'])
        print('     telemetry: %d packets received, %d to the host' % (t['rx_pkts'],
                                                                     t['to_host_pkts']))
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)
        log.close()
    assert p.returncode == 0, open(log.name).read()[-2000:]


if __name__ == '__main__':
    if not SLUICED:
        print('SLUICED must be set (meson test does)')
        sys.exit(1)
    run_tests([test_telemetry])

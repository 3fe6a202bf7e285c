#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""50 control clients at once, for a bounded time, each changing its own
backends of one service while also reading state. Every reply must be
well formed, the final state must equal the same commands run serially,
and the daemon must end with the descriptors it started with (the ASan
build of this test also proves it frees all it allocated)."""
import json
import threading
import time

from harness import Daemon, run_tests, wait_for

CLIENTS = 50
SECONDS = 5
MAX_ROUNDS = 20

BASE = """\
add service www 198.51.100.10:80 proto tcp sched wrr mode nat
add backend www 127.0.0.1:80
set acl default allow
"""


def keep_round(i):
    """What client i leaves behind."""
    b = lambda k: 'www/127.1.%d.%d:80' % (i, k)
    cmds = ['add backend www 127.1.%d.%d:80' % (i, k) for k in range(1, 7)]
    cmds += ['set backend %s weight 5' % b(2), 'set backend %s state drain' % b(3),
             'set backend %s state maint' % b(4), 'del backend %s' % b(5),
             'set backend %s weight 0' % b(6)]
    return cmds


def churn_round(i):
    """keep_round, then undo it: the state after it is as before it."""
    return keep_round(i) + ['del backend www/127.1.%d.%d:80' % (i, k) for k in (1, 2, 3, 4, 6)]


READS = ['show backends www json', 'show stats json', 'show services json', 'show health json']


def client_main(d, i, deadline, problems, counts):
    c = d.client()
    n = 0
    try:
        rounds = 0
        while time.time() < deadline and rounds < MAX_ROUNDS:
            for line in churn_round(i):
                r = c.cmd(line)
                if r != '':
                    problems.append((i, line, r))
                n += 1
            for line in READS:
                r = c.cmd(line)
                json.loads(r)               # well formed or it raises
                n += 1
            # a refusal in the middle of it all: one line, and nothing changes
            r = c.cmd('del backend www/127.1.%d.200:80' % i)
            if not r.startswith('error: no backend 127.1.%d.200:80' % i):
                problems.append((i, 'refusal', r))
            n += 1
            rounds += 1
        for line in keep_round(i):
            r = c.cmd(line)
            if r != '':
                problems.append((i, line, r))
            n += 1
    except Exception as e:                  # noqa: BLE001 - reported below
        problems.append((i, 'exception', repr(e)))
    finally:
        c.close()
    counts[i] = n


def backend_lines(text):
    return sorted(l for l in text.splitlines() if l.startswith('add backend'))


def test_fifty_clients():
    d = Daemon(BASE)
    try:
        fds0 = d.fds()
        problems, counts = [], [0] * CLIENTS
        deadline = time.time() + SECONDS
        threads = [threading.Thread(target=client_main, args=(d, i, deadline, problems, counts))
                   for i in range(CLIENTS)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        elapsed = time.time() - t0
        assert not any(t.is_alive() for t in threads), 'a client hung'
        assert not problems, problems[:10]
        total = sum(counts)
        print('     %d clients, %d commands in %.1fs (%.0f/s)' % (CLIENTS, total, elapsed,
                                                                 total / elapsed))
        concurrent = d.save()
        assert d.fds() == fds0, 'descriptors: %d at start, %d now' % (fds0, d.fds())
        # the same final commands, serially, on a fresh daemon
        s = Daemon(BASE)
        try:
            c = s.client()
            for i in range(CLIENTS):
                for line in keep_round(i):
                    assert c.cmd(line) == ''
            c.close()
            assert backend_lines(concurrent) == backend_lines(s.save())
            assert len(backend_lines(concurrent)) == 1 + CLIENTS * 5
        finally:
            s.stop()
        # and the engine was told the same thing
        rec = [l.split(None, 3)[3] for l in d.record().splitlines() if l.startswith('be ')]
        assert len(rec) == 1 + CLIENTS * 5
    finally:
        d.stop()


if __name__ == '__main__':
    run_tests([test_fifty_clients])

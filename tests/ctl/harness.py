# SPDX-License-Identifier: BSD-3-Clause
"""harness.py - run sluiced (the test build, over the recording engine) and
talk to its control socket, for the control plane's end-to-end tests.

Each test is a plain function taking nothing; run_tests() runs them in
order, prints a line per test and the closing count, and exits 1 on any
failure (77 when the whole file must be skipped, with the reason)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

BUILD = os.environ.get('SLUICE_BUILD') or os.path.abspath(
    os.path.join(os.path.dirname(__file__), '..', '..', 'build'))
SLUICED = os.environ.get('SLUICED_TEST') or os.path.join(BUILD, 'tests', 'lib', 'sluiced-test')
SLUICECTL = os.environ.get('SLUICECTL') or os.path.join(BUILD, 'control', 'sluicectl')


def skip(why):
    print('SKIP: ' + why)
    sys.exit(77)


class Client:
    """One control connection: send a line, read the reply up to the empty line."""

    def __init__(self, path=None, sock=None, timeout=10):
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
        self.s = sock
        self.buf = b''

    def send_raw(self, data):
        self.s.sendall(data)

    def read_reply(self):
        while b'\n\n' not in self.buf and not self.buf.startswith(b'\n'):
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError('connection closed; got %r' % self.buf[:200])
            self.buf += chunk
        if self.buf.startswith(b'\n'):
            self.buf = self.buf[1:]
            return ''
        reply, self.buf = self.buf.split(b'\n\n', 1)
        return reply.decode()

    def cmd(self, line):
        self.send_raw(line.encode() + b'\n')
        return self.read_reply()

    def close(self):
        self.s.close()


class Daemon:
    """sluiced-test in a temporary directory, with its own socket, config
    file and record file."""

    def __init__(self, config_text, extra=(), env=None, tmp=None, check_leaks=True, argv=None,
                 start_timeout=10):
        """argv(self), when given, is the whole command line (another
        engine, in a namespace); self.conf and self.sock are its paths."""
        self.tmp = tmp or tempfile.mkdtemp(prefix='sluice-ctl-')
        self.sock = os.path.join(self.tmp, 'sluice.sock')
        self.conf = os.path.join(self.tmp, 'sluice.conf')
        self.rec = os.path.join(self.tmp, 'record')
        self.log = os.path.join(self.tmp, 'sluiced.log')
        self.certs = os.path.join(self.tmp, 'certs')
        os.makedirs(self.certs, exist_ok=True)
        with open(self.conf, 'w') as f:
            f.write(config_text)
        e = dict(os.environ)
        e.pop('NOTIFY_SOCKET', None)        # ours unless the test gives one
        if env:
            e.update(env)
        self.logf = open(self.log, 'ab')
        if argv is None:
            cmd = [SLUICED, '--dataplane', 'record', '-c', self.conf, '-s', self.sock,
                   '--cert-dir', self.certs, '--log', 'stderr'] + list(extra) + ['--', self.rec]
        else:
            cmd = argv(self)
        self.p = subprocess.Popen(cmd, stdout=self.logf, stderr=self.logf, env=e)
        deadline = time.time() + start_timeout
        while not self._answers():
            if self.p.poll() is not None:
                raise RuntimeError('sluiced exited %d at start: %s' % (self.p.returncode,
                                                                      self.log_text()))
            if time.time() > deadline:
                raise RuntimeError('sluiced did not open its socket: ' + self.log_text())
            time.sleep(0.02)

    def _answers(self):
        try:
            c = Client(self.sock, timeout=2)
        except OSError:
            return False
        c.close()
        return True

    def client(self):
        return Client(self.sock)

    def cmd(self, line):
        c = self.client()
        try:
            return c.cmd(line)
        finally:
            c.close()

    def json(self, line):
        return json.loads(self.cmd(line + ' json'))

    def save(self):
        return self.cmd('save')

    def record(self):
        with open(self.rec) as f:
            return f.read()

    def record_gen(self):
        return int(self.record().split('\n', 1)[0].split()[1])

    def log_text(self):
        if not self.logf.closed:
            self.logf.flush()
        with open(self.log, errors='replace') as f:
            return f.read()

    def fds(self):
        """Open descriptors, counted while exactly one client (the one
        asking) is connected."""
        c = self.client()
        try:
            wait_for(lambda: json.loads(c.cmd('show stats json'))['control']['clients'] == 1,
                     10, 'other clients to go')
            return len(os.listdir('/proc/%d/fd' % self.p.pid))
        finally:
            c.close()

    def signal(self, sig):
        self.p.send_signal(sig)

    def stop(self):
        """SIGTERM; the daemon must exit 0 (under ASan: without leaks) and
        remove its socket file."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise AssertionError('sluiced did not stop on SIGTERM')
        self.logf.close()
        assert self.p.returncode == 0, 'sluiced exited %d: %s' % (self.p.returncode,
                                                                  self.log_text()[-3000:])
        assert not os.path.exists(self.sock), 'socket file left behind'

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        if not self.logf.closed:
            self.logf.close()


def ctl(*args, sock=None, stdin=None, env=None):
    """Run sluicectl; returns (exit code, stdout, stderr)."""
    cmd = [SLUICECTL] + (['-s', sock] if sock else []) + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


def curl_many(get, n, names=('b1', 'b2')):
    """n new connections, get() making each and returning the body:
    ({backend name: answers}, failures). Gives up early when nothing gets
    through."""
    seen = {b: 0 for b in names}
    failed = 0
    for i in range(n):
        if failed > 3 and failed == i:
            return seen, n
        body = get().strip()
        if body in seen:
            seen[body] += 1
        else:
            failed += 1
    return seen, failed


def wait_for(pred, timeout, what, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError('timed out after %.1fs waiting for %s' % (timeout, what))


def run_tests(tests):
    if not os.path.exists(SLUICED):
        print('sluiced-test not built at %s' % SLUICED)
        sys.exit(1)
    passed = failed = 0
    for t in tests:
        t0 = time.time()
        try:
            t()
            passed += 1
            print('ok   %-50s %.2fs' % (t.__name__, time.time() - t0))
        except SystemExit:
            raise
        except Exception:
            failed += 1
            print('FAIL %s' % t.__name__)
            traceback.print_exc()
        sys.stdout.flush()
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)

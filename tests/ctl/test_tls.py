#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Remote control over TCP with mutual TLS: a client with a certificate
from the configured CA is served; a client without one, or with one from
another CA, is refused before any command is read (a mutation it sent is
not applied); a server key that does not match its certificate stops
sluiced at start with a clear error. Real openssl clients and sluicectl."""
import os
import socket
import ssl
import subprocess
import tempfile

from harness import Daemon, SLUICED, ctl, run_tests

BASE = 'add service www 198.51.100.10:80\nadd backend www 127.0.1.11:80\n'
D = tempfile.mkdtemp(prefix='sluice-tls-')


def sh(*args):
    subprocess.run(args, check=True, capture_output=True, cwd=D)


def make_pki():
    def key(name):
        sh('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
           '-out', name + '.key')

    def ca(name):
        key(name)
        sh('openssl', 'req', '-x509', '-new', '-key', name + '.key', '-out', name + '.pem',
           '-days', '2', '-subj', '/CN=' + name)

    def leaf(name, ca_name, ext):
        key(name)
        sh('openssl', 'req', '-new', '-key', name + '.key', '-out', name + '.csr',
           '-subj', '/CN=' + name)
        with open(os.path.join(D, name + '.ext'), 'w') as f:
            f.write(ext + '\n')
        sh('openssl', 'x509', '-req', '-in', name + '.csr', '-CA', ca_name + '.pem',
           '-CAkey', ca_name + '.key', '-CAcreateserial', '-out', name + '.pem', '-days', '2',
           '-extfile', name + '.ext')

    ca('ca')
    ca('otherca')
    leaf('server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth')
    leaf('operator', 'ca', 'extendedKeyUsage=clientAuth')
    leaf('intruder', 'otherca', 'extendedKeyUsage=clientAuth')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def p(name):
    return os.path.join(D, name)


def start(port, key='server.key'):
    return Daemon(BASE, extra=['--remote', '127.0.0.1:%d' % port, '--remote-cert', p('server.pem'),
                               '--remote-key', p(key), '--remote-ca', p('ca.pem')])


def tls_client(port, cert=None):
    """A TLS client (Python's ssl, over OpenSSL) that sends a mutation and
    a show; returns what it received before the server closed."""
    ctx = ssl.create_default_context(cafile=p('ca.pem'))
    if cert:
        ctx.load_cert_chain(p(cert + '.pem'), p(cert + '.key'))
    got = b''
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname='127.0.0.1') as s:
                s.sendall(b'add acl 99 allow\nshow services\n')
                while got.count(b'\n\n') < 2:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
    except (ssl.SSLError, OSError):
        pass
    return got.decode(errors='replace')


def test_mutual_tls():
    make_pki()
    port = free_port()
    d = start(port)
    try:
        remote = ['--remote', '127.0.0.1:%d' % port, '--ca', p('ca.pem')]
        rc, out, err = ctl(*remote, '--cert', p('operator.pem'), '--key', p('operator.key'),
                           'show', 'services')
        assert rc == 0 and 'www' in out, (rc, out, err)
        rc, out, err = ctl(*remote, '--cert', p('operator.pem'), '--key', p('operator.key'),
                           'add', 'backend', 'www', '127.0.1.12:80')
        assert rc == 0, err
        assert '127.0.1.12:80' in d.save()
        # the same from a plain TLS client with the operator's certificate
        assert 'NAME' in tls_client(port, 'operator')
        assert 'add acl 99 allow' in d.save()
        assert d.cmd('del acl 99') == ''
        # no certificate, or one from another CA: refused before any command
        for who in (None, 'intruder'):
            out = tls_client(port, who)
            assert 'NAME' not in out, (who, out)
            assert 'acl 99' not in d.save(), who
        rc, out, err = ctl(*remote, '--cert', p('intruder.pem'), '--key', p('intruder.key'),
                           'show', 'services')
        assert rc == 3 and out == '', (rc, out, err)
        # sluicectl checks the server's certificate too
        rc, out, err = ctl('--remote', '127.0.0.1:%d' % port, '--ca', p('otherca.pem'),
                           '--cert', p('operator.pem'), '--key', p('operator.key'), 'show', 'acl')
        assert rc == 3 and 'certificate verify failed' in err, err
        st = d.json('show stats')['control']
        assert st['tls_refused'] >= 3, st
        assert 'TLS client refused' in d.log_text()
    finally:
        d.stop()


def test_bad_server_key_stops_start():
    port = free_port()
    r = subprocess.run([SLUICED, '--dataplane', 'record', '-c', 'builtin', '-s', 'none',
                        '--log', 'stderr', '--remote', '127.0.0.1:%d' % port,
                        '--remote-cert', p('server.pem'), '--remote-key', p('operator.key'),
                        '--remote-ca', p('ca.pem'), '--', p('rec')],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and 'key does not match certificate' in r.stderr, r.stderr
    r = subprocess.run([SLUICED, '--dataplane', 'record', '-c', 'builtin', '-s', 'none',
                        '--log', 'stderr', '--remote', '127.0.0.1:%d' % port, '--', p('rec')],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and 'needs a certificate' in r.stderr, r.stderr


if __name__ == '__main__':
    run_tests([test_mutual_tls, test_bad_server_key_stops_start])

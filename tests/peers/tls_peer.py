"""A Python ssl (OpenSSL through CPython) peer for interop tests.

  python3 tls_peer.py client --port P [--host 127.0.0.1] [--servername localhost] --ca ca.pem
      [--cert chain.pem --key key.pem] [--min TLSv1_2|TLSv1_3] [--max ...] [--alpn h2,http/1.1] [--send TEXT]
  python3 tls_peer.py server --port 0 --cert chain.pem --key key.pem [--ca ca.pem --client-auth none|optional|required]
      [--min ...] [--max ...] [--alpn ...] [--naccept N]

The server prints `ACCEPT 127.0.0.1:<port>` once listening and answers each connection's first line with
`hello from python`. Both print, per connection, `key: value` lines (protocol, cipher, alpn, verified,
resumed, peer) and on failure `alert: <name>` / `error: <message>`, then `---`.
"""
import re
import socket
import ssl
import sys


def parse(argv):
    opts = {}
    for i in range(0, len(argv) - 1, 2):
        opts[argv[i].lstrip('-')] = argv[i + 1]
    return opts


def versions(ctx, opts):
    if 'min' in opts:
        ctx.minimum_version = getattr(ssl.TLSVersion, opts['min'])
    if 'max' in opts:
        ctx.maximum_version = getattr(ssl.TLSVersion, opts['max'])
    if 'alpn' in opts:
        ctx.set_alpn_protocols(opts['alpn'].split(','))


def report(s, verified):
    print('protocol:', s.version())
    print('cipher:', s.cipher()[0])
    print('alpn:', s.selected_alpn_protocol() or 'none')
    print('verified:', 'yes' if verified else 'no')
    print('resumed:', 'yes' if s.session_reused else 'no')
    cert = s.getpeercert()
    subject = dict(x[0] for x in cert.get('subject', ())) if cert else {}
    print('peer:', subject.get('commonName', 'none'))
    sys.stdout.flush()


def failure(e):
    msg = str(e)
    m = re.search(r'(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)', msg)
    if m:
        print('alert:', m.group(1).lower())
    print('error:', msg.replace('\n', ' '))
    sys.stdout.flush()


def client(opts):
    ctx = ssl.create_default_context(cafile=opts['ca'])
    versions(ctx, opts)
    if 'cert' in opts:
        ctx.load_cert_chain(opts['cert'], opts['key'])
    name = opts.get('servername', 'localhost')
    try:
        with socket.create_connection((opts.get('host', '127.0.0.1'), int(opts['port'])), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as s:
                report(s, True)
                s.sendall(opts.get('send', 'ping\n').encode())
                data = b''
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                for line in data.decode(errors='replace').splitlines():
                    print('data:', line)
    except (OSError, ssl.SSLError) as e:
        failure(e)
        sys.exit(1)


def server(opts):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    versions(ctx, opts)
    ctx.load_cert_chain(opts['cert'], opts['key'])
    auth = opts.get('client-auth', 'none')
    if auth != 'none':
        ctx.load_verify_locations(cafile=opts['ca'])
        ctx.verify_mode = ssl.CERT_REQUIRED if auth == 'required' else ssl.CERT_OPTIONAL
    srv = socket.create_server(('127.0.0.1', int(opts.get('port', '0'))))
    print('ACCEPT 127.0.0.1:%d' % srv.getsockname()[1])
    sys.stdout.flush()
    for _ in range(int(opts.get('naccept', '1000'))):
        conn, _addr = srv.accept()
        conn.settimeout(10)
        try:
            with ctx.wrap_socket(conn, server_side=True) as s:
                report(s, s.getpeercert() is not None and s.getpeercert() != {})
                line = b''
                while not line.endswith(b'\n'):
                    chunk = s.recv(1)
                    if not chunk:
                        break
                    line += chunk
                print('data:', line.decode(errors='replace').rstrip('\n'))
                s.sendall(b'hello from python\n')
        except (OSError, ssl.SSLError) as e:
            failure(e)
        print('---')
        sys.stdout.flush()


if __name__ == '__main__':
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    options = parse(sys.argv[2:])
    if mode == 'client':
        client(options)
    elif mode == 'server':
        server(options)
    else:
        sys.exit('usage: tls_peer.py client|server [--option value]...')

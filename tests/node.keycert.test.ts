// node:tls's setKeyCert() (a certificate per socket: the ACME tls-alpn-01 pattern, where the
// ALPNCallback, called with the socket as `this`, picks the challenge certificate) and
// getSharedSigalgs(), over the real engine, against node:tls on the other side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { connect, createSecureContext, createServer, TLSSocket, type Server } from '../src/node/index.js';
import { TlsError } from '../src/errors.js';
import { testPki } from './helpers/certs.js';
import { until } from './helpers/streams.js';

type Pki = Awaited<ReturnType<typeof testPki>>;

async function listening<S extends Server | tls.Server>(server: S): Promise<{ server: S; port: number }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function close(server: Server | tls.Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The key type of the certificate a node:tls client is shown. */
async function nodeClientSees(port: number, pki: Pki, options: tls.ConnectionOptions): Promise<{ keyType: string | undefined; alpn: string | false | null }> {
  const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ...options });
  await once(c, 'secureConnect');
  const seen = { keyType: c.getPeerX509Certificate()?.publicKey.asymmetricKeyType, alpn: c.alpnProtocol };
  c.on('data', () => undefined);
  c.end();
  await once(c, 'close');
  return seen;
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`setKeyCert in the ALPNCallback (this = the socket) serves another certificate, ${version}`, async () => {
    const pki = await testPki();
    const rsa = createSecureContext({ cert: pki.server.rsa.certPem, key: pki.server.rsa.keyPem });
    const calls: { isSocket: boolean; protocols: string[] }[] = [];
    const { server, port } = await listening(
      createServer({
        cert: pki.server.ecdsa.certPem,
        key: pki.server.ecdsa.keyPem,
        maxVersion: version,
        ALPNCallback(this: unknown, offer) {
          calls.push({ isSocket: this instanceof TLSSocket, protocols: offer.protocols });
          if (!offer.protocols.includes('acme-tls/1')) return offer.protocols[0];
          (this as TLSSocket).setKeyCert(rsa);
          return 'acme-tls/1';
        },
      }),
    );
    const local: (string | undefined)[] = [];
    server.on('secureConnection', (s: TLSSocket) => {
      local.push(s.getX509Certificate()?.publicKey.asymmetricKeyType);
      s.end();
    });
    try {
      assert.deepEqual(await nodeClientSees(port, pki, { ALPNProtocols: ['acme-tls/1'], maxVersion: version }), { keyType: 'rsa', alpn: 'acme-tls/1' });
      assert.deepEqual(await nodeClientSees(port, pki, { ALPNProtocols: ['h2'], maxVersion: version }), { keyType: 'ec', alpn: 'h2' });
      assert.deepEqual(calls, [
        { isSocket: true, protocols: ['acme-tls/1'] },
        { isSocket: true, protocols: ['h2'] },
      ]);
      // The server's own view follows the certificate it sent.
      await until(() => local.length === 2, 'both secureConnection events');
      assert.deepEqual(local, ['rsa', 'ec']);
    } finally {
      await close(server);
    }
  });
}

test('setKeyCert on a client before the handshake: the CertificateRequest is answered with that certificate', async () => {
  const pki = await testPki();
  const { server, port } = await listening(tls.createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, requestCert: true, ca: pki.root.certPem }));
  const seen = new Promise<string | undefined>((resolve) => server.once('secureConnection', (s: tls.TLSSocket) => {
    resolve(s.getPeerX509Certificate()?.subject);
    s.end();
  }));
  // Configured with the ECDSA client certificate; setKeyCert replaces it with the RSA one.
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, cert: pki.client.ecdsa.certPem, key: pki.client.ecdsa.keyPem });
  client.setKeyCert({ cert: pki.client.rsa.certPem, key: pki.client.rsa.keyPem });
  await once(client, 'secureConnect');
  assert.equal(await seen, new X509Certificate(pki.client.rsa.certPem).subject);
  assert.equal(client.getX509Certificate()?.publicKey.asymmetricKeyType, 'rsa');
  client.destroy();
  await close(server);
});

test('setKeyCert: options without cert and key change nothing; a non-object is refused (node:tls)', () => {
  const s = new TLSSocket(new Duplex({ read() {}, write(_c, _e, cb) { cb(); } }));
  s.setKeyCert({});
  assert.equal(s.getX509Certificate(), undefined);
  assert.throws(() => s.setKeyCert(5 as never), (e: unknown) => e instanceof TlsError && e.code === 'ERR_INVALID_ARG_TYPE');
  s.destroy();
});

test('getSharedSigalgs: the server lists the ClientHello schemes it accepts in the client order (as node:tls); a client lists the CertificateRequest ones', async () => {
  const pki = await testPki();
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    // node:tls as the reference server, and typetls, each with the same node:tls client.
    const lists: Record<string, string[]> = {};
    for (const [name, make] of [
      ['node', () => tls.createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, maxVersion: version })],
      ['typetls', () => createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, maxVersion: version })],
    ] as const) {
      const { server, port } = await listening(make() as Server | tls.Server);
      const got = new Promise<string[]>((resolve) => server.once('secureConnection', (s: tls.TLSSocket | TLSSocket) => {
        resolve(s.getSharedSigalgs());
        s.end();
      }));
      await nodeClientSees(port, pki, { maxVersion: version });
      lists[name] = await got;
      await close(server);
    }
    const ours = lists['typetls'] ?? [];
    const theirs = lists['node'] ?? [];
    for (const must of ['ECDSA+SHA256', 'ECDSA+SHA384', 'RSA-PSS+SHA256', 'RSA+SHA256', 'Ed25519+UNDEF']) assert.ok(ours.includes(must), `${version}: ${must} missing from ${ours.join(',')}`);
    // The same order as node:tls's list, minus what typetls does not accept (SHA-224, DSA).
    let i = 0;
    for (const name of ours) {
      while (i < theirs.length && theirs[i] !== name) i++;
      assert.ok(i < theirs.length, `${version}: ${name} out of node:tls's order (${theirs.join(',')} against ${ours.join(',')})`);
      i++;
    }
    assert.deepEqual(
      theirs.filter((n) => !/SHA224|^DSA|SHA1$/.test(n)),
      ours,
      `${version}: node:tls ${theirs.join(',')} against typetls ${ours.join(',')}`,
    );
  }

  // A client: nothing before the handshake or without a CertificateRequest; the request's schemes otherwise.
  for (const requestCert of [false, true]) {
    const { server, port } = await listening(tls.createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, requestCert, rejectUnauthorized: false }));
    server.on('secureConnection', (s: tls.TLSSocket) => s.end());
    const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem });
    assert.deepEqual(client.getSharedSigalgs(), []);
    await once(client, 'secureConnect');
    const list = client.getSharedSigalgs();
    if (requestCert) assert.ok(list.includes('ECDSA+SHA256') && list.includes('RSA-PSS+SHA256'), list.join(','));
    else assert.deepEqual(list, []);
    client.destroy();
    await close(server);
  }
});

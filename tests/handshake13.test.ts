import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { ClientConnection } from '../src/conn/client.js';
import { testPki } from './helpers/certs.js';
import { certifiedKey, pair, pump, text } from './helpers/memory.js';
import { AlertDescription, CipherSuite as CS, NamedGroup as G, alertName } from '../src/wire/iana.js';
import { TlsError } from '../src/errors.js';
import { rewriteServerFlight } from './helpers/mitm.js';

const suites = [CS.TLS_AES_128_GCM_SHA256, CS.TLS_AES_256_GCM_SHA384, CS.TLS_CHACHA20_POLY1305_SHA256];
const groups = [G.x25519, G.secp256r1, G.secp384r1];

async function setup() {
  const pki = await testPki();
  return { pki, ca: [pki.root.certPem] };
}

test('RFC 8446 §2: full handshake for every suite x group x certificate, data both ways', async () => {
  const { pki, ca } = await setup();
  for (const certName of ['ecdsa', 'rsa', 'ed25519'] as const) {
    const cert = certifiedKey(pki.server[certName]);
    for (const suite of suites) {
      for (const group of groups) {
        const { client, server } = pair(
          { serverName: 'localhost', ca, cipherSuites: [suite], groups: [group] },
          { certificates: [cert] },
        );
        await pump(client, server);
        assert.equal(client.error, undefined, `${certName}/${suite}/${group}: ${client.error?.message}`);
        assert.equal(server.error, undefined, server.error?.message);
        assert.ok(client.handshakeComplete && server.handshakeComplete);
        assert.equal(client.summary?.cipherSuite, suite);
        assert.equal(client.summary?.group, group);
        assert.equal(client.summary?.authorized, true);
        client.write(new TextEncoder().encode('ping'));
        server.write(new TextEncoder().encode('pong'));
        await pump(client, server);
        assert.equal(text(server.readPlaintext()), 'ping');
        assert.equal(text(client.readPlaintext()), 'pong');
      }
    }
  }
});

test('RFC 8446 §5.1: a handshake fed one byte per chunk succeeds', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, ca });
  const withCert = pair(
    { serverName: 'localhost', ca, certificate: certifiedKey(pki.client.ecdsa) },
    { certificates: [certifiedKey(pki.server.rsa)], requestCert: true, ca },
  );
  await pump(withCert.client, withCert.server, { chunk: 1 });
  assert.equal(withCert.server.error, undefined, withCert.server.error?.message);
  assert.equal(withCert.server.summary?.authorized, true);
  void client;
  void server;
});

test('RFC 8446 §4.1.4: HelloRetryRequest when the server prefers a group the client has no share for', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair(
    { serverName: 'localhost', ca, groups: [G.x25519, G.secp384r1] },
    { certificates: [certifiedKey(pki.server.ecdsa)], groups: [G.secp384r1] },
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(client.summary?.group, G.secp384r1);
});

test('RFC 8446 §4.4.2.4: a server that requires a certificate refuses a client without one', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, ca });
  await pump(client, server);
  assert.equal(server.error?.alert, AlertDescription.certificate_required);
  assert.equal(client.error?.alert, AlertDescription.certificate_required);
  assert.equal(client.error?.remote, true);
});

test('RFC 8446 §4.3.2: a server that only requests a certificate completes with authorized false', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair(
    { serverName: 'localhost', ca },
    { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, requireCert: false, ca },
  );
  await pump(client, server);
  assert.equal(server.error, undefined);
  assert.equal(server.summary?.authorized, false);
  assert.equal(server.summary?.authorizationError?.code, 'ERR_TLS_CERT_REQUIRED');
});

test('RFC 8446 §4.2.4, RFC 5246 §7.4.4: certificateAuthorities are the names a CertificateRequest carries (default: the `ca` subjects)', async () => {
  const { pki, ca } = await setup();
  const seen = async (maxVersion: 'TLSv1.3' | 'TLSv1.2', names: readonly Uint8Array[] | undefined): Promise<unknown> => {
    let authorities: unknown;
    const { client, server } = pair(
      {
        serverName: 'localhost',
        ca,
        maxVersion,
        certificate: certifiedKey(pki.client.ecdsa),
        trace: true,
        listener: (e) => {
          if (e.type === 'trace' && e.event.kind === 'certificate-request') authorities = e.event['authorities'];
        },
      },
      { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, ca: [pki.root.certPem, pki.intermediate.certPem], ...(names === undefined ? {} : { certificateAuthorities: names }) },
    );
    await pump(client, server);
    assert.equal(server.error, undefined, server.error?.message);
    return authorities;
  };
  for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
    assert.equal(await seen(v, undefined), 2, `${v}: the ca subjects`);
    assert.equal(await seen(v, []), 0, `${v}: none`);
    assert.equal(await seen(v, [new Uint8Array([0x30, 0])]), 1, `${v}: as given (an empty Name)`);
  }
});

test('RFC 8446 §5.2: a tampered record is bad_record_mac', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  await pump(client, server);
  client.write(new TextEncoder().encode('hello'));
  await pump(client, server, {
    tamper: (b, from) => {
      if (from !== 'client') return b;
      const c = b.slice();
      c[c.length - 1] = (c[c.length - 1] as number) ^ 1;
      return c;
    },
  });
  assert.equal(server.error?.alert, AlertDescription.bad_record_mac);
  assert.equal(client.error?.alert, AlertDescription.bad_record_mac);
  assert.equal(client.error?.remote, true);
});

test('verification failures: unknown CA, expired, wrong host, each with its alert', async () => {
  const { pki, ca } = await setup();
  const cases = [
    { cert: pki.server.untrusted, alert: AlertDescription.unknown_ca },
    { cert: pki.server.expired, alert: AlertDescription.certificate_expired },
    { cert: pki.server.wrongHost, alert: AlertDescription.bad_certificate },
  ];
  for (const c of cases) {
    const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(c.cert)] });
    await pump(client, server);
    assert.ok(client.error instanceof TlsError);
    assert.equal(alertName(client.error.alert), alertName(c.alert), `${c.cert.name}: ${client.error.code} ${client.error.message}`);
    assert.equal(server.error?.alert, c.alert);
    assert.equal(server.error?.remote, true);
  }
});

test('rejectUnauthorized false: the handshake completes with the reason recorded', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca, rejectUnauthorized: false }, { certificates: [certifiedKey(pki.server.untrusted)] });
  await pump(client, server);
  assert.equal(client.error, undefined);
  assert.equal(client.summary?.authorized, false);
  assert.ok(client.summary?.authorizationError);
});

test('RFC 8446 §7.1: keylog lines and exporters agree on both sides', async () => {
  const { pki, ca } = await setup();
  const lines: string[][] = [[], []];
  const { client, server } = pair(
    { serverName: 'localhost', ca, keylog: true, listener: (e) => e.type === 'keylog' && lines[0]?.push(e.line) },
    { certificates: [certifiedKey(pki.server.ecdsa)], keylog: true, listener: (e) => e.type === 'keylog' && lines[1]?.push(e.line) },
  );
  await pump(client, server);
  assert.deepEqual(lines[0], lines[1]);
  assert.equal(lines[0]?.length, 5);
  const a = client.exportKeyingMaterial(32, 'EXPORTER-test', new Uint8Array([1, 2]));
  const b = server.exportKeyingMaterial(32, 'EXPORTER-test', new Uint8Array([1, 2]));
  assert.deepEqual(a, b);
  // Shorter than the hash: exactly the bytes asked for, in a buffer of their own (nothing of the
  // HKDF block they were cut from sits behind them).
  const short = client.exportKeyingMaterial(12, 'EXPORTER-test', new Uint8Array([1, 2]));
  assert.equal(short.length, 12);
  assert.equal(short.buffer.byteLength, 12);
  assert.deepEqual(short, server.exportKeyingMaterial(12, 'EXPORTER-test', new Uint8Array([1, 2])));
});

test('RFC 8446 §4.6.3: KeyUpdate with update_requested, data keeps flowing', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  await pump(client, server);
  client.keyUpdate(true);
  client.write(new TextEncoder().encode('after update'));
  await pump(client, server);
  server.write(new TextEncoder().encode('server after update'));
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'after update');
  assert.equal(text(client.readPlaintext()), 'server after update');
  assert.equal(client.error ?? server.error, undefined);
});

test('RFC 8446 §6.1: close_notify in both directions with half-close', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  await pump(client, server);
  client.write(new TextEncoder().encode('last words'));
  client.close();
  await pump(client, server);
  assert.equal(server.peerClosed, true);
  assert.equal(text(server.readPlaintext()), 'last words');
  server.write(new TextEncoder().encode('reply after half-close'));
  server.close();
  await pump(client, server);
  assert.equal(text(client.readPlaintext()), 'reply after half-close');
  assert.equal(client.peerClosed, true);
});

test('RFC 7301 §3.2: ALPN agreed, and no overlap is no_application_protocol', async () => {
  const { pki, ca } = await setup();
  const ok = pair({ serverName: 'localhost', ca, alpnProtocols: ['h2', 'http/1.1'] }, { certificates: [certifiedKey(pki.server.ecdsa)], alpnProtocols: ['http/1.1'] });
  await pump(ok.client, ok.server);
  assert.equal(ok.client.summary?.alpnProtocol, 'http/1.1');
  const bad = pair({ serverName: 'localhost', ca, alpnProtocols: ['h2'] }, { certificates: [certifiedKey(pki.server.ecdsa)], alpnProtocols: ['http/1.1'] });
  await pump(bad.client, bad.server);
  assert.equal(bad.client.error?.alert, AlertDescription.no_application_protocol);
});

test('RFC 7301 §3.2: the server ALPN callback chooses from the offer; undefined, a throw or a protocol not offered fail', async () => {
  const { pki, ca } = await setup();
  const certificates = [certifiedKey(pki.server.ecdsa)];
  const client = { serverName: 'localhost', ca, alpnProtocols: ['h2', 'http/1.1'] };
  const seen: unknown[] = [];
  const ok = pair(client, { certificates, alpnCallback: (o) => (seen.push(o), 'http/1.1') });
  await pump(ok.client, ok.server);
  assert.equal(ok.client.summary?.alpnProtocol, 'http/1.1');
  assert.deepEqual(seen, [{ serverName: 'localhost', protocols: ['h2', 'http/1.1'], connection: ok.server }]);
  const cases = [
    [() => undefined, 'ERR_TLS_NO_APPLICATION_PROTOCOL', AlertDescription.no_application_protocol],
    [() => 'spdy/1', 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT', AlertDescription.internal_error],
    [() => { throw new Error('directory down'); }, 'ERR_TLS_ALPN_CALLBACK_FAILED', AlertDescription.internal_error],
  ] as const;
  for (const [alpnCallback, code, alert] of cases) {
    const bad = pair(client, { certificates, alpnCallback });
    await pump(bad.client, bad.server);
    assert.equal(bad.server.error?.code, code);
    assert.equal(bad.client.error?.alert, alert, code);
  }
  assert.throws(() => pair(client, { certificates, alpnProtocols: ['h2'], alpnCallback: () => 'h2' }), /alpnCallback and alpnProtocols are mutually exclusive/);
});

test('the transport EOF while an asynchronous verify hook runs counts after the bytes before it: data and close_notify delivered; a refusal stays the refusal', async () => {
  const { pki, ca } = await setup();
  for (const accept of [true, false]) {
    let release: (v: Error | undefined) => void = () => undefined;
    const { client, server } = pair(
      { serverName: 'localhost', ca, certificate: certifiedKey(pki.client.ecdsa) },
      {
        certificates: [certifiedKey(pki.server.ecdsa)],
        ca,
        requestCert: true,
        verifyHook: () => new Promise<Error | undefined>((r) => (release = r)),
      },
    );
    // The client's whole flight, its data and its close_notify reach the server, then TCP's FIN,
    // all while the server's hook (a directory look-up, say) has not answered yet. (Bytes moved by
    // hand: pump() would wait for the hook.)
    for (let i = 0; i < 4; i++) {
      const c = client.takeOutput();
      if (c !== null) server.receive(c);
      const s = server.takeOutput();
      if (s !== null) client.receive(s);
    }
    client.write(new TextEncoder().encode('last words'));
    client.close();
    const tail = client.takeOutput();
    if (tail !== null) server.receive(tail);
    assert.equal(server.waiting, true);
    server.receiveEof();
    assert.equal(server.error, undefined, 'the EOF waits for the hook');
    release(accept ? undefined : new Error('not in the directory'));
    await new Promise((r) => setImmediate(r));
    if (accept) {
      assert.equal(server.handshakeComplete, true);
      assert.equal(text(server.readPlaintext()), 'last words');
      assert.equal(server.peerClosed, true);
      assert.equal(server.error, undefined);
    } else {
      const err = server.error as TlsError | undefined;
      assert.equal(err?.code, 'CERT_REJECTED');
      assert.match(err?.message ?? '', /not in the directory/);
    }
  }
});

test('setCertificate: a server takes it until its certificate is chosen (from the ALPN callback at the latest), and only it; later it changes nothing', async () => {
  const { pki, ca } = await setup();
  const ecdsa = certifiedKey(pki.server.ecdsa);
  const rsa = certifiedKey(pki.server.rsa);
  const client = { serverName: 'localhost', ca, alpnProtocols: ['acme-tls/1'] };
  const keyType = (c: ClientConnection): string | undefined => {
    const der = c.summary?.peerCertificates[0];
    return der === undefined ? undefined : new X509Certificate(der).publicKey.asymmetricKeyType;
  };
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    const viaAlpn = pair({ ...client, maxVersion }, { certificates: [ecdsa], alpnCallback: (o) => (o.connection.setCertificate?.(rsa), 'acme-tls/1') });
    await pump(viaAlpn.client, viaAlpn.server);
    assert.equal(keyType(viaAlpn.client), 'rsa', maxVersion);
    // Set before the ClientHello: only that certificate is considered (the configured ECDSA one
    // would otherwise win the TLS 1.2 suite order).
    const before = pair({ ...client, maxVersion }, { certificates: [ecdsa] });
    before.server.setCertificate(rsa);
    await pump(before.client, before.server);
    assert.equal(keyType(before.client), 'rsa', maxVersion);
  }
  const late = pair(client, { certificates: [ecdsa] });
  await pump(late.client, late.server);
  late.server.setCertificate(rsa);
  assert.equal(keyType(late.client), 'ec');
  assert.throws(() => late.server.setCertificate({ chain: [], key: rsa.key }), (e: unknown) => e instanceof TlsError && e.code === 'ERR_INVALID_ARG_VALUE');
});

test('data written before the handshake completes is delivered after it', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  client.write(new TextEncoder().encode('early write'));
  client.close();
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'early write');
  assert.equal(server.peerClosed, true);
});

test('RFC 6066 §3: the server picks the certificate whose name matches SNI, and SNICallback overrides', async () => {
  const { pki, ca } = await setup();
  const other = certifiedKey(pki.server.wrongHost);
  const local = certifiedKey(pki.server.ecdsa);
  const byName = pair({ serverName: 'other.test', ca }, { certificates: [local, other] });
  await pump(byName.client, byName.server);
  assert.equal(byName.client.error, undefined, byName.client.error?.message);
  assert.equal(byName.server.summary?.serverName, 'other.test');
  const viaCallback = pair({ serverName: 'localhost', ca }, { certificates: [other], sniCallback: async (name) => (name === 'localhost' ? local : undefined) });
  await pump(viaCallback.client, viaCallback.server);
  assert.equal(viaCallback.client.error, undefined, viaCallback.client.error?.message);
  assert.equal(viaCallback.client.summary?.authorized, true);
});

test('RFC 8446 §4.4.4: a Finished altered by a man in the middle who knows the keys is decrypt_error', async () => {
  const { pki, ca } = await setup();
  const keylog: string[] = [];
  const { client, server } = pair(
    { serverName: 'localhost', ca, cipherSuites: [CS.TLS_AES_128_GCM_SHA256] },
    { certificates: [certifiedKey(pki.server.ecdsa)], keylog: true, listener: (e) => e.type === 'keylog' && keylog.push(e.line) },
  );
  await pump(client, server, {
    tamper: (bytes, from, flight) => {
      if (from !== 'server' || flight !== 1) return bytes;
      return rewriteServerFlight(bytes, keylog, CS.TLS_AES_128_GCM_SHA256, (msgs) =>
        msgs.map((m) => {
          if (m[0] !== 20) return m;
          const c = m.slice();
          c[10] = (c[10] as number) ^ 0xff;
          return c;
        }),
      );
    },
  });
  assert.equal(client.error?.alert, AlertDescription.decrypt_error, client.error?.message);
  assert.equal(server.error?.alert, AlertDescription.decrypt_error);
  assert.equal(server.error?.remote, true);
});

test('RFC 8446 §4.4.1: a message out of order (CertificateVerify removed) is unexpected_message', async () => {
  const { pki, ca } = await setup();
  const keylog: string[] = [];
  const { client, server } = pair(
    { serverName: 'localhost', ca, cipherSuites: [CS.TLS_AES_256_GCM_SHA384] },
    { certificates: [certifiedKey(pki.server.ecdsa)], keylog: true, listener: (e) => e.type === 'keylog' && keylog.push(e.line) },
  );
  await pump(client, server, {
    tamper: (bytes, from, flight) =>
      from === 'server' && flight === 1 ? rewriteServerFlight(bytes, keylog, CS.TLS_AES_256_GCM_SHA384, (msgs) => msgs.filter((m) => m[0] !== 15)) : bytes,
  });
  assert.equal(client.error?.alert, AlertDescription.unexpected_message, client.error?.message);
  assert.equal(server.error?.alert, AlertDescription.unexpected_message);
});

test('RFC 8446 §5.5: a write key that reaches its usage limit is replaced by a KeyUpdate, data keeps flowing', async () => {
  const { pki, ca } = await setup();
  const received: string[] = [];
  const { client, server } = pair(
    { serverName: 'localhost', ca },
    { certificates: [certifiedKey(pki.server.ecdsa)], trace: true, listener: (e) => e.type === 'trace' && e.event.kind === 'key-update' && received.push(String(e.event['direction'])) },
  );
  await pump(client, server);
  // The real limit is 2^23 records for AES-GCM; lower it on this connection's current write key.
  const internals = client as unknown as { records: { writeProtector: { usageLimit: number } } };
  internals.records.writeProtector.usageLimit = 3;
  for (let i = 0; i < 5; i++) client.write(new TextEncoder().encode(`record ${i};`));
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'record 0;record 1;record 2;record 3;record 4;');
  assert.deepEqual(received, ['received'], 'the server saw exactly one KeyUpdate');
  assert.equal(client.error ?? server.error, undefined);
});

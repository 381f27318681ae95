// TLS-PSK, typetls against itself in memory. TLS 1.2 (RFC 4279, RFC 5489): both key exchanges, the
// identity hint, unknown identities, a client without a key, PSK suites never on by default. TLS 1.3
// external PSKs (RFC 8446 §4.2.11): accepted, a wrong key, an unknown identity with and without a
// certificate to fall back on, after a HelloRetryRequest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pair, pump, text } from './helpers/memory.js';
import { AlertDescription, CipherSuite as CS, HandshakeType, NamedGroup as G } from '../src/wire/iana.js';
import type { ClientConfig, ServerConfig, ServerPsk } from '../src/conn/config.js';
import { TlsError } from '../src/errors.js';
import { ClientConnection } from '../src/conn/client.js';
import { ServerConnection } from '../src/conn/server.js';
import { TicketKeys } from '../src/handshake/ticket-keys.js';
import { crypto } from './helpers/memory.js';
import { decodeClientHello } from '../src/wire/hello.js';

const enc = new TextEncoder();
const KEY = new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

function serverPsk(hint?: string, keys: Record<string, Uint8Array> = { device7: KEY }): ServerPsk & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ...(hint !== undefined ? { hint: enc.encode(hint) } : {}),
    lookup: (identity) => {
      const id = Buffer.from(identity).toString('utf8');
      asked.push(id);
      return keys[id];
    },
  };
}

function clientPsk(identity = 'device7', key = KEY): { hints: (string | undefined)[]; psk: NonNullable<ClientConfig['psk']> } {
  const hints: (string | undefined)[] = [];
  return {
    hints,
    psk: (hint) => {
      hints.push(hint === undefined ? undefined : Buffer.from(hint).toString('utf8'));
      return { identity: enc.encode(identity), key };
    },
  };
}

async function connect(c: ClientConfig, s: ServerConfig) {
  const { client, server } = pair(c, s);
  await pump(client, server);
  return { client, server };
}

for (const [suite, name] of [
  [CS.TLS_PSK_WITH_AES_128_GCM_SHA256, 'PSK with AES-128-GCM'],
  [CS.TLS_PSK_WITH_AES_256_GCM_SHA384, 'PSK with AES-256-GCM (SHA-384 PRF)'],
  [CS.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, 'PSK with ChaCha20-Poly1305'],
  [CS.TLS_PSK_WITH_AES_128_CBC_SHA256, 'PSK with AES-128-CBC'],
  [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, 'ECDHE_PSK with ChaCha20-Poly1305'],
  [CS.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, 'ECDHE_PSK with AES-128-CBC'],
] as const) {
  test(`TLS 1.2 ${name}: no certificate anywhere, data both ways, the hint reaches the client`, async () => {
    const sp = serverPsk('hint-1');
    const cp = clientPsk();
    const { client, server } = await connect({ ...TLS12, cipherSuites: [suite], psk: cp.psk }, { ...TLS12, certificates: [], cipherSuites: [suite], psk: sp });
    assert.equal(client.error, undefined, String(client.error));
    assert.equal(server.error, undefined, String(server.error));
    assert.equal(client.summary?.cipherSuite, suite);
    assert.deepEqual(client.summary?.peerCertificates, []);
    // As node:tls: the client counts the server as authorized (by the key), the server reports no client certificate.
    assert.equal(client.summary?.authorized, true);
    assert.equal(server.summary?.authorized, false);
    assert.deepEqual(cp.hints, ['hint-1']);
    assert.deepEqual(sp.asked, ['device7']);
    client.write(enc.encode('ping'));
    server.write(enc.encode('pong'));
    await pump(client, server);
    assert.equal(text(server.readPlaintext()), 'ping');
    assert.equal(text(client.readPlaintext()), 'pong');
  });
}

test('TLS 1.2 PSK without a hint: the plain PSK server sends no ServerKeyExchange; the client is asked with none', async () => {
  const cp = clientPsk();
  const seen: number[] = [];
  const { client, server } = await connect(
    { ...TLS12, cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: cp.psk, trace: true, listener: (e) => void (e.type === 'trace' && e.event.kind === 'message' && seen.push(e.event['type'] as number)) },
    { ...TLS12, certificates: [], cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: serverPsk() },
  );
  assert.equal(client.error, undefined, String(client.error));
  assert.equal(server.summary?.cipherSuite, CS.TLS_PSK_WITH_AES_128_GCM_SHA256);
  assert.deepEqual(cp.hints, [undefined]);
  assert.ok(!seen.includes(HandshakeType.server_key_exchange) && !seen.includes(HandshakeType.certificate));
});

test('TLS 1.2 PSK: an identity the server does not know is unknown_psk_identity; a wrong key fails the Finished', async () => {
  const unknown = await connect(
    { ...TLS12, cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: clientPsk('stranger').psk },
    { ...TLS12, certificates: [], cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: serverPsk() },
  );
  assert.ok(unknown.server.error instanceof TlsError);
  assert.equal(unknown.server.error.code, 'ERR_TLS_UNKNOWN_PSK_IDENTITY');
  assert.equal(unknown.client.error?.alert, AlertDescription.unknown_psk_identity);
  const wrong = await connect(
    { ...TLS12, cipherSuites: [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256], psk: clientPsk('device7', new Uint8Array(16).fill(7)).psk },
    { ...TLS12, certificates: [], cipherSuites: [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256], psk: serverPsk() },
  );
  assert.ok(wrong.server.error instanceof TlsError);
  // The server cannot decrypt the client's Finished (or its MAC does not match): the handshake fails.
  assert.ok(['ERR_TLS_BAD_RECORD_MAC', 'ERR_TLS_DECRYPT_ERROR'].includes(wrong.server.error.code), wrong.server.error.code);
  assert.equal(wrong.client.summary, undefined);
});

test('TLS 1.2 PSK: a client whose callback has no key gives up with handshake_failure', async () => {
  const { client, server } = await connect(
    { ...TLS12, cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: () => undefined },
    { ...TLS12, certificates: [], cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: serverPsk('h') },
  );
  assert.equal(client.error?.code, 'ERR_TLS_PSK_NO_KEY');
  assert.equal(server.error?.alert, AlertDescription.handshake_failure);
});

test('PSK suites: never offered or chosen by default, refused in cipherSuites without a key, chosen by preference with one', () => {
  const hello = (c: ClientConfig) => {
    const out = new ClientConnection(c).takeOutput();
    assert.ok(out !== null);
    return decodeClientHello(out.subarray(9));
  };
  const defaults = hello({ ...TLS12, psk: clientPsk().psk });
  assert.ok(!defaults.cipherSuites.includes(CS.TLS_PSK_WITH_AES_128_GCM_SHA256));
  assert.ok(!defaults.cipherSuites.includes(CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256));
  assert.throws(() => new ClientConnection({ ...TLS12, cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256] }), /PSK suite: it needs a pre-shared key/);
  assert.throws(() => new ServerConnection({ ...TLS12, certificates: [], cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256] }), /PSK suite/);
  assert.throws(() => new ServerConnection({ ...TLS12, certificates: [] }), /certificate and key \(or a pre-shared key/);
  const listed = hello({ ...TLS12, cipherSuites: [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, CS.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: clientPsk().psk });
  assert.deepEqual(
    listed.cipherSuites.filter((s) => s !== CS.TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
    [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, CS.TLS_PSK_WITH_AES_128_GCM_SHA256],
  );
});

test('TLS 1.2 PSK sessions resume by ticket, without asking for the key again', async () => {
  const ticketKeys = new TicketKeys(crypto);
  const sp = serverPsk('h');
  const suites = [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256];
  let session: Uint8Array | undefined;
  const first = pair(
    { ...TLS12, cipherSuites: suites, psk: clientPsk().psk, serverName: 'device.test', listener: (e) => void (e.type === 'session' && (session = e.session)) },
    { ...TLS12, certificates: [], cipherSuites: suites, psk: sp, ticketSealer: ticketKeys },
  );
  await pump(first.client, first.server);
  assert.equal(first.client.error, undefined, String(first.client.error));
  assert.ok(session !== undefined);
  const cp = clientPsk();
  const again = pair(
    { ...TLS12, cipherSuites: suites, psk: cp.psk, serverName: 'device.test', session },
    { ...TLS12, certificates: [], cipherSuites: suites, psk: sp, ticketSealer: ticketKeys },
  );
  await pump(again.client, again.server);
  assert.equal(again.client.error, undefined, String(again.client.error));
  assert.equal(again.client.summary?.resumed, true);
  assert.deepEqual(cp.hints, []);
  assert.deepEqual(sp.asked, ['device7']);
});

test('a server with both a certificate and a PSK serves certificate clients as before', async () => {
  const { testPki } = await import('./helpers/certs.js');
  const { certifiedKey } = await import('./helpers/memory.js');
  const pki = await testPki();
  const { client, server } = await connect(
    { ...TLS12, ca: [pki.root.certPem], serverName: 'localhost' },
    { ...TLS12, certificates: [certifiedKey(pki.server.ecdsa)], cipherSuites: [CS.TLS_PSK_WITH_AES_128_GCM_SHA256, CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], psk: serverPsk() },
  );
  assert.equal(client.error, undefined, String(client.error));
  assert.equal(server.error, undefined, String(server.error));
  assert.equal(client.summary?.cipherSuite, CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  assert.equal(client.summary?.authorized, true);
});

test('TLS 1.2 PSK, hostile input: edited plaintext flights (hint, identity, ECDHE share) fail with a TlsError and an alert, never an exception or a handshake', async () => {
  const suites = [CS.TLS_PSK_WITH_AES_128_GCM_SHA256, CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let failed = 0;
  for (let i = 0; i < 240; i++) {
    const suite = suites[i % 2] as number;
    const target = i % 4 < 2 ? 1 : 2; // the server's flight (hint, ECDHE share) or the client's (identity, share)
    const kind = rnd(3);
    const { client, server } = pair(
      { ...TLS12, cipherSuites: [suite], psk: clientPsk().psk },
      { ...TLS12, certificates: [], cipherSuites: [suite], psk: serverPsk('hint-1') },
    );
    await pump(client, server, {
      tamper: (bytes, _from, flight) => {
        if (flight !== target) return bytes;
        const b = bytes.slice();
        // Past the 5-byte record header and the 4-byte message header of the first message.
        const at = 9 + rnd(Math.max(1, b.length - 9));
        if (kind === 0) b[at] = (b[at] as number) ^ (1 + rnd(255));
        else if (kind === 1) return b.subarray(0, at);
        else return Uint8Array.from([...b.subarray(0, at), rnd(256), ...b.subarray(at)]);
        return b;
      },
    });
    for (const c of [client, server]) {
      if (c.error !== undefined) assert.ok(c.error instanceof TlsError, `case ${i}: ${String(c.error)}`);
    }
    // The Finished messages cover every byte of these flights: no edit may leave both sides complete.
    assert.ok(!(client.handshakeComplete && server.handshakeComplete), `case ${i}: an edited flight was accepted`);
    if (client.error !== undefined || server.error !== undefined) failed++;
  }
  // The rest leave a side waiting for bytes that never come (a cut record, or a length made longer), which is right.
  assert.ok(failed > 120, `only ${failed} of 240 edits ended in an error`);
});

const TLS13 = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

test('TLS 1.3 external PSK: no certificate, psk_dhe_ke, the "ext binder"; reported as node:tls does (resumed, client authorized)', async () => {
  const sp = serverPsk('ignored in TLS 1.3');
  const cp = clientPsk();
  const ticketKeys = crypto.randomBytes(48);
  let session: Uint8Array | undefined;
  const { client, server } = await connect(
    { ...TLS13, psk: cp.psk, listener: (e) => void (e.type === 'session' && (session = e.session)) },
    { ...TLS13, certificates: [], psk: sp, ticketKeys },
  );
  assert.equal(client.error, undefined, String(client.error));
  assert.equal(server.error, undefined, String(server.error));
  assert.equal(client.summary?.version, 'TLSv1.3');
  assert.equal(client.summary?.resumed, true);
  assert.equal(server.summary?.resumed, true);
  assert.deepEqual(client.summary?.peerCertificates, []);
  assert.equal(client.summary?.authorized, true);
  assert.equal(server.summary?.authorized, false);
  assert.ok(client.summary?.group !== undefined, 'psk_dhe_ke: a key exchange too');
  // TLS 1.3 has no identity hint: the client is asked with none, before its ClientHello.
  assert.deepEqual(cp.hints, [undefined]);
  assert.deepEqual(sp.asked, ['device7']);
  client.write(enc.encode('ping'));
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'ping');
  // The ticket that follows resumes without the key being asked for again.
  assert.ok(session !== undefined, 'a ticket after the PSK handshake');
  const cp2 = clientPsk();
  const again = await connect({ ...TLS13, psk: cp2.psk, session }, { ...TLS13, certificates: [], psk: sp, ticketKeys });
  assert.equal(again.client.error, undefined, String(again.client.error));
  assert.equal(again.client.summary?.resumed, true);
  assert.deepEqual(cp2.hints, []);
  assert.deepEqual(sp.asked, ['device7']);
});

test('TLS 1.3 external PSK: a wrong key fails the binder (decrypt_error); an unknown identity falls back to certificates', async () => {
  const wrong = await connect({ ...TLS13, psk: clientPsk('device7', new Uint8Array(16).fill(9)).psk }, { ...TLS13, certificates: [], psk: serverPsk() });
  assert.equal(wrong.server.error?.alert, AlertDescription.decrypt_error);
  assert.equal(wrong.client.error?.alert, AlertDescription.decrypt_error);
  // Unknown, and the server has no certificate: nothing left to authenticate with.
  const none = await connect({ ...TLS13, psk: clientPsk('stranger').psk }, { ...TLS13, certificates: [], psk: serverPsk() });
  assert.equal(none.server.error?.alert, AlertDescription.handshake_failure);
  // Unknown, and the server has a certificate the client trusts: a certificate handshake, as node:tls does.
  const { testPki } = await import('./helpers/certs.js');
  const { certifiedKey } = await import('./helpers/memory.js');
  const pki = await testPki();
  const sp = serverPsk();
  const fallback = await connect(
    { ...TLS13, psk: clientPsk('stranger').psk, ca: [pki.root.certPem], serverName: 'localhost' },
    { ...TLS13, certificates: [certifiedKey(pki.server.ecdsa)], psk: sp },
  );
  assert.equal(fallback.client.error, undefined, String(fallback.client.error));
  assert.equal(fallback.client.summary?.resumed, false);
  assert.equal(fallback.client.summary?.peerCertificates.length, 1);
  assert.deepEqual(sp.asked, ['stranger']);
});

test('TLS 1.3 external PSK after a HelloRetryRequest: the binder is computed again over the new transcript', async () => {
  const { client, server } = await connect(
    { ...TLS13, psk: clientPsk().psk, groups: [G.x25519, G.secp256r1] },
    { ...TLS13, certificates: [], psk: serverPsk(), groups: [G.secp256r1] },
  );
  assert.equal(client.error, undefined, String(client.error));
  assert.equal(server.error, undefined, String(server.error));
  assert.equal(client.summary?.resumed, true);
  assert.equal(client.summary?.group, G.secp256r1);
});

test('TLS 1.3 external PSK: only with a SHA-256 suite enabled (its hash); otherwise it is not offered', async () => {
  const cp = clientPsk();
  const out = new ClientConnection({ ...TLS13, cipherSuites: [CS.TLS_AES_256_GCM_SHA384], psk: cp.psk }).takeOutput();
  assert.ok(out !== null);
  const hello = decodeClientHello(out.subarray(9));
  assert.equal(hello.ext.preSharedKey, undefined);
  assert.deepEqual(cp.hints, []);
});

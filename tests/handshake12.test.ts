import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { testPki } from './helpers/certs.js';
import { certifiedKey, crypto, pair, pump, text, type Tamper } from './helpers/memory.js';
import { basicExtensions, clientHello, finishRsa, handshakeMessages, plainRecord, splitRecords, startRsa } from './helpers/script12.js';
import { AlertDescription, CipherSuite as CS, ContentType, ExtensionType as E, NamedGroup as G, ProtocolVersion, alertName } from '../src/wire/iana.js';
import { DOWNGRADE_TLS12, decodeClientHello, decodeServerHello, encodeClientHello } from '../src/wire/hello.js';
import { ext as X } from '../src/wire/extensions.js';
import { encodeHelloRequest } from '../src/wire/messages12.js';
import { ServerConnection } from '../src/conn/server.js';
import { ClientConnection } from '../src/conn/client.js';
import type { ClientConfig, ServerConfig } from '../src/conn/config.js';
import type { ConnectionEvent, TraceEvent } from '../src/conn/types.js';
import { SessionCache } from '../src/handshake/session-cache.js';
import { TicketKeys } from '../src/handshake/ticket-keys.js';
import { suite12 } from '../src/keys/suites12.js';

const enc = new TextEncoder();

async function setup() {
  const pki = await testPki();
  return { pki, ca: [pki.root.certPem] };
}

interface Run {
  client: ClientConnection;
  server: ServerConnection;
  clientEvents: ConnectionEvent[];
  serverEvents: ConnectionEvent[];
}

async function run(c: ClientConfig, s: ServerConfig, opts: { chunk?: number; tamper?: Tamper } = {}): Promise<Run> {
  const clientEvents: ConnectionEvent[] = [];
  const serverEvents: ConnectionEvent[] = [];
  const { client, server } = pair(
    { trace: true, keylog: true, listener: (e) => clientEvents.push(e), ...c },
    { trace: true, keylog: true, listener: (e) => serverEvents.push(e), ...s },
  );
  await pump(client, server, opts);
  return { client, server, clientEvents, serverEvents };
}

function traces(events: readonly ConnectionEvent[], kind: string): TraceEvent[] {
  return events.flatMap((e) => (e.type === 'trace' && e.event.kind === kind ? [e.event] : []));
}

async function roundTrip(r: Run): Promise<void> {
  r.client.write(enc.encode('ping'));
  r.server.write(enc.encode('pong'));
  await pump(r.client, r.server);
  assert.equal(text(r.server.readPlaintext()), 'ping');
  assert.equal(text(r.client.readPlaintext()), 'pong');
}

function ok(r: Run, what: string): void {
  assert.equal(r.client.error, undefined, `${what}: client: ${r.client.error?.message}`);
  assert.equal(r.server.error, undefined, `${what}: server: ${r.server.error?.message}`);
  assert.ok(r.client.handshakeComplete && r.server.handshakeComplete, what);
}

test('RFC 5289 / RFC 7905 / RFC 8422: every ECDHE AEAD suite with every fitting certificate type and group', async () => {
  const { pki, ca } = await setup();
  const ecdsaSuites = [CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CS.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CS.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
  const rsaSuites = [CS.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CS.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CS.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256];
  const cases: [number, 'ecdsa' | 'rsa' | 'ed25519' | 'p384'][] = [
    ...ecdsaSuites.flatMap((s) => [[s, 'ecdsa'], [s, 'ed25519'], [s, 'p384']] as [number, 'ecdsa' | 'ed25519' | 'p384'][]),
    ...rsaSuites.map((s) => [s, 'rsa'] as [number, 'rsa']),
  ];
  for (const [suite, certName] of cases) {
    for (const group of [G.x25519, G.secp256r1, G.secp384r1]) {
      const r = await run(
        { serverName: 'localhost', ca, maxVersion: 'TLSv1.2', cipherSuites: [suite], groups: certName === 'ecdsa' && group !== G.secp256r1 ? [group, G.secp256r1] : certName === 'p384' && group !== G.secp384r1 ? [group, G.secp384r1] : [group] },
        { certificates: [certifiedKey(pki.server[certName])], groups: [group] },
      );
      ok(r, `${suite12(suite)?.name} ${certName} ${group}`);
      assert.equal(r.client.summary?.version, 'TLSv1.2');
      assert.equal(r.client.summary?.cipherSuite, suite);
      assert.equal(r.client.summary?.group, group);
      assert.equal(r.server.summary?.group, group);
      assert.ok(r.client.summary?.peerSignatureScheme !== undefined);
      assert.equal(r.client.summary?.authorized, true);
      await roundTrip(r);
    }
  }
});

test('RFC 5246 §7.4.7.1: RSA key transport (GCM suites) only when named, with an RSA certificate', async () => {
  const { pki, ca } = await setup();
  for (const suite of [CS.TLS_RSA_WITH_AES_128_GCM_SHA256, CS.TLS_RSA_WITH_AES_256_GCM_SHA384]) {
    const r = await run({ serverName: 'localhost', ca, cipherSuites: [suite] }, { certificates: [certifiedKey(pki.server.rsa)], cipherSuites: [suite] });
    ok(r, suite12(suite)?.name ?? '');
    assert.equal(r.client.summary?.group, undefined);
    await roundTrip(r);
  }
  // Not on by default: a default server refuses a client that offers only RSA key transport.
  const refused = await run({ serverName: 'localhost', ca, cipherSuites: [CS.TLS_RSA_WITH_AES_128_GCM_SHA256] }, { certificates: [certifiedKey(pki.server.rsa)] });
  assert.equal(refused.server.error?.alert, AlertDescription.handshake_failure);
});

test('RFC 7366: every CBC suite, with encrypt-then-MAC and with MAC-then-encrypt', async () => {
  const { pki, ca } = await setup();
  const cbc = [
    CS.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, CS.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, CS.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    CS.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, CS.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, CS.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, CS.TLS_RSA_WITH_AES_128_CBC_SHA,
    CS.TLS_RSA_WITH_AES_256_CBC_SHA, CS.TLS_RSA_WITH_AES_128_CBC_SHA256, CS.TLS_RSA_WITH_AES_256_CBC_SHA256,
  ];
  for (const suite of cbc) {
    const s = suite12(suite);
    assert.ok(s);
    const cert = certifiedKey(s.keyExchange === 'ecdhe_ecdsa' ? pki.server.ecdsa : pki.server.rsa);
    for (const etm of [true, false]) {
      const r = await run({ serverName: 'localhost', ca, cipherSuites: [suite], encryptThenMac: etm }, { certificates: [cert], cipherSuites: [suite] });
      ok(r, `${s.name} etm=${etm}`);
      assert.equal(traces(r.clientEvents, 'server-hello')[0]?.etm, etm, `${s.name} etm=${etm}`);
      await roundTrip(r);
      // A long message crosses several records.
      const big = crypto.randomBytes(40000);
      r.client.write(big);
      await pump(r.client, r.server);
      assert.deepEqual(r.server.readPlaintext(), big);
    }
  }
});

test('RFC 5246 §6.2.1: a TLS 1.2 handshake fed one byte per chunk (CBC, client certificate, resumption)', async () => {
  const { pki, ca } = await setup();
  const cache = new SessionCache();
  const sessions: Uint8Array[] = [];
  const suite = CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256;
  const server: ServerConfig = { certificates: [certifiedKey(pki.server.rsa)], cipherSuites: [suite], requestCert: true, ca, sessionCache: cache };
  const r = await run(
    { serverName: 'localhost', ca, cipherSuites: [suite], certificate: certifiedKey(pki.client.ecdsa), listener: (e) => e.type === 'session' && sessions.push(e.session) },
    server,
    { chunk: 1 },
  );
  ok(r, 'one byte');
  assert.equal(r.server.summary?.authorized, true);
  const session = sessions[0];
  assert.ok(session);
  const again = await run({ serverName: 'localhost', ca, cipherSuites: [suite], session }, server, { chunk: 1 });
  ok(again, 'resumed one byte');
  assert.equal(again.client.summary?.resumed, true);
  await roundTrip(again);
});

test('RFC 8446 §4.2.1: with both versions enabled on both sides, TLS 1.3 is chosen; 1.2-only either side gives 1.2', async () => {
  const { pki, ca } = await setup();
  const cert = certifiedKey(pki.server.ecdsa);
  const both = await run({ serverName: 'localhost', ca }, { certificates: [cert] });
  ok(both, 'both');
  assert.equal(both.client.summary?.version, 'TLSv1.3');
  const server12 = await run({ serverName: 'localhost', ca }, { certificates: [cert], maxVersion: 'TLSv1.2' });
  ok(server12, 'server 1.2');
  assert.equal(server12.client.summary?.version, 'TLSv1.2');
  const client12 = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [cert] });
  ok(client12, 'client 1.2');
  assert.equal(client12.server.summary?.version, 'TLSv1.2');
  const none = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [cert], minVersion: 'TLSv1.3' });
  assert.equal(none.server.error?.alert, AlertDescription.protocol_version);
});

function serverRandomOf(bytes: Uint8Array): Uint8Array | undefined {
  const sh = handshakeMessages(splitRecords(bytes))[0];
  return sh === undefined ? undefined : decodeServerHello(sh.body).random;
}

test('RFC 8446 §4.1.3: downgrade sentinel set by a 1.3-capable server, checked by a 1.3-capable client', async () => {
  const { pki, ca } = await setup();
  const cert = certifiedKey(pki.server.ecdsa);
  // A 1.2-limited client and a 1.3-capable server: the sentinel is there, the client (no 1.3) accepts it.
  const seen: { random: Uint8Array | undefined } = { random: undefined };
  const capture: Tamper = (b, from, flight) => {
    if (from === 'server' && flight === 1) seen.random = serverRandomOf(b);
    return b;
  };
  const r = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [cert] }, { tamper: capture });
  ok(r, 'client 1.2');
  assert.deepEqual(seen.random?.subarray(24), DOWNGRADE_TLS12);
  // A 1.2-only server does not set it, and a 1.3-capable client connects.
  seen.random = undefined;
  const r2 = await run({ serverName: 'localhost', ca }, { certificates: [cert], maxVersion: 'TLSv1.2' }, { tamper: capture });
  ok(r2, 'server 1.2');
  const got = seen.random as Uint8Array | undefined;
  assert.ok(got !== undefined);
  assert.notDeepEqual(got.subarray(24), DOWNGRADE_TLS12);
  // An attacker strips TLS 1.3 from the ClientHello: the server answers 1.2 with the sentinel and the client aborts.
  const strip: Tamper = (b, from, flight) => {
    if (from !== 'client' || flight !== 0) return b;
    const msg = handshakeMessages(splitRecords(b))[0];
    assert.ok(msg);
    const ch = decodeClientHello(msg.body);
    const hello = encodeClientHello({ ...ch, extensions: ch.extensions.filter((e) => e.type !== E.supported_versions && e.type !== E.key_share) });
    return plainRecord(ContentType.handshake, hello.raw, ProtocolVersion.TLSv1);
  };
  const attacked = await run({ serverName: 'localhost', ca }, { certificates: [cert] }, { tamper: strip });
  assert.equal(attacked.client.error?.alert, AlertDescription.illegal_parameter);
  assert.match(attacked.client.error?.message ?? '', /downgrade sentinel/);
});

test('RFC 7507 §3: TLS_FALLBACK_SCSV is refused with inappropriate_fallback by a 1.3-capable server only', async () => {
  const { pki } = await setup();
  const cert = certifiedKey(pki.server.ecdsa);
  const hello = clientHello(crypto.randomBytes(32), {
    suites: [CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CS.TLS_FALLBACK_SCSV],
    extensions: [...basicExtensions(true), X.signatureAlgorithms([0x0403])],
  });
  const s13 = new ServerConnection({ certificates: [cert] });
  s13.receive(plainRecord(ContentType.handshake, hello.raw));
  assert.equal(s13.error?.alert, AlertDescription.inappropriate_fallback);
  const s12 = new ServerConnection({ certificates: [cert], maxVersion: 'TLSv1.2' });
  s12.receive(plainRecord(ContentType.handshake, hello.raw));
  assert.equal(s12.error, undefined, s12.error?.message);
  assert.equal(handshakeMessages(splitRecords(s12.takeOutput()))[0]?.type, 2);
});

test('RFC 8996 / RFC 5246 §E.1: SSL 3.0, TLS 1.0 and 1.1 are refused with protocol_version, both sides', async () => {
  const { pki, ca } = await setup();
  const cert = certifiedKey(pki.server.rsa);
  for (const v of [ProtocolVersion.SSLv3, ProtocolVersion.TLSv1, ProtocolVersion.TLSv1_1]) {
    const server = new ServerConnection({ certificates: [cert] });
    server.receive(plainRecord(ContentType.handshake, clientHello(crypto.randomBytes(32), { legacyVersion: v, suites: [CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA] }).raw, v));
    assert.equal(server.error?.alert, AlertDescription.protocol_version, `0x${v.toString(16)}`);
    const out = splitRecords(server.takeOutput());
    assert.deepEqual([...(out[0]?.body ?? [])], [2, AlertDescription.protocol_version]);
  }
  // The client refuses a ServerHello for TLS 1.1.
  const downgrade: Tamper = (b, from, flight) => {
    if (from === 'server' && flight === 1) {
      const c = b.slice();
      c[10] = 0x02; // ServerHello.server_version (record header 5 + handshake header 4 + 1)
      return c;
    }
    return b;
  };
  const r = await run({ serverName: 'localhost', ca }, { certificates: [cert], maxVersion: 'TLSv1.2' }, { tamper: downgrade });
  assert.equal(r.client.error?.alert, AlertDescription.protocol_version);
});

test('RFC 5246 §7.4.1.2: a ClientHello without the null compression method is refused', async () => {
  const { pki } = await setup();
  const server = new ServerConnection({ certificates: [certifiedKey(pki.server.rsa)] });
  server.receive(plainRecord(ContentType.handshake, clientHello(crypto.randomBytes(32), { suites: [CS.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256], compression: [1] }).raw));
  assert.equal(server.error?.alert, AlertDescription.illegal_parameter);
});

test('RFC 5246 §7.1: a ChangeCipherSpec where none is expected is unexpected_message', async () => {
  const { pki } = await setup();
  const server = new ServerConnection({ certificates: [certifiedKey(pki.server.rsa)], cipherSuites: [CS.TLS_RSA_WITH_AES_128_GCM_SHA256] });
  startRsa(server, true);
  // Before the ClientKeyExchange (the CCS-injection attack, CVE-2014-0224).
  server.receive(plainRecord(ContentType.change_cipher_spec, new Uint8Array([1])));
  assert.equal(server.error?.alert, AlertDescription.unexpected_message);
});

test('RFC 5246 §7.4.1.4.1: RSA key transport works without signature_algorithms; RFC 7627: requireExtendedMasterSecret', async () => {
  const { pki } = await setup();
  const cert = certifiedKey(pki.server.rsa);
  const rsaPub = createPublicKey(pki.server.rsa.certPem);
  for (const ems of [true, false]) {
    const server = new ServerConnection({ certificates: [cert], cipherSuites: [CS.TLS_RSA_WITH_AES_128_GCM_SHA256] });
    const f = startRsa(server, ems);
    const pms = new Uint8Array([3, 3, ...crypto.randomBytes(46)]);
    const ct = new Uint8Array(publicEncrypt({ key: rsaPub, padding: constants.RSA_PKCS1_PADDING }, pms));
    const [first, second] = finishRsa(server, f, ct, pms);
    assert.equal(first, null);
    assert.equal(server.error, undefined, server.error?.message);
    assert.ok(server.handshakeComplete);
    // The server's ChangeCipherSpec then its Finished.
    assert.equal(splitRecords(second)[0]?.type, ContentType.change_cipher_spec);
  }
  const strict = new ServerConnection({ certificates: [cert], cipherSuites: [CS.TLS_RSA_WITH_AES_128_GCM_SHA256], requireExtendedMasterSecret: true });
  assert.throws(() => startRsa(strict, false));
  assert.equal(strict.error?.alert, AlertDescription.handshake_failure);
});

test('RFC 5246 §7.4.7.1 (Bleichenbacher): 1,000 malformed RSA premaster ciphertexts of every class end the same way, at the same point', async () => {
  const { pki } = await setup();
  const cert = certifiedKey(pki.server.rsa);
  const pub = createPublicKey(pki.server.rsa.certPem);
  const k = 256;
  const raw = (em: Uint8Array): Uint8Array => new Uint8Array(publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, em));
  const block = (mutate: (em: Uint8Array) => void): Uint8Array => {
    const em = new Uint8Array(k);
    em[1] = 2;
    em.set(crypto.randomBytes(k - 3 - 48).map((b) => b | 1), 2);
    em[k - 49] = 0;
    em.set([3, 3, ...crypto.randomBytes(46)], k - 48);
    mutate(em);
    return em;
  };
  const classes: Record<string, () => Uint8Array> = {
    'wrong length': () => raw(block(() => undefined)).subarray(1),
    'bad padding bytes': () => raw(block((em) => (em[1] = 1))),
    'no zero separator': () => raw(block((em) => (em[k - 49] = 7))),
    'wrong version': () => raw(block((em) => (em[k - 47] = 2))),
    valid: () => raw(block(() => undefined)),
  };
  const outcomes = new Set<string>();
  for (const [name, make] of Object.entries(classes)) {
    for (let i = 0; i < 200; i++) {
      const server = new ServerConnection({ certificates: [cert], cipherSuites: [CS.TLS_RSA_WITH_AES_128_GCM_SHA256] });
      const f = startRsa(server, true);
      // The attacker does not know the premaster secret the server ends up with: its guess is random.
      const [first, second] = finishRsa(server, f, make(), crypto.randomBytes(48));
      // Nothing is observable after the ClientKeyExchange and ChangeCipherSpec ...
      assert.equal(first, null, name);
      // ... and the Finished fails the same way for every class.
      const e = server.error;
      outcomes.add(`${e?.alert === undefined ? 'none' : alertName(e.alert)} ${e?.code} ${e?.message} ${Buffer.from(second ?? []).toString('hex')}`);
    }
  }
  assert.equal(outcomes.size, 1, [...outcomes].join('\n'));
  assert.match([...outcomes][0] ?? '', /^bad_record_mac /);
});

test('RFC 7627: the extended master secret is used when both offer it; required on a client refuses a server without it', async () => {
  const { pki, ca } = await setup();
  const r = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  ok(r, 'ems');
  assert.equal(traces(r.clientEvents, 'server-hello')[0]?.ems, true);
  // Strip EMS from the ServerHello: the transcript breaks too, but the client refuses first, by the option.
  const stripEms: Tamper = (b, from, flight) => {
    if (from !== 'server' || flight !== 1) return b;
    const msgs = handshakeMessages(splitRecords(b));
    const sh = msgs[0];
    assert.ok(sh);
    const dec = decodeServerHello(sh.body);
    const { encodeServerHello } = helloCodec;
    const sh2 = encodeServerHello({ ...dec, extensions: dec.extensions.filter((e) => e.type !== E.extended_master_secret) });
    const rest = msgs.slice(1).flatMap((m) => [...m.raw]);
    return plainRecord(ContentType.handshake, new Uint8Array([...sh2.raw, ...rest]));
  };
  const strict = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2', requireExtendedMasterSecret: true }, { certificates: [certifiedKey(pki.server.ecdsa)] }, { tamper: stripEms });
  assert.equal(strict.client.error?.alert, AlertDescription.handshake_failure);
});

import * as helloCodec from '../src/wire/hello.js';

test('RFC 5246 §7.4.1.2: resumption by session ID from a bounded server cache', async () => {
  const { pki, ca } = await setup();
  const cache = new SessionCache({ maxEntries: 2, lifetimeSeconds: 60 });
  let now = Date.now();
  const server: ServerConfig = { certificates: [certifiedKey(pki.server.ecdsa)], sessionCache: cache, now: () => now };
  const sessions: Uint8Array[] = [];
  const client: ClientConfig = { serverName: 'localhost', ca, maxVersion: 'TLSv1.2', now: () => now, listener: (e) => e.type === 'session' && sessions.push(e.session) };
  const first = await run(client, server);
  ok(first, 'first');
  assert.equal(first.client.summary?.resumed, false);
  const session = sessions[0];
  assert.ok(session);
  assert.equal(cache.size, 1);
  const second = await run({ ...client, session }, server);
  ok(second, 'second');
  assert.equal(second.client.summary?.resumed, true);
  assert.equal(second.server.summary?.resumed, true);
  assert.equal(second.client.summary?.peerCertificates.length, 1);
  await roundTrip(second);
  assert.deepEqual(first.client.exportKeyingMaterial(16, 'EXPERIMENTAL a'), first.server.exportKeyingMaterial(16, 'EXPERIMENTAL a'));
  // Lifetime: after 61 s the session is gone (full handshake).
  now += 61_000;
  const expired = await run({ ...client, session }, server);
  ok(expired, 'expired');
  assert.equal(expired.server.summary?.resumed, false);
  // Size: two more sessions evict the first.
  await run(client, server);
  await run(client, server);
  assert.equal(cache.size, 2);
});

test('RFC 5077: resumption by session ticket; a ticket under retired keys gives a full handshake', async () => {
  const { pki, ca } = await setup();
  const keys = new TicketKeys(crypto, crypto.randomBytes(48));
  const server: ServerConfig = { certificates: [certifiedKey(pki.server.rsa)], ticketSealer: keys };
  const sessions: Uint8Array[] = [];
  const client: ClientConfig = { serverName: 'localhost', ca, maxVersion: 'TLSv1.2', listener: (e) => e.type === 'session' && sessions.push(e.session) };
  ok(await run(client, server), 'first');
  const session = sessions.at(-1);
  assert.ok(session);
  const second = await run({ ...client, session }, server);
  ok(second, 'second');
  assert.equal(second.client.summary?.resumed, true);
  assert.equal(second.server.summary?.resumed, true);
  await roundTrip(second);
  // One rotation: still accepted (previous key kept). Two: refused, full handshake.
  keys.setTicketKeys(crypto.randomBytes(48));
  const third = await run({ ...client, session }, server);
  assert.equal(third.server.summary?.resumed, true);
  keys.setTicketKeys(crypto.randomBytes(48));
  const fourth = await run({ ...client, session }, server);
  ok(fourth, 'fourth');
  assert.equal(fourth.server.summary?.resumed, false);
  // The same bytes through ServerConfig.ticketKeys (node's 48-byte format).
  const k48 = crypto.randomBytes(48);
  sessions.length = 0;
  ok(await run(client, { certificates: [certifiedKey(pki.server.rsa)], ticketKeys: k48 }), 'k48');
  const s48 = sessions.at(-1);
  assert.ok(s48);
  const again = await run({ ...client, session: s48 }, { certificates: [certifiedKey(pki.server.rsa)], ticketKeys: k48 });
  assert.equal(again.server.summary?.resumed, true);
});

test('RFC 5246 §7.4.4–§7.4.8: client authentication, required and optional, as in TLS 1.3', async () => {
  const { pki, ca } = await setup();
  for (const clientCert of ['ecdsa', 'rsa'] as const) {
    const r = await run(
      { serverName: 'localhost', ca, maxVersion: 'TLSv1.2', certificate: certifiedKey(pki.client[clientCert]) },
      { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, ca },
    );
    ok(r, `client ${clientCert}`);
    assert.equal(r.server.summary?.authorized, true);
    assert.equal(r.server.summary?.peerCertificates.length, 1);
    assert.ok(r.server.summary?.peerSignatureScheme !== undefined);
  }
  // Required, none sent: handshake_failure, as OpenSSL sends in TLS 1.2.
  const refused = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, ca });
  assert.equal(refused.server.error?.alert, AlertDescription.handshake_failure);
  assert.equal(refused.client.error?.alert, AlertDescription.handshake_failure);
  assert.equal(refused.client.error?.remote, true);
  // Optional, none sent: completes, not authorized.
  const optional = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, requireCert: false, ca });
  ok(optional, 'optional');
  assert.equal(optional.server.summary?.authorized, false);
  assert.equal(optional.server.summary?.authorizationError?.code, 'ERR_TLS_CERT_REQUIRED');
});

test('RFC 5746 §4.2: renegotiation is refused with a no_renegotiation warning; the client ignores HelloRequest', async () => {
  const { pki, ca } = await setup();
  const r = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  ok(r, 'handshake');
  // The client asks to renegotiate (a new ClientHello under the current keys).
  r.client.sendHandshake(clientHello(crypto.randomBytes(32), { suites: [CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] }));
  await pump(r.client, r.server);
  const alerts = traces(r.clientEvents, 'alert').filter((a) => a.direction === 'received');
  assert.deepEqual(alerts.map((a) => [a.level, a.description]), [[1, 'no_renegotiation']]);
  assert.equal(r.server.error, undefined);
  assert.equal(r.client.error, undefined);
  await roundTrip(r);
  // The server sends HelloRequest: ignored, the connection stays usable.
  r.server.sendHandshake(encodeHelloRequest());
  await pump(r.client, r.server);
  assert.equal(errorOf(r.client), undefined);
  await roundTrip(r);
});

function errorOf(c: ClientConnection | ServerConnection): string | undefined {
  return c.error?.message;
}

test('NSS key log: CLIENT_RANDOM <client random> <master secret>, the same on both sides; exporters agree', async () => {
  const { pki, ca } = await setup();
  const r = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  ok(r, 'keylog');
  const lines = (ev: readonly ConnectionEvent[]) => ev.flatMap((e) => (e.type === 'keylog' ? [e.line] : []));
  assert.equal(lines(r.clientEvents).length, 1);
  assert.match(lines(r.clientEvents)[0] ?? '', /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  assert.deepEqual(lines(r.clientEvents), lines(r.serverEvents));
  assert.deepEqual(r.client.exportKeyingMaterial(32, 'EXPERIMENTAL x', enc.encode('ctx')), r.server.exportKeyingMaterial(32, 'EXPERIMENTAL x', enc.encode('ctx')));
});

test('RFC 7301 / RFC 6066 in TLS 1.2: ALPN chosen (none in common is no_application_protocol); certificate chosen by SNI name', async () => {
  const { pki, ca } = await setup();
  const certs = [certifiedKey(pki.server.ecdsa), certifiedKey(pki.server.wrongHost)];
  const r = await run({ serverName: 'other.test', ca, maxVersion: 'TLSv1.2', alpnProtocols: ['h2', 'http/1.1'] }, { certificates: certs, alpnProtocols: ['http/1.1'] });
  ok(r, 'alpn + sni');
  assert.equal(r.client.summary?.alpnProtocol, 'http/1.1');
  assert.equal(r.server.summary?.alpnProtocol, 'http/1.1');
  assert.equal(r.server.summary?.serverName, 'other.test');
  assert.deepEqual(r.client.summary?.peerCertificates[0], certs[1]?.chain[0]);
  const none = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2', alpnProtocols: ['h2'] }, { certificates: certs, alpnProtocols: ['http/1.1'] });
  assert.equal(none.server.error?.alert, AlertDescription.no_application_protocol);
});

test('RFC 5246 §7.4.2 in TLS 1.2: a certificate for another name, or from an unknown CA, is refused with the alert that says so', async () => {
  const { pki, ca } = await setup();
  const wrong = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.wrongHost)] });
  assert.equal(wrong.client.error?.alert, AlertDescription.bad_certificate);
  assert.equal(wrong.server.error?.remote, true);
  const unknown = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2' }, { certificates: [certifiedKey(pki.server.untrusted)] });
  assert.equal(unknown.client.error?.alert, AlertDescription.unknown_ca);
  // rejectUnauthorized false: the handshake completes, authorized is false with the reason.
  const lax = await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2', rejectUnauthorized: false }, { certificates: [certifiedKey(pki.server.untrusted)] });
  ok(lax, 'lax');
  assert.equal(lax.client.summary?.authorized, false);
  assert.ok(lax.client.summary?.authorizationError !== undefined);
});

test('RFC 7627 §5.3: a session made with the extended master secret is not resumed by a ClientHello without it', async () => {
  const { pki, ca } = await setup();
  const cache = new SessionCache();
  const server: ServerConfig = { certificates: [certifiedKey(pki.server.ecdsa)], sessionCache: cache };
  const sessions: Uint8Array[] = [];
  ok(await run({ serverName: 'localhost', ca, maxVersion: 'TLSv1.2', listener: (e) => e.type === 'session' && sessions.push(e.session) }, server), 'first');
  assert.equal(cache.size, 1);
  const session = sessions[0];
  assert.ok(session);
  // The session ID is the 32 bytes after the magic, suite and master secret (src/handshake/session12.ts).
  const id = session.subarray(5 + 2 + 1 + 48 + 1 + 1, 5 + 2 + 1 + 48 + 1 + 1 + 32);
  const withId = (ems: boolean) =>
    encodeClientHello({
      legacyVersion: ProtocolVersion.TLSv1_2,
      random: crypto.randomBytes(32),
      sessionId: id,
      cipherSuites: [CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
      compressionMethods: [0],
      extensions: [...basicExtensions(ems), X.signatureAlgorithms([0x0403]), X.serverName('localhost')],
    });
  for (const ems of [true, false]) {
    const s = new ServerConnection(server);
    s.receive(plainRecord(ContentType.handshake, withId(ems).raw));
    const msgs = handshakeMessages(splitRecords(s.takeOutput()));
    const sh = msgs[0];
    assert.ok(sh);
    const echoed = Buffer.from(decodeServerHello(sh.body).sessionId).equals(Buffer.from(id));
    // With EMS: resumed (ID echoed, no Certificate). Without: a full handshake under a new ID.
    assert.equal(echoed, ems);
    assert.equal(msgs.some((m) => m.type === 11), !ems);
  }
});

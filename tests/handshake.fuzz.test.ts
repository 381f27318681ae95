// Hostile input: real handshake flights with random bytes changed, cut short or extended, fed to fresh
// connections. receive() must never throw, and every failure must be a TlsError with a specific alert —
// never the internal_error that wraps an unexpected exception. Seeded, so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { certifiedKey, pair, pump } from './helpers/memory.js';
import { ClientConnection } from '../src/conn/client.js';
import { ServerConnection } from '../src/conn/server.js';
import type { ClientConfig, ServerConfig } from '../src/conn/config.js';
import { TlsError } from '../src/errors.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { concatBytes } from '../src/wire/bytes.js';
import { CipherSuite } from '../src/wire/iana.js';
import { rewriteFlight, splitRecords } from './helpers/mitm.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 0x100000000;
  };
}

function mutate(bytes: Uint8Array, rnd: () => number): Uint8Array {
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) return bytes.subarray(0, Math.floor(rnd() * bytes.length)); // truncated
  const out = bytes.slice();
  const flips = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rnd() * out.length);
    out[at] = kind === 1 ? Math.floor(rnd() * 256) : kind === 2 ? (out[at] as number) ^ (1 << Math.floor(rnd() * 8)) : 0xff;
  }
  return out;
}

async function flights(clientConfig: ClientConfig, serverConfig: ServerConfig): Promise<{ toServer: Uint8Array[]; toClient: Uint8Array[] }> {
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const { client, server } = pair(clientConfig, serverConfig);
  await pump(client, server, {
    tamper: (b, from) => {
      (from === 'client' ? toServer : toClient).push(b);
      return b;
    },
  });
  assert.ok(client.handshakeComplete && server.handshakeComplete);
  return { toServer, toClient };
}

function checkOutcome(conn: ClientConnection | ServerConnection, what: string): void {
  const e = conn.error;
  if (e === undefined) return;
  assert.ok(e instanceof TlsError, `${what}: not a TlsError`);
  assert.notEqual(e.code, 'ERR_TLS_INTERNAL_ERROR', `${what}: an unexpected exception escaped a decoder or state: ${e.message}`);
}

/** Fresh configs whose randomness is fixed, so a replayed peer produces the recorded bytes exactly. */
function deterministic<T extends ClientConfig | ServerConfig>(config: T, seed: number): T {
  const r = prng(seed);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  return { ...config, random: bytes, crypto: nodeCryptoProvider({ random: bytes }) };
}

/** Feeds flights 0..k-1 unchanged and flight k mutated, as the peer would have sent them. */
function replay(conn: ClientConnection | ServerConnection, flights: readonly Uint8Array[], k: number, rnd: () => number): void {
  for (let i = 0; i < k && conn.error === undefined; i++) {
    const f = flights[i];
    if (f !== undefined) conn.receive(f);
    conn.takeOutput();
  }
  const target = flights[k];
  if (target !== undefined && conn.error === undefined) conn.receive(mutate(target, rnd));
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`hostile input (${version}): 600 mutated flights end in a specific TlsError, never an exception`, async () => {
    const pki = await testPki();
    const ca = [pki.root.certPem];
    // Ed25519 on both sides: its signatures are deterministic, so a replayed peer signs the same bytes.
    // (The client's certificate is a server one: the server records the purpose failure and goes on,
    // which still exercises the client Certificate and CertificateVerify paths.)
    const ed = certifiedKey(pki.server.ed25519);
    // With OCSP stapling, so the stapled response (TLS 1.2: a CertificateStatus message) is mutated too.
    const clientConfig: ClientConfig = { serverName: 'localhost', ca, minVersion: version, maxVersion: version, certificate: ed, requestOcsp: true };
    const ocsp = new Uint8Array(64).fill(0x30);
    const serverConfig: ServerConfig = { certificates: [ed], requestCert: true, requireCert: false, ca, minVersion: version, maxVersion: version, ocspResponse: () => ocsp };
    const f = await flights(deterministic(clientConfig, 1), deterministic(serverConfig, 2));
    // Unchanged, the replay completes on both sides: the mutations below reach every state.
    const cleanServer = new ServerConnection(deterministic(serverConfig, 2));
    replay(cleanServer, [...f.toServer, new Uint8Array(0)], f.toServer.length, () => 0);
    const cleanClient = new ClientConnection(deterministic(clientConfig, 1));
    cleanClient.takeOutput();
    replay(cleanClient, [...f.toClient, new Uint8Array(0)], f.toClient.length, () => 0);
    assert.ok(cleanServer.handshakeComplete && cleanClient.handshakeComplete, `${cleanServer.error?.message ?? ''} ${cleanClient.error?.message ?? ''}`);
    const rnd = prng(version === 'TLSv1.3' ? 13 : 12);
    let deep = 0;
    for (let i = 0; i < 300; i++) {
      // The server's view: the client's flights, the k-th mutated.
      const server = new ServerConnection(deterministic(serverConfig, 2));
      const ks = Math.floor(rnd() * f.toServer.length);
      assert.doesNotThrow(() => replay(server, f.toServer, ks, rnd));
      checkOutcome(server, `server, flight ${ks}, case ${i}`);

      // The client's view: the same ClientHello as recorded, then the server's flights, the k-th mutated.
      const client = new ClientConnection(deterministic(clientConfig, 1));
      client.takeOutput();
      const kc = Math.floor(rnd() * f.toClient.length);
      assert.doesNotThrow(() => replay(client, f.toClient, kc, rnd));
      checkOutcome(client, `client, flight ${kc}, case ${i}`);
      if (ks > 0 || kc > 0) deep++;
    }
    assert.ok(deep > 100, 'mutations reach beyond the first flight');
  });
}

/** A handshake message with its 24-bit length set to its body (after a cut or an insertion). */
function withLength(m: Uint8Array): Uint8Array {
  const n = m.length - 4;
  m[1] = (n >>> 16) & 0xff;
  m[2] = (n >>> 8) & 0xff;
  m[3] = n & 0xff;
  return m;
}

/** One structural edit of a flight's handshake messages: a byte changed, a cut, an insertion, a message dropped, repeated or moved. */
function mutateMessages(msgs: readonly Uint8Array[], rnd: () => number): Uint8Array[] {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const i = pick(msgs.length);
  const m = msgs[i] as Uint8Array;
  const out = msgs.slice();
  switch (pick(7)) {
    case 0: {
      const c = m.slice();
      const at = 4 + pick(Math.max(1, c.length - 4));
      if (at < c.length) c[at] = (c[at] as number) ^ (1 << pick(8));
      out[i] = c;
      break;
    }
    case 1:
      out[i] = withLength(m.slice(0, 4 + pick(Math.max(1, m.length - 4))));
      break;
    case 2:
      out[i] = m.subarray(0, pick(m.length)); // the length field still claims the whole message
      break;
    case 3: {
      const at = 4 + pick(m.length - 3);
      const extra = Uint8Array.from({ length: 1 + pick(6) }, () => pick(256));
      out[i] = withLength(concatBytes(m.subarray(0, at), extra, m.subarray(at)));
      break;
    }
    case 4:
      out.splice(i, 1);
      break;
    case 5:
      out.splice(i, 0, m);
      break;
    default:
      out.reverse();
  }
  return out;
}

test('hostile input inside encryption (TLS 1.3): 240 encrypted flights edited by a man in the middle who knows the keys end in a specific TlsError, and none is accepted', async () => {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const suite = CipherSuite.TLS_AES_128_GCM_SHA256;
  const rnd = prng(1313);
  let edited = 0;
  for (let i = 0; i < 240; i++) {
    const keylog: string[] = [];
    const listener = (e: { type: string; line?: string }): void => {
      if (e.type === 'keylog' && e.line !== undefined) keylog.push(e.line);
    };
    // Client authentication, so both directions carry a Certificate, CertificateVerify and Finished.
    const { client, server } = pair(
      { serverName: 'localhost', ca, cipherSuites: [suite], certificate: certifiedKey(pki.server.ecdsa), keylog: true, listener },
      { certificates: [certifiedKey(pki.server.ecdsa)], requestCert: true, requireCert: false, ca, keylog: true, listener },
    );
    const target = rnd() < 0.6 ? 'server' : 'client';
    const label = target === 'server' ? 'SERVER_HANDSHAKE_TRAFFIC_SECRET' : 'CLIENT_HANDSHAKE_TRAFFIC_SECRET';
    let changed = false;
    await assert.doesNotReject(
      pump(client, server, {
        tamper: (bytes, from) => {
          if (edited > i || from !== target || !keylog.some((l) => l.startsWith(label + ' '))) return bytes;
          if (!splitRecords(bytes).records.some((r) => r.type === 23)) return bytes;
          edited = i + 1;
          return rewriteFlight(bytes, keylog, label, suite, (msgs) => {
            const out = mutateMessages(msgs, rnd);
            changed = !Buffer.from(concatBytes(...out)).equals(Buffer.from(concatBytes(...msgs)));
            return out;
          });
        },
      }),
    );
    assert.equal(edited, i + 1, `case ${i}: the ${target}'s encrypted flight was not reached`);
    checkOutcome(client, `client, case ${i} (${target} flight edited)`);
    checkOutcome(server, `server, case ${i} (${target} flight edited)`);
    if (changed) {
      const accepted = client.error === undefined && server.error === undefined && client.handshakeComplete && server.handshakeComplete;
      assert.ok(!accepted, `case ${i}: an edited ${target} flight was accepted`);
    }
  }
});

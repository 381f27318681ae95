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
    const clientConfig: ClientConfig = { serverName: 'localhost', ca, minVersion: version, maxVersion: version, certificate: ed };
    const serverConfig: ServerConfig = { certificates: [ed], requestCert: true, requireCert: false, ca, minVersion: version, maxVersion: version };
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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientSessionStore,
  decodeClientSession,
  decodeServerTicketState,
  encodeClientSession,
  encodeServerTicketState,
  type ClientSession13,
  type ServerTicketState,
} from '../src/handshake/session13.js';
import { EarlyDataReplayGuard } from '../src/handshake/anti-replay.js';
import { CipherSuite as CS } from '../src/wire/iana.js';

const serverState: ServerTicketState = {
  suite: CS.TLS_AES_256_GCM_SHA384,
  psk: new Uint8Array(48).fill(7),
  ageAdd: 0xfad6aac5,
  issuedAt: 1_700_000_000_123,
  lifetime: 7200,
  maxEarlyData: 16384,
  alpn: 'h2',
  serverName: 'example.test',
  peerCertificates: [new Uint8Array([1, 2, 3]), new Uint8Array([4])],
  peerAuthorized: true,
};

const clientSession: ClientSession13 = {
  suite: CS.TLS_AES_128_GCM_SHA256,
  psk: new Uint8Array(32).fill(9),
  ticket: new Uint8Array(100).fill(3),
  ageAdd: 12345,
  receivedAt: 1_700_000_000_000,
  lifetime: 60,
  maxEarlyData: 0,
  alpn: undefined,
  serverName: 'localhost',
  peerCertificates: [new Uint8Array([5, 6])],
  verifiedChain: [new Uint8Array([5, 6]), new Uint8Array([7])],
};

test('RFC 8446 §4.6.1: ticket state and client session round-trip; every truncated prefix and trailing byte refused', () => {
  const s = encodeServerTicketState(serverState);
  assert.deepEqual(decodeServerTicketState(s), serverState);
  for (let n = 0; n < s.length; n++) assert.equal(decodeServerTicketState(s.subarray(0, n)), undefined, `prefix ${n}`);
  assert.equal(decodeServerTicketState(new Uint8Array([...s, 0])), undefined);
  const c = encodeClientSession(clientSession);
  assert.deepEqual(decodeClientSession(c), clientSession);
  for (let n = 0; n < c.length; n++) assert.equal(decodeClientSession(c.subarray(0, n)), undefined, `prefix ${n}`);
  // The two formats are not confused with each other.
  assert.equal(decodeClientSession(s), undefined);
  assert.equal(decodeServerTicketState(c), undefined);
  const noVerified = encodeClientSession({ ...clientSession, verifiedChain: undefined, alpn: 'http/1.1' });
  assert.equal(decodeClientSession(noVerified)?.verifiedChain, undefined);
  assert.equal(decodeClientSession(noVerified)?.alpn, 'http/1.1');
});

test('sessions: the store hands out the newest live session once, and drops expired ones', () => {
  const store = new ClientSessionStore(3, 2);
  const mk = (receivedAt: number, lifetime: number) => encodeClientSession({ ...clientSession, receivedAt, lifetime });
  const old = mk(0, 10);
  const fresh = mk(1000, 100);
  store.put('a', old);
  store.put('a', fresh);
  assert.deepEqual(store.take('a', 5_000), fresh);
  assert.equal(store.take('a', 20_000), undefined, 'the older one has expired');
  assert.equal(store.size, 0);
  store.put('a', fresh);
  store.put('b', fresh);
  store.put('c', fresh);
  assert.equal(store.take('a', 0), undefined, 'least recently used server dropped');
  assert.ok(store.take('c', 0) !== undefined);
});

test('RFC 8446 §8: the replay guard accepts a ticket once while it lives, forgets it after, and refuses when full', () => {
  const g = new EarlyDataReplayGuard(2);
  const id = (n: number) => new Uint8Array([n]);
  assert.equal(g.firstUse(id(1), 0, 100), true);
  assert.equal(g.firstUse(id(1), 50, 100), false, 'replay');
  assert.equal(g.firstUse(id(2), 50, 200), true);
  assert.equal(g.firstUse(id(3), 60, 300), false, 'full of live entries: refuse');
  assert.equal(g.firstUse(id(3), 150, 300), true, 'the expired entry made room');
  assert.equal(g.size, 2);
  assert.equal(g.firstUse(id(1), 250, 400), true, 'after expiry the id may be used again (its ticket is dead anyway)');
});

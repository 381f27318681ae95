import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { certifiedKey, crypto, pair, pump, text } from './helpers/memory.js';
import { AlertDescription, CipherSuite as CS, NamedGroup as G, PskKeyExchangeMode } from '../src/wire/iana.js';
import { TicketKeys } from '../src/handshake/ticket-keys.js';
import { ClientSessionStore, decodeClientSession } from '../src/handshake/session13.js';
import { EarlyDataReplayGuard } from '../src/handshake/anti-replay.js';
import type { ClientConfig, ServerConfig } from '../src/conn/config.js';
import type { ClientConnection } from '../src/conn/client.js';
import type { ServerConnection } from '../src/conn/server.js';
import { ServerConnection as Server } from '../src/conn/server.js';
import type { TraceEvent } from '../src/conn/types.js';

const enc = new TextEncoder();

function at(list: readonly Uint8Array[], i: number): Uint8Array {
  const v = list[i];
  assert.ok(v !== undefined, `session ${i} missing`);
  return v;
}

async function setup() {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const cert = certifiedKey(pki.server.ecdsa);
  return { pki, ca, cert };
}

/** A full handshake that collects the tickets the client receives. */
async function firstConnection(clientCfg: ClientConfig, serverCfg: ServerConfig): Promise<{ sessions: Uint8Array[]; client: ClientConnection; server: ServerConnection }> {
  const sessions: Uint8Array[] = [];
  const { client, server } = pair(
    {
      ...clientCfg,
      listener: (e) => {
        if (e.type === 'session') sessions.push(e.session);
      },
    },
    serverCfg,
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  return { sessions, client, server };
}

test('RFC 8446 §4.6.1: the server sends numTickets NewSessionTickets (default 2), the client turns each into a session', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const r = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert], ticketSealer: ticketKeys });
  assert.equal(r.sessions.length, 2);
  const s = decodeClientSession(r.sessions[0] as Uint8Array);
  assert.equal(s?.serverName, 'localhost');
  assert.equal(s?.lifetime, 7200);
  assert.equal(s?.maxEarlyData, 0);
  assert.equal(r.client.summary?.resumed, false);
  const three = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert], ticketSealer: ticketKeys, numTickets: 3 });
  assert.equal(three.sessions.length, 3);
  const none = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert], ticketSealer: ticketKeys, numTickets: 0 });
  assert.equal(none.sessions.length, 0);
  const noKeys = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert] });
  assert.equal(noKeys.sessions.length, 0, 'no ticket keys, no tickets');
});

test('RFC 8446 §2.2: resumption with psk_dhe_ke: resumed on both sides, no certificate sent, peer certificate still reported', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const serverCfg: ServerConfig = { certificates: [cert], ticketSealer: ticketKeys, alpnProtocols: ['h2'] };
  const first = await firstConnection({ serverName: 'localhost', ca, alpnProtocols: ['h2'] }, serverCfg);
  const traces: TraceEvent[] = [];
  const { client, server } = pair(
    { serverName: 'localhost', ca, alpnProtocols: ['h2'], session: at(first.sessions, 0), trace: true, listener: (e) => { if (e.type === 'trace') traces.push(e.event); } },
    serverCfg,
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  assert.equal(client.summary?.resumed, true);
  assert.equal(server.summary?.resumed, true);
  assert.equal(client.summary?.group, G.x25519, 'psk_dhe_ke: a key exchange happened');
  assert.equal(client.summary?.alpnProtocol, 'h2');
  assert.equal(client.summary?.peerSignatureScheme, undefined);
  assert.deepEqual(client.summary?.peerCertificates, first.client.summary?.peerCertificates);
  assert.equal(client.summary?.authorized, true);
  assert.ok(!traces.some((t) => t.kind === 'message' && t.direction === 'received' && t.type === 'certificate'), 'no Certificate in a resumed handshake');
  client.write(enc.encode('ping'));
  server.write(enc.encode('pong'));
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'ping');
  assert.equal(text(client.readPlaintext()), 'pong');
  // Exporters agree on both sides of a resumed connection.
  assert.deepEqual(client.exportKeyingMaterial(32, 'EXPERIMENTAL test', enc.encode('ctx')), server.exportKeyingMaterial(32, 'EXPERIMENTAL test', enc.encode('ctx')));
});

test('RFC 8446 §4.6.1: after a resumption the server sends one ticket, whatever numTickets says (as OpenSSL), and none with numTickets 0', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  for (const [numTickets, afterResumption] of [
    [3, 1],
    [1, 1],
    [0, 0],
  ] as const) {
    const serverCfg: ServerConfig = { certificates: [cert], ticketSealer: ticketKeys, numTickets: Math.max(numTickets, 1) };
    const first = await firstConnection({ serverName: 'localhost', ca }, serverCfg);
    const again = await firstConnection({ serverName: 'localhost', ca, session: at(first.sessions, 0) }, { ...serverCfg, numTickets });
    assert.equal(again.client.summary?.resumed, true);
    assert.equal(again.sessions.length, afterResumption, `numTickets ${numTickets}`);
    if (afterResumption > 0) {
      // The new ticket resumes in turn.
      const third = await firstConnection({ serverName: 'localhost', ca, session: at(again.sessions, 0) }, serverCfg);
      assert.equal(third.client.summary?.resumed, true);
    }
  }
});

test('RFC 8446 §4.2.11: fall back to a full handshake for an unusable ticket (other keys, expired, other SNI, hash mismatch, garbage)', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  let clock = Date.now();
  const now = () => clock;
  const first = await firstConnection({ serverName: 'localhost', ca, now }, { certificates: [cert], ticketSealer: ticketKeys, ticketLifetime: 60, now, cipherSuites: [CS.TLS_AES_128_GCM_SHA256] });
  const session = first.sessions[0] as Uint8Array;
  const cases: [string, ClientConfig, ServerConfig][] = [
    ['other ticket keys', { serverName: 'localhost', ca, session, now }, { certificates: [cert], ticketSealer: new TicketKeys(crypto), now }],
    ['hash mismatch (server only has SHA-384)', { serverName: 'localhost', ca, session, now }, { certificates: [cert], ticketSealer: ticketKeys, now, cipherSuites: [CS.TLS_AES_256_GCM_SHA384] }],
    ['garbage session bytes', { serverName: 'localhost', ca, session: new Uint8Array([1, 2, 3]), now }, { certificates: [cert], ticketSealer: ticketKeys, now }],
  ];
  for (const [name, c, s] of cases) {
    const { client, server } = pair(c, s);
    await pump(client, server);
    assert.equal(client.error, undefined, `${name}: ${client.error?.message}`);
    assert.equal(server.error, undefined, `${name}: ${server.error?.message}`);
    assert.equal(client.summary?.resumed, false, name);
    assert.equal(server.summary?.resumed, false, name);
  }
  // Server clock past the lifetime (the client still thinks it is alive).
  let serverClock = clock + 61_000;
  {
    const { client, server } = pair({ serverName: 'localhost', ca, session, now }, { certificates: [cert], ticketSealer: ticketKeys, now: () => serverClock });
    await pump(client, server);
    assert.equal(server.error, undefined);
    assert.equal(server.summary?.resumed, false, 'expired on the server');
  }
  // The client does not offer an expired session at all.
  clock += 61_000;
  serverClock = clock;
  {
    const { client, server } = pair({ serverName: 'localhost', ca, session, now }, { certificates: [cert], ticketSealer: ticketKeys, now });
    await pump(client, server);
    assert.equal(client.summary?.resumed, false);
  }
});

test('RFC 8446 §4.2.11.2: a binder that does not match is decrypt_error', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const first = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert], ticketSealer: ticketKeys });
  const { client, server } = pair({ serverName: 'localhost', ca, session: at(first.sessions, 0) }, { certificates: [cert], ticketSealer: ticketKeys });
  await pump(client, server, {
    tamper: (b, from, flight) => {
      if (from !== 'client' || flight !== 0) return b;
      const c = b.slice();
      c[c.length - 1] = (c[c.length - 1] as number) ^ 0x80; // the last byte of the binder
      return c;
    },
  });
  assert.equal(server.error?.alert, AlertDescription.decrypt_error, server.error?.message);
});

test('RFC 8446 §4.1.4: resumption through a HelloRetryRequest (binder recomputed over the HRR transcript)', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const first = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert], ticketSealer: ticketKeys });
  const { client, server } = pair(
    { serverName: 'localhost', ca, session: at(first.sessions, 0), groups: [G.x25519, G.secp256r1] },
    { certificates: [cert], ticketSealer: ticketKeys, groups: [G.secp256r1] },
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  assert.equal(client.summary?.group, G.secp256r1);
  assert.equal(client.summary?.resumed, true);
  assert.equal(server.summary?.resumed, true);
});

test('RFC 8446 §4.2.9: psk_ke only when both sides allow it; psk_dhe_ke is the default', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const first = await firstConnection({ serverName: 'localhost', ca }, { certificates: [cert], ticketSealer: ticketKeys, numTickets: 3 });
  // Client offers only psk_ke; the default server refuses it: full handshake.
  {
    const { client, server } = pair({ serverName: 'localhost', ca, session: at(first.sessions, 0), pskModes: [PskKeyExchangeMode.psk_ke] }, { certificates: [cert], ticketSealer: ticketKeys });
    await pump(client, server);
    assert.equal(client.error, undefined, client.error?.message);
    assert.equal(server.summary?.resumed, false);
  }
  // Both allow psk_ke only: resumed without a key exchange.
  {
    const { client, server } = pair(
      { serverName: 'localhost', ca, session: at(first.sessions, 1), pskModes: [PskKeyExchangeMode.psk_ke] },
      { certificates: [cert], ticketSealer: ticketKeys, pskModes: [PskKeyExchangeMode.psk_ke] },
    );
    await pump(client, server);
    assert.equal(client.error, undefined, client.error?.message);
    assert.equal(server.error, undefined, server.error?.message);
    assert.equal(client.summary?.resumed, true);
    assert.equal(client.summary?.group, undefined);
    client.write(enc.encode('x'));
    await pump(client, server);
    assert.equal(text(server.readPlaintext()), 'x');
  }
});

test('sessions: a bounded per-server store; tickets are used once; the server can rotate keys', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const store = new ClientSessionStore(2, 8);
  const serverCfg: ServerConfig = { certificates: [cert], ticketSealer: ticketKeys, numTickets: 3 };
  await firstConnection({ serverName: 'localhost', ca, sessionStore: store }, serverCfg);
  assert.equal(store.size, 2, 'at most 2 per server');
  const resumed: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    const { client, server } = pair({ serverName: 'localhost', ca, sessionStore: store }, serverCfg);
    await pump(client, server);
    assert.equal(client.error, undefined, client.error?.message);
    resumed.push(client.summary?.resumed === true);
    // Each connection (resumed or not) refills the store with fresh tickets.
  }
  assert.deepEqual(resumed, [true, true, true]);
  ticketKeys.rotate();
  {
    const { client, server } = pair({ serverName: 'localhost', ca, sessionStore: store }, serverCfg);
    await pump(client, server);
    assert.equal(client.summary?.resumed, true, 'a ticket under the previous key still works');
  }
  const other = new ClientSessionStore();
  for (let i = 0; i < 300; i++) other.put(`host${i}`, new Uint8Array([i & 0xff]));
  assert.equal(other.size, 256, 'bounded number of servers');
});

function earlyServer(cert: ReturnType<typeof certifiedKey>, ticketKeys: TicketKeys, guard: EarlyDataReplayGuard, extra: Partial<ServerConfig> = {}): ServerConfig {
  return { certificates: [cert], ticketSealer: ticketKeys, earlyData: true, replayGuard: guard, ...extra };
}

test('RFC 8446 §4.2.10: 0-RTT accepted: the server reads the early data before the handshake completes', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const guard = new EarlyDataReplayGuard();
  const first = await firstConnection({ serverName: 'localhost', ca }, earlyServer(cert, ticketKeys, guard));
  assert.equal(decodeClientSession(first.sessions[0] as Uint8Array)?.maxEarlyData, 16384);
  const { client, server } = pair({ serverName: 'localhost', ca, session: at(first.sessions, 0), earlyData: enc.encode('GET / early\n') }, earlyServer(cert, ticketKeys, guard));
  // The first flight carries the early data: the server has it before its own flight leaves.
  const flight = client.takeOutput();
  assert.ok(flight !== null);
  server.receive(flight);
  assert.equal(text(server.readPlaintext()), 'GET / early\n');
  assert.equal(server.handshakeComplete, false);
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  assert.equal(client.summary?.earlyData, 'accepted');
  assert.equal(server.summary?.earlyData, 'accepted');
  assert.equal(server.summary?.resumed, true);
  assert.equal(server.readPlaintext(), null, 'not delivered twice');
  // RFC 8446 §7.5: the early exporter agrees on both sides when 0-RTT was accepted.
  assert.deepEqual(client.exportEarlyKeyingMaterial(16, 'EXPERIMENTAL early'), server.exportEarlyKeyingMaterial(16, 'EXPERIMENTAL early'));
  assert.notDeepEqual(client.exportEarlyKeyingMaterial(16, 'EXPERIMENTAL early'), client.exportKeyingMaterial(16, 'EXPERIMENTAL early'));
  client.write(enc.encode('after'));
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'after');
});

test('RFC 8446 §4.2.10: 0-RTT from writes before the handshake completes (earlyDataFromWrites), within max_early_data_size', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const guard = new EarlyDataReplayGuard();
  const first = await firstConnection({ serverName: 'localhost', ca }, earlyServer(cert, ticketKeys, guard, { maxEarlyData: 10 }));
  const { client, server } = pair({ serverName: 'localhost', ca, session: at(first.sessions, 0), earlyDataFromWrites: true }, earlyServer(cert, ticketKeys, guard, { maxEarlyData: 10 }));
  client.write(enc.encode('12345'));
  client.write(enc.encode('67890'));
  client.write(enc.encode('abc')); // does not fit: after the handshake
  client.write(enc.encode('d'));
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  assert.equal(server.summary?.earlyData, 'accepted');
  assert.equal(text(server.readPlaintext()), '1234567890abcd');
});

test('RFC 8446 §4.2.10: 0-RTT rejected by a server without early data: resent after the handshake, no byte lost', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const guard = new EarlyDataReplayGuard();
  const first = await firstConnection({ serverName: 'localhost', ca }, earlyServer(cert, ticketKeys, guard));
  const payload = new Uint8Array(5000).map((_, i) => i & 0xff);
  const cases: [string, ServerConfig, Uint8Array][] = [
    ['server has early data off (resumes)', { certificates: [cert], ticketSealer: ticketKeys }, at(first.sessions, 0)],
    ['server cannot open the ticket (full handshake)', { certificates: [cert], ticketSealer: new TicketKeys(crypto) }, at(first.sessions, 1)],
  ];
  for (const [name, serverCfg, session] of cases) {
    const { client, server } = pair({ serverName: 'localhost', ca, session, earlyData: payload }, serverCfg);
    client.write(enc.encode('+tail'));
    await pump(client, server);
    assert.equal(client.error, undefined, `${name}: ${client.error?.message}`);
    assert.equal(server.error, undefined, `${name}: ${server.error?.message}`);
    assert.equal(client.summary?.earlyData, 'rejected', name);
    assert.equal(server.summary?.earlyData, 'rejected', name);
    const got = server.readPlaintext();
    assert.ok(got !== null);
    assert.deepEqual(Buffer.from(got), Buffer.concat([payload, enc.encode('+tail')]), name);
  }
});

test('RFC 8446 §4.2.10: 0-RTT rejected after a HelloRetryRequest: early records skipped, data resent', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const guard = new EarlyDataReplayGuard();
  const first = await firstConnection({ serverName: 'localhost', ca }, earlyServer(cert, ticketKeys, guard));
  const { client, server } = pair(
    { serverName: 'localhost', ca, session: at(first.sessions, 0), earlyData: enc.encode('early!'), groups: [G.x25519, G.secp384r1] },
    earlyServer(cert, ticketKeys, guard, { groups: [G.secp384r1] }),
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  assert.equal(client.summary?.earlyData, 'rejected');
  assert.equal(client.summary?.resumed, true);
  assert.equal(server.summary?.earlyData, 'rejected');
  assert.equal(text(server.readPlaintext()), 'early!');
});

test('RFC 8446 §8: a replayed 0-RTT ClientHello has its early data refused', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const guard = new EarlyDataReplayGuard();
  const first = await firstConnection({ serverName: 'localhost', ca }, earlyServer(cert, ticketKeys, guard));
  const { client, server } = pair({ serverName: 'localhost', ca, session: at(first.sessions, 0), earlyData: enc.encode('transfer 100') }, earlyServer(cert, ticketKeys, guard));
  const captured = client.takeOutput();
  assert.ok(captured !== null);
  server.receive(captured);
  assert.equal(text(server.readPlaintext()), 'transfer 100');
  await pump(client, server);
  assert.equal(server.summary?.earlyData, 'accepted');
  // The attacker sends the captured first flight to another connection of the same server.
  const replay = new Server(earlyServer(cert, ticketKeys, guard));
  replay.receive(captured);
  assert.equal(replay.error, undefined, replay.error?.message);
  assert.equal(replay.readPlaintext(), null, 'early data refused on replay');
  // And to a server whose record is full: refused too.
  const tiny = new EarlyDataReplayGuard(0);
  const full = new Server(earlyServer(cert, ticketKeys, tiny));
  full.receive(captured);
  assert.equal(full.readPlaintext(), null);
});

test('RFC 8446 §4.2.10: more early data than max_early_data_size is unexpected_message', async () => {
  const { ca, cert } = await setup();
  const ticketKeys = new TicketKeys(crypto);
  const guard = new EarlyDataReplayGuard();
  // The ticket says 100000 bytes, the accepting server only 1000: the server enforces what it issued.
  const first = await firstConnection({ serverName: 'localhost', ca }, earlyServer(cert, ticketKeys, guard, { maxEarlyData: 100 }));
  const s = decodeClientSession(first.sessions[0] as Uint8Array);
  assert.equal(s?.maxEarlyData, 100);
  // A client that ignores the limit (we forge a session with a bigger one).
  const { encodeClientSession } = await import('../src/handshake/session13.js');
  const forged = encodeClientSession({ ...(s as NonNullable<typeof s>), maxEarlyData: 100000 });
  const { client, server } = pair({ serverName: 'localhost', ca, session: forged, earlyData: new Uint8Array(500) }, earlyServer(cert, ticketKeys, guard, { maxEarlyData: 100 }));
  await pump(client, server);
  assert.equal(server.error?.alert, AlertDescription.unexpected_message, server.error?.message);
});

test('config: early data without a replay guard is refused with the option named', async () => {
  const { cert } = await setup();
  assert.throws(() => new Server({ certificates: [cert], earlyData: true }), /replayGuard/);
  assert.throws(() => new Server({ certificates: [cert], numTickets: -1 }), /numTickets/);
  assert.throws(() => new Server({ certificates: [cert], ticketKeys: new Uint8Array(10) }), /ticketKeys/);
});

test('RFC 8446 §4.2.10: earlyData with no session that allows 0-RTT is sent after the handshake', async () => {
  const { ca, cert } = await setup();
  const { client, server } = pair({ serverName: 'localhost', ca, earlyData: enc.encode('later') }, { certificates: [cert] });
  client.write(enc.encode('+more'));
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(client.summary?.earlyData, 'not sent');
  assert.equal(text(server.readPlaintext()), 'later+more');
  assert.throws(() => client.exportEarlyKeyingMaterial(16, 'x'), /no early exporter/);
});

// RFC 8448 §4 "Resumed 0-RTT Handshake", byte for byte: the ClientHello with its binder, and a typetls
// server fed that ClientHello (randomness and key share injected) answering the exact ServerHello and
// deriving the trace's early, handshake and binder secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as V from './vectors/rfc8448.js';
import { unhex, tohex } from './vectors/rfc8448.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { decodeClientHello, encodeClientHello } from '../src/wire/hello.js';
import { ext as X } from '../src/wire/extensions.js';
import { ExtensionType as E, CipherSuite as CS } from '../src/wire/iana.js';
import { suite13 } from '../src/keys/schedule13.js';
import { writeResumptionBinder } from '../src/handshake/psk-client13.js';
import { encodeServerTicketState } from '../src/handshake/session13.js';
import { EarlyDataReplayGuard } from '../src/handshake/anti-replay.js';
import { ServerConnection } from '../src/conn/server.js';
import { decodeNewSessionTicket13 } from '../src/wire/messages13.js';
import { testPki } from './helpers/certs.js';
import { certifiedKey } from './helpers/memory.js';

const crypto = nodeCryptoProvider();
const CH = unhex(V.S4_CLIENT_HELLO_PREFIX + V.S4_CLIENT_HELLO_BINDERS);
const NST = decodeNewSessionTicket13(unhex(V.S3_NEW_SESSION_TICKET).subarray(4));

test('RFC 8448 §4: the resumed ClientHello re-encoded with our pre_shared_key codec and binder is byte-exact', () => {
  const hello = decodeClientHello(CH.subarray(4));
  const psk = hello.ext.preSharedKey;
  assert.ok(psk !== undefined);
  assert.equal(psk.identities.length, 1);
  const id = psk.identities[0];
  assert.ok(id !== undefined);
  // The identity is the §3 ticket; the obfuscated age is the age (ms) plus ticket_age_add.
  assert.deepEqual(id.identity, NST.ticket);
  assert.equal((id.obfuscatedTicketAge - NST.ageAdd) >>> 0, 6);
  assert.equal(psk.bindersLength, 2 + 1 + 32);
  // Rebuild: every extension as received except pre_shared_key, which we encode with a zero binder.
  const extensions = hello.extensions.map((e) => (e.type === E.pre_shared_key ? X.preSharedKeyClient(psk.identities, [new Uint8Array(32)]) : e));
  const msg = encodeClientHello({ ...hello, extensions });
  const suite = suite13(CS.TLS_AES_128_GCM_SHA256);
  assert.ok(suite !== undefined);
  writeResumptionBinder(crypto, suite, unhex(V.S3_RESUMPTION_PSK), msg.raw, []);
  assert.equal(tohex(msg.raw.subarray(msg.raw.length - 32)), V.S4_BINDER);
  assert.equal(tohex(msg.raw), tohex(CH));
});

test('RFC 8448 §4: a typetls server accepts the ticket and the early data and answers the exact ServerHello', async () => {
  const pki = await testPki();
  const issuedAt = 1_700_000_000_000;
  const now = () => issuedAt + 6; // the client's ticket age is 6 ms
  const state = encodeServerTicketState({
    suite: CS.TLS_AES_128_GCM_SHA256,
    psk: unhex(V.S3_RESUMPTION_PSK),
    ageAdd: NST.ageAdd,
    issuedAt,
    lifetime: NST.lifetime,
    maxEarlyData: NST.ext.maxEarlyDataSize ?? 0,
    alpn: undefined,
    serverName: 'server',
    peerCertificates: [],
    peerAuthorized: false,
  });
  // The trace's ticket is opaque to us; a sealer that knows only that ticket stands in for the keys.
  const sealer = {
    seal: () => new Uint8Array(0),
    open: (t: Uint8Array) => (tohex(t) === tohex(NST.ticket) ? state : undefined),
  };
  const keyShareBytes = [unhex(V.S4_SERVER_X25519_PRIVATE)];
  const provider = nodeCryptoProvider({ random: (n) => keyShareBytes.shift() ?? new Uint8Array(n) });
  const serverRandom = unhex(V.S4_SERVER_HELLO).subarray(6, 38);
  const keylog: string[] = [];
  const server = new ServerConnection({
    crypto: provider,
    random: (n) => (n === 32 ? serverRandom : new Uint8Array(n)),
    now,
    certificates: [certifiedKey(pki.server.rsa)],
    ticketSealer: sealer,
    earlyData: true,
    maxEarlyData: 1024,
    replayGuard: new EarlyDataReplayGuard(),
    keylog: true,
    listener: (e) => {
      if (e.type === 'keylog') keylog.push(e.line);
    },
  });
  const record = new Uint8Array(5 + CH.length);
  record.set([0x16, 0x03, 0x01, CH.length >> 8, CH.length & 0xff]);
  record.set(CH, 5);
  server.receive(record);
  assert.equal(server.error, undefined, server.error?.message);
  const out = server.takeOutput();
  assert.ok(out !== null);
  const shLen = ((out[3] as number) << 8) | (out[4] as number);
  assert.equal(tohex(out.subarray(5, 5 + shLen)), V.S4_SERVER_HELLO);
  const secret = (label: string) => keylog.find((l) => l.startsWith(label + ' '))?.split(' ')[2];
  assert.equal(secret('CLIENT_EARLY_TRAFFIC_SECRET'), V.S4_CLIENT_EARLY_TRAFFIC);
  assert.equal(secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), V.S4_CLIENT_HS_TRAFFIC);
  assert.equal(secret('SERVER_HANDSHAKE_TRAFFIC_SECRET'), V.S4_SERVER_HS_TRAFFIC);
});

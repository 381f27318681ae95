// The handshake's shortcuts give the same values as the plain computations: the TLS 1.2 running
// transcript hash, the one-block HKDF-Expand-Label with labels encoded at load, and the per-connection
// memo of the opened ticket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { Transcript12 } from '../src/handshake/common12.js';
import { OpenedTicket } from '../src/handshake/psk-server13.js';
import { TicketKeys, type TicketSealer } from '../src/handshake/ticket-keys.js';
import { encodeServerTicketState, type ServerTicketState } from '../src/handshake/session13.js';
import { hkdfExpand, hkdfExpandLabel } from '../src/keys/schedule13.js';

const p = nodeCryptoProvider();

function plainHash(alg: 'sha256' | 'sha384', msgs: readonly Uint8Array[]): Uint8Array {
  const h = p.hash(alg);
  for (const m of msgs) h.update(m);
  return h.digest();
}

/** A provider that counts hash() calls. */
function counting(): { crypto: CryptoProvider; hashes: () => number } {
  let n = 0;
  const crypto = new Proxy(p, {
    get(t, k) {
      const v = Reflect.get(t, k) as unknown;
      if (k === 'hash' && typeof v === 'function') {
        return (...a: unknown[]) => {
          n++;
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      }
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { crypto, hashes: () => n };
}

test('RFC 5246 §7.4.9 / RFC 7627 §4: the running TLS 1.2 transcript hash equals hashing the messages afresh', () => {
  const msgs = [1, 200, 3000, 17, 0, 64].map((n, i) => p.randomBytes(n).map((b) => b ^ i));
  const { crypto, hashes } = counting();
  const t = new Transcript12(crypto, [msgs[0] as Uint8Array]);
  const seen: Uint8Array[] = [msgs[0] as Uint8Array];
  for (const m of msgs.slice(1)) {
    assert.deepEqual(t.hash('sha256'), plainHash('sha256', seen));
    // Asked twice with nothing added: the same digest (the session hash and the client Finished).
    assert.deepEqual(t.hash('sha256'), plainHash('sha256', seen));
    t.add(m);
    seen.push(m);
  }
  assert.deepEqual(t.hash('sha256'), plainHash('sha256', seen));
  assert.equal(hashes(), 1, 'one hash context for the whole handshake');
  // Another hash algorithm starts over and still gives the right value.
  assert.deepEqual(t.hash('sha384'), plainHash('sha384', seen));
  const all = new Uint8Array(seen.reduce((s, m) => s + m.length, 0));
  let at = 0;
  for (const m of seen) {
    all.set(m, at);
    at += m.length;
  }
  assert.deepEqual(t.bytes(), all);
});

/** The HkdfLabel of RFC 8446 §7.1, built by hand, then HKDF-Expand. */
function expandLabelPlain(hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const l = new TextEncoder().encode(`tls13 ${label}`);
  const info = new Uint8Array([length >> 8, length & 0xff, l.length, ...l, context.length, ...context]);
  return hkdfExpand(p, hash, secret, info, length);
}

test('RFC 8446 §7.1: HKDF-Expand-Label with labels encoded at load equals the plain HkdfLabel expansion', () => {
  const labels = ['derived', 'res binder', 'ext binder', 'c e traffic', 'e exp master', 'c hs traffic', 's hs traffic', 'c ap traffic', 's ap traffic', 'exp master', 'res master', 'key', 'iv', 'finished', 'traffic upd', 'resumption', 'exporter', 'an application label', ''];
  for (const hash of ['sha256', 'sha384'] as const) {
    const hl = hash === 'sha256' ? 32 : 48;
    const secret = p.randomBytes(hl);
    for (const label of labels) {
      for (const context of [new Uint8Array(0), p.randomBytes(hl)]) {
        for (const length of [0, 12, 16, hl, hl + 1, 3 * hl]) {
          assert.deepEqual(hkdfExpandLabel(p, hash, secret, label, context, length), expandLabelPlain(hash, secret, label, context, length), `${hash} "${label}" ${context.length} ${length}`);
        }
      }
    }
  }
});

test('RFC 8446 §4.2.11: a ticket is opened once per ClientHello identity, and afresh for another', () => {
  const keys = new TicketKeys(p);
  let opens = 0;
  const sealer: TicketSealer = {
    seal: (x) => keys.seal(x),
    open: (x) => {
      opens++;
      return keys.open(x);
    },
  };
  const state: ServerTicketState = {
    suite: 0x1301,
    psk: p.randomBytes(32),
    ageAdd: 7,
    issuedAt: 1_700_000_000_000,
    lifetime: 7200,
    maxEarlyData: 0,
    alpn: 'h2',
    serverName: 'example.com',
    peerCertificates: [],
    peerAuthorized: false,
  };
  const ticket = sealer.seal(encodeServerTicketState(state));
  const memo = new OpenedTicket();
  assert.deepEqual(memo.open(sealer, ticket), state);
  assert.deepEqual(memo.open(sealer, ticket), state);
  assert.equal(opens, 1);
  // Equal bytes in another object (a second ClientHello): opened again.
  const again = ticket.slice();
  assert.deepEqual(memo.open(sealer, again), state);
  assert.equal(opens, 2);
  // A tampered ticket does not open, and is remembered as not opening.
  const bad = ticket.slice();
  bad[20] = (bad[20] as number) ^ 1;
  assert.equal(memo.open(sealer, bad), undefined);
  assert.equal(memo.open(sealer, bad), undefined);
  assert.equal(opens, 3);
  assert.deepEqual(memo.open(sealer, ticket), state);
  assert.equal(opens, 4);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TicketKeys } from '../src/handshake/ticket-keys.js';
import { TlsError } from '../src/errors.js';

const crypto = nodeCryptoProvider();
const enc = new TextEncoder();

test('ticket keys: seal/open round trip, tamper and truncation refused', () => {
  const k = new TicketKeys(crypto);
  const t = k.seal(enc.encode('session state'));
  // RFC 5077 §4: key_name(16) ‖ IV(16) ‖ AES-CBC(one padded block) ‖ HMAC-SHA256(32).
  assert.equal(t.length, 16 + 16 + 16 + 32);
  assert.deepEqual(k.open(t), enc.encode('session state'));
  for (let i = 0; i < t.length; i++) {
    const bad = t.slice();
    bad[i] = (bad[i] as number) ^ 0x01;
    assert.equal(k.open(bad), undefined, `flipped byte ${i}`);
  }
  for (let n = 0; n < t.length; n++) assert.equal(k.open(t.subarray(0, n)), undefined);
  // Two seals of the same plaintext differ (fresh nonce).
  assert.notDeepEqual(k.seal(enc.encode('x')), k.seal(enc.encode('x')));
});

test('ticket keys: node:tls 48-byte format, same keys open each other tickets, rotation keeps one previous key', () => {
  const raw = crypto.randomBytes(48);
  const a = new TicketKeys(crypto, raw);
  const b = new TicketKeys(crypto, raw);
  assert.deepEqual(a.getTicketKeys(), raw);
  const t1 = a.seal(enc.encode('one'));
  assert.deepEqual(b.open(t1), enc.encode('one'));
  a.rotate();
  assert.notDeepEqual(a.getTicketKeys(), raw);
  assert.deepEqual(a.open(t1), enc.encode('one'), 'previous key still opens');
  const t2 = a.seal(enc.encode('two'));
  a.setTicketKeys(crypto.randomBytes(48));
  assert.equal(a.open(t1), undefined, 'two rotations later the ticket is dead');
  assert.deepEqual(a.open(t2), enc.encode('two'));
  assert.throws(() => a.setTicketKeys(new Uint8Array(47)), (e: unknown) => e instanceof TlsError && e.code === 'ERR_INVALID_ARG_VALUE');
  assert.throws(() => new TicketKeys(crypto, new Uint8Array(49)), TlsError);
  // getTicketKeys returns a copy.
  const copy = a.getTicketKeys();
  copy.fill(0);
  assert.notDeepEqual(a.getTicketKeys(), copy);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { certifiedKey, pair, pump, text } from './helpers/memory.js';
import { CipherSuite as CS, NamedGroup as G } from '../src/wire/iana.js';

async function setup() {
  const pki = await testPki();
  return { pki, ca: [pki.root.certPem] };
}

test('RFC 5246 §7.3: a TLS 1.2 handshake, data both ways', async () => {
  const { pki, ca } = await setup();
  const { client, server } = pair(
    { serverName: 'localhost', ca, maxVersion: 'TLSv1.2' },
    { certificates: [certifiedKey(pki.server.ecdsa)] },
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  assert.equal(server.error, undefined, server.error?.message);
  assert.equal(client.summary?.version, 'TLSv1.2');
  client.write(new TextEncoder().encode('ping'));
  server.write(new TextEncoder().encode('pong'));
  await pump(client, server);
  assert.equal(text(server.readPlaintext()), 'ping');
  assert.equal(text(client.readPlaintext()), 'pong');
  void CS;
  void G;
});

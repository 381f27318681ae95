// TLS 1.2 key derivation and record protection checked against a real node:tls (OpenSSL) session:
// a node:tls client and server talk through a recording TCP relay; from the keylog's master secret
// and the recorded bytes, our PRF, key block, Finished and exporter must match OpenSSL's, and our
// protectors must decrypt the records OpenSSL wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { exporter12, finishedVerifyData12, keyBlock12 } from '../src/keys/prf12.js';
import { keyBlockSizes12, suite12 } from '../src/keys/suites12.js';
import { RecordDeframer } from '../src/record/deframer.js';
import { HandshakeJoiner } from '../src/record/handshake-joiner.js';
import { recordProtector12 } from '../src/record/protect12.js';
import { tohex, unhex } from './vectors/rfc8448.js';

const p = nodeCryptoProvider();

interface Capture {
  readonly c2s: Uint8Array;
  readonly s2c: Uint8Array;
  readonly masterSecret: Uint8Array;
  readonly clientRandom: Uint8Array;
  readonly exported: Uint8Array;
  readonly exportedNoContext: Uint8Array;
}

function makeCert(dir: string, kind: 'ec' | 'rsa'): { key: string; cert: string } | undefined {
  const key = join(dir, `${kind}.key`);
  const cert = join(dir, `${kind}.crt`);
  const newkey = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  const r = spawnSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-days', '2'], {
    timeout: 20000,
    stdio: 'ignore',
  });
  if (r.status !== 0) return undefined;
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

async function session(creds: { key: string; cert: string }, cipher: string, etm: boolean): Promise<Capture> {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  let secureOptions = constants.SSL_OP_NO_TICKET;
  if (!etm) secureOptions |= constants.SSL_OP_NO_ENCRYPT_THEN_MAC;
  const server = tls.createServer({ ...creds, maxVersion: 'TLSv1.2', minVersion: 'TLSv1.2', ciphers: cipher, secureOptions }, (s) => {
    s.end('hello from the node:tls server');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serverPort = (server.address() as net.AddressInfo).port;
  const relay = net.createServer((down) => {
    const up = net.connect(serverPort, '127.0.0.1');
    down.on('data', (d: Buffer) => {
      c2s.push(d);
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      s2c.push(d);
      down.write(d);
    });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.address() as net.AddressInfo).port;
  try {
    return await new Promise<Capture>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('node:tls session timed out')), 10000);
      let keylog = '';
      const client = tls.connect({ host: '127.0.0.1', port: relayPort, rejectUnauthorized: false, ciphers: cipher, maxVersion: 'TLSv1.2' });
      client.on('keylog', (line: Buffer) => {
        keylog += line.toString();
      });
      let exported: Buffer | undefined;
      let exportedNoContext: Buffer | undefined;
      client.on('secureConnect', () => {
        exported = client.exportKeyingMaterial(40, 'EXPERIMENTAL typetls', Buffer.from('context bytes'));
        // @types/node requires a context; node itself treats a missing one as RFC 5705's "no context".
        const exportNoContext = client.exportKeyingMaterial as (length: number, label: string, context?: Buffer) => Buffer;
        exportedNoContext = exportNoContext.call(client, 20, 'EXPERIMENTAL typetls');
      });
      client.on('data', () => {});
      client.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      client.on('close', () => {
        clearTimeout(timer);
        const m = /CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})/i.exec(keylog);
        if (m === null || m[1] === undefined || m[2] === undefined || exported === undefined || exportedNoContext === undefined) {
          reject(new Error(`no keylog/exporter output: ${keylog}`));
          return;
        }
        // let the relay flush the last bytes
        setTimeout(
          () =>
            resolve({
              c2s: new Uint8Array(Buffer.concat(c2s)),
              s2c: new Uint8Array(Buffer.concat(s2c)),
              clientRandom: unhex(m[1] ?? ''),
              masterSecret: unhex(m[2] ?? ''),
              exported: new Uint8Array(exported ?? []),
              exportedNoContext: new Uint8Array(exportedNoContext ?? []),
            }),
          50,
        );
      });
    });
  } finally {
    relay.close();
    server.close();
  }
}

function recordsOf(bytes: Uint8Array): { type: number; header: Uint8Array; fragment: Uint8Array; version: number }[] {
  const d = new RecordDeframer();
  d.maxFragmentLength = (1 << 14) + 2048;
  d.push(bytes);
  const out = [];
  for (let r = d.next(); r !== null; r = d.next()) out.push(r);
  return out;
}

/** Plaintext handshake messages before the ChangeCipherSpec, the CCS index, the protected records after it. */
function split(bytes: Uint8Array): { messages: Uint8Array[]; protectedRecords: ReturnType<typeof recordsOf> } {
  const recs = recordsOf(bytes);
  const ccs = recs.findIndex((r) => r.type === 20);
  assert.ok(ccs > 0, 'a ChangeCipherSpec record');
  const joiner = new HandshakeJoiner();
  const messages: Uint8Array[] = [];
  for (const r of recs.slice(0, ccs)) {
    assert.equal(r.type, 22);
    joiner.push(r.fragment);
    for (let m = joiner.next(); m !== null; m = joiner.next()) messages.push(m.raw);
  }
  return { messages, protectedRecords: recs.slice(ccs + 1) };
}

const cases = [
  { cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', suite: 0xc02b, cert: 'ec', etm: true },
  { cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384', suite: 0xc02c, cert: 'ec', etm: true },
  { cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305', suite: 0xcca9, cert: 'ec', etm: true },
  { cipher: 'ECDHE-ECDSA-AES128-SHA', suite: 0xc009, cert: 'ec', etm: true },
  { cipher: 'ECDHE-ECDSA-AES128-SHA', suite: 0xc009, cert: 'ec', etm: false },
  { cipher: 'ECDHE-ECDSA-AES256-SHA384', suite: 0xc024, cert: 'ec', etm: false },
  { cipher: 'ECDHE-RSA-AES256-SHA384', suite: 0xc028, cert: 'rsa', etm: true },
  { cipher: 'AES128-GCM-SHA256', suite: 0x009c, cert: 'rsa', etm: true },
] as const;

test('RFC 5246 §5, §6.2.3, §7.4.9, RFC 5705: PRF, key block, Finished, exporter and record protection match node:tls', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-keys-'));
  try {
    const ec = makeCert(dir, 'ec');
    const rsa = makeCert(dir, 'rsa');
    if (ec === undefined || rsa === undefined) {
      t.skip('openssl not available to make a test certificate');
      return;
    }
    for (const c of cases) {
      await t.test(`${c.cipher}${c.etm ? '' : ' (MAC-then-encrypt)'}`, async () => {
        const cap = await session(c.cert === 'ec' ? ec : rsa, c.cipher, c.etm);
        const s = suite12(c.suite);
        assert.ok(s);
        const fromServer = split(cap.s2c);
        const fromClient = split(cap.c2s);
        const clientHello = fromClient.messages[0];
        const serverHello = fromServer.messages[0];
        assert.ok(clientHello && serverHello);
        assert.deepEqual(clientHello.subarray(6, 38), cap.clientRandom);
        const serverRandom = serverHello.subarray(6, 38);
        const suiteAt = 38 + 1 + (serverHello[38] as number);
        assert.equal(((serverHello[suiteAt] as number) << 8) | (serverHello[suiteAt + 1] as number), c.suite);
        const hash = s.prfHash;
        const ms = cap.masterSecret;

        // RFC 5705 §4: the exporter, with and without a context.
        assert.equal(
          tohex(exporter12(p, hash, ms, cap.clientRandom, serverRandom, 'EXPERIMENTAL typetls', new TextEncoder().encode('context bytes'), 40)),
          tohex(cap.exported),
        );
        assert.equal(tohex(exporter12(p, hash, ms, cap.clientRandom, serverRandom, 'EXPERIMENTAL typetls', undefined, 20)), tohex(cap.exportedNoContext));

        // RFC 5246 §6.3: the key block, then both directions' records.
        const kb = keyBlock12(p, hash, ms, cap.clientRandom, serverRandom, keyBlockSizes12(s));
        const clientRead = recordProtector12(p, s.cipher, { key: kb.serverKey, iv: kb.serverIv, macKey: kb.serverMacKey }, c.etm);
        const serverRead = recordProtector12(p, s.cipher, { key: kb.clientKey, iv: kb.clientIv, macKey: kb.clientMacKey }, c.etm);

        const cFinRec = fromClient.protectedRecords[0];
        assert.ok(cFinRec);
        const cFin = serverRead.open(cFinRec);
        assert.equal(cFin.type, 22);
        // RFC 5246 §7.4.9: client Finished over CH..ClientKeyExchange, server Finished over CH..client Finished.
        const h1 = createHash(hash);
        for (const m of [...fromClient.messages.slice(0, 1), ...fromServer.messages, ...fromClient.messages.slice(1)]) h1.update(m);
        const clientVerify = finishedVerifyData12(p, hash, ms, 'client', new Uint8Array(h1.copy().digest()));
        assert.equal(tohex(cFin.content), '1400000c' + tohex(clientVerify));
        h1.update(cFin.content);
        const serverVerify = finishedVerifyData12(p, hash, ms, 'server', new Uint8Array(h1.digest()));

        const [sFinRec, ...rest] = fromServer.protectedRecords;
        assert.ok(sFinRec);
        const sFin = clientRead.open(sFinRec);
        assert.equal(tohex(sFin.content), '1400000c' + tohex(serverVerify));
        const appData = rest.map((r) => clientRead.open(r)).filter((r) => r.type === 23);
        assert.equal(Buffer.concat(appData.map((r) => r.content)).toString(), 'hello from the node:tls server');

        // Our sealing round-trips through our own opening with the same keys.
        const w = recordProtector12(p, s.cipher, { key: kb.serverKey, iv: kb.serverIv, macKey: kb.serverMacKey }, c.etm);
        const again = recordProtector12(p, s.cipher, { key: kb.serverKey, iv: kb.serverIv, macKey: kb.serverMacKey }, c.etm);
        for (const len of [0, 1, 15, 16, 17, 1000]) {
          const data = p.randomBytes(len);
          const [rec] = recordsOf(w.seal(23, data));
          assert.ok(rec);
          assert.deepEqual(again.open(rec).content, data);
        }
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// directoryCheck(): the verifyHook that accepts a certificate only when its directory entry holds it.
// Here against a scripted LDAP server in this process (every answer a real server may give, and the
// hostile ones); tests/interop.slapd.test.ts runs it against OpenLDAP's slapd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryCheck, ldapDn } from '../src/node/index.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { integer, octetString, sequence, setOf, tlv } from '../src/pki/der-writer.js';
import { issueWithSubject, testPki } from './helpers/certs.js';

const hasOpenssl = spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;
const utf8 = new TextEncoder();
const ENUMERATED = 0x0a;

/** LDAPResult contents (RFC 4511 §4.1.9). */
function ldapResult(code: number, diagnostic = ''): Uint8Array[] {
  return [tlv(ENUMERATED, Uint8Array.of(code)), octetString(new Uint8Array(0)), octetString(utf8.encode(diagnostic))];
}

function msg(id: number, op: Uint8Array): Uint8Array {
  return sequence(integer(id), op);
}

function entry(id: number, dn: string, attribute: string, values: readonly Uint8Array[]): Uint8Array {
  return msg(id, tlv(0x64, octetString(utf8.encode(dn)), sequence(sequence(octetString(utf8.encode(attribute)), setOf(...values.map(octetString))))));
}

/** OpenLDAP writes lengths in a fixed 4-byte form (0x84 ...): the reader must take non-minimal lengths. */
function withLongLengths(der: Uint8Array): Uint8Array {
  const len = der.length - (der[1] as number < 0x80 ? 2 : 2 + ((der[1] as number) & 0x7f));
  const body = der.subarray(der.length - len);
  return Uint8Array.of(der[0] as number, 0x84, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff, ...body);
}

interface Script {
  /** Bytes to answer the request with this protocolOp tag (0x60 bind, 0x63 search, 0x77 extended); undefined: say nothing. */
  answer(op: number, id: number, body: Uint8Array): Uint8Array | undefined;
}

/** A one-connection-at-a-time LDAP server that reads whole requests and answers as scripted. */
async function scripted(script: Script): Promise<{ url: string; requests: number[]; close(): void }> {
  const requests: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const first = buf[1] as number;
        const n = first < 0x80 ? 0 : first & 0x7f;
        let len = first < 0x80 ? first : 0;
        for (let i = 0; i < n; i++) len = len * 256 + (buf[2 + i] as number);
        const total = 2 + n + len;
        if (buf.length < total) return;
        const m = buf.subarray(0, total);
        buf = buf.subarray(total);
        // messageID (a small INTEGER) then the protocolOp tag.
        const idLen = m[3 + n] as number;
        const id = m.subarray(4 + n, 4 + n + idLen).reduce((a, b) => a * 256 + b, 0);
        const op = m[4 + n + idLen] as number;
        requests.push(op);
        if (op === 0x42) continue; // unbind
        const out = script.answer(op, id, m);
        if (out !== undefined) s.write(out);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ldap://127.0.0.1:${String(port)}`,
    requests,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const info = (der: Uint8Array) => ({ chain: [der], hostname: undefined, purpose: 'clientAuth' as const });

test('ldapDn: the RFC 4514 string of a subject, as OpenSSL prints it with -nameopt RFC2253', { skip: hasOpenssl ? false : 'openssl not installed' }, async () => {
  const pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), 'typetls-dn-'));
  try {
    for (const subject of [
      'DC=test, DC=typetls, OU=people, CN=alice',
      'C=US, O=Example\\+Co, CN=Smith\\, John',
      'CN=\\#hash lead, L=Trailing space\\ ',
      'DC=example, CN=multi+0.9.2342.19200300.100.1.1=jsmith',
      'O=typetls tests, CN=Ünïcödé',
    ]) {
      const c = await issueWithSubject(pki, subject);
      const file = join(dir, 'c.pem');
      writeFileSync(file, c.certPem);
      const out = spawnSync('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253'], { encoding: 'utf8', timeout: 5000 });
      // Only the newline goes: an escaped trailing space is part of the DN.
      // OpenSSL escapes UTF-8 bytes as \\HH (RFC 4514 §2.4 allows both); typetls writes the characters.
      const openssl = out.stdout
        .replace(/\r?\n$/, '')
        .replace(/^subject=/, '')
        .replace(/(?:\\[89A-F][0-9A-F])+/g, (m) => Buffer.from(m.replaceAll('\\', ''), 'hex').toString('utf8'));
      assert.equal(ldapDn(parseCertificate(c.certDer).subject), openssl, subject);
    }
    // A type without an LDAP short name (RFC 4514 §2.3): its OID, and the value's BER in hex (§2.4);
    // OpenSSL would print its own name, emailAddress, which LDAP does not know.
    const e = await issueWithSubject(pki, 'DC=example, E=a@b.c, CN=bob');
    assert.equal(ldapDn(parseCertificate(e.certDer).subject), 'CN=bob,1.2.840.113549.1.9.1=#1605614062 2e63'.replace(' ', '') + ',DC=example');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('directoryCheck: accepted only when the subject entry holds the certificate; missing entry, other certificate, no attribute refused', async () => {
  const pki = await testPki();
  const alice = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=alice');
  const other = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=alice');
  const asked: string[] = [];
  let values: Uint8Array[] = [];
  let code = 0;
  const srv = await scripted({
    answer(op, id, m) {
      if (op !== 0x63) return undefined;
      // baseObject: the first OCTET STRING inside the SearchRequest.
      const text = Buffer.from(m).toString('latin1');
      asked.push(text.slice(text.indexOf('CN=')).split('\n')[0]?.replace(/[^\x20-\x7e].*$/, '') ?? '');
      const done = msg(id, tlv(0x65, ...ldapResult(code)));
      if (code !== 0) return done;
      return Buffer.concat([withLongLengths(entry(id, 'cn=alice,ou=people,dc=typetls,dc=test', 'userCertificate;binary', values)), withLongLengths(done)]);
    },
  });
  try {
    const check = directoryCheck({ url: srv.url });
    values = [other.certDer, alice.certDer];
    const ok = await check(info(alice.certDer));
    assert.ok(ok !== undefined && !(ok instanceof Error), String(ok));
    assert.match((ok as { detail: string }).detail, /entry CN=alice,OU=people,DC=typetls,DC=test at ldap:\/\/127\.0\.0\.1:\d+ holds this certificate/);
    assert.deepEqual(asked, ['CN=alice,OU=people,DC=typetls,DC=test']);
    values = [other.certDer];
    assert.match(String(await check(info(alice.certDer))), /does not hold this certificate/);
    values = [];
    assert.match(String(await check(info(alice.certDer))), /does not hold this certificate/);
    code = 32; // noSuchObject
    assert.match(String(await check(info(alice.certDer))), /has no entry CN=alice,OU=people,DC=typetls,DC=test/);
    code = 50; // insufficientAccessRights
    assert.match(String(await check(info(alice.certDer))), /search failed: insufficientAccessRights \(50\)/);
    // The application's own mapping from certificate to entry.
    code = 0;
    values = [alice.certDer];
    const mapped = directoryCheck({ url: srv.url, entryDn: ({ dn }) => `uid=${dn.slice(3, 8)},ou=people,dc=typetls,dc=test` });
    assert.ok(!((await mapped(info(alice.certDer))) instanceof Error));
  } finally {
    srv.close();
  }
});

test('directoryCheck: bind, StartTLS refusal, and every broken or hostile directory fails the check with the reason, never an exception', async () => {
  const pki = await testPki();
  const alice = await issueWithSubject(pki, 'DC=test, DC=typetls, CN=alice');
  const cases: [string, Script, RegExp][] = [
    ['bind refused', { answer: (op, id) => (op === 0x60 ? msg(id, tlv(0x61, ...ldapResult(49, 'bad password'))) : undefined) }, /refused the bind as cn=reader: invalidCredentials \(49\): bad password/],
    ['StartTLS refused', { answer: (op, id) => (op === 0x77 ? msg(id, tlv(0x78, ...ldapResult(2))) : undefined) }, /refused StartTLS: protocolError \(2\)/],
    ['not LDAP at all', { answer: () => utf8.encode('HTTP/1.1 400 Bad Request\r\n\r\n') }, /not an LDAP message/],
    ['garbage inside a message', { answer: (_op, id) => Uint8Array.of(0x30, 0x05, 0x02, 0x01, id, 0x64, 0x7f) }, /malformed|element|truncated/],
    ['an oversized message', { answer: () => Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff) }, /message \(at most 1048576 are read\)/],
    ['an indefinite length', { answer: () => Uint8Array.of(0x30, 0x80, 0, 0) }, /indefinite or oversized length/],
    ['a flood', { answer: () => Buffer.concat([Buffer.from([0x30, 0x83, 0x0f, 0xff, 0xff]), Buffer.alloc(3 << 20, 0x30)]) }, /nobody asked for|malformed|not an LDAP message/],
    ['a notice of disconnection', { answer: () => msg(0, tlv(0x78, ...ldapResult(52))) }, /ended the session/],
    ['an answer to another operation', { answer: (_op, id) => msg(id, tlv(0x61, ...ldapResult(0))) }, /unexpected operation/],
    ['silence', { answer: () => undefined }, /no answer within 300 ms/],
  ];
  for (const [name, script, expected] of cases) {
    const srv = await scripted(script);
    try {
      const o = name === 'bind refused' ? { bindDn: 'cn=reader', password: 'x', allowPlainBind: true } : name === 'StartTLS refused' ? { startTls: true } : {};
      const r = await directoryCheck({ url: srv.url, timeout: 300, ...o })(info(alice.certDer));
      assert.ok(r instanceof Error, `${name}: accepted`);
      assert.match(r.message, expected, name);
    } finally {
      srv.close();
    }
  }
  // Nobody listening.
  const gone = await scripted({ answer: () => undefined });
  gone.close();
  const r = await directoryCheck({ url: gone.url, timeout: 2000 })(info(alice.certDer));
  assert.match(String(r), /could not be asked .*ECONNREFUSED/);
  // Options refused up front.
  assert.throws(() => directoryCheck({ url: 'http://x' }), /not an ldap/);
  assert.throws(() => directoryCheck({ url: 'ldap://x/dc=example' }), /names only the server/);
  assert.throws(() => directoryCheck({ url: 'ldap://x', bindDn: 'cn=a', password: 'p' }), /in the clear/);
  assert.throws(() => directoryCheck({ url: 'ldap://x', attribute: 'user certificate' }), /attribute description/);
});

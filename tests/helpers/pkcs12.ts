// PKCS#12 test material: files written by `openssl pkcs12 -export`, PFX structures built by hand
// (src/pki/der-writer.ts) for what openssl does not write, a DER → BER re-encoder (the BER that
// Windows and Java tools write), and node:tls's own verdict on a file.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { explicit, integer, octetString, oid, sequence, setOf, tlv } from '../../src/pki/der-writer.js';
import { DerReader } from '../../src/pki/der.js';
import { concatBytes } from '../../src/wire/bytes.js';

/** Runs `openssl pkcs12 -export … -out <dir>/<name>` and returns the file's bytes; undefined when openssl refuses. */
export function exportPkcs12(dir: string, name: string, args: readonly string[]): Uint8Array | undefined {
  const out = join(dir, name);
  const r = spawnSync('openssl', ['pkcs12', '-export', ...args, '-out', out], { timeout: 20_000, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return new Uint8Array(readFileSync(out));
}

/** node:tls's verdict: its chosen certificate (DER), or its error message. */
export function nodeVerdict(pfx: Uint8Array, passphrase: string | undefined): { ok: true; leaf: Uint8Array | undefined } | { ok: false; error: string } {
  try {
    const ctx = tls.createSecureContext(passphrase === undefined ? { pfx: Buffer.from(pfx) } : { pfx: Buffer.from(pfx), passphrase });
    // node's native context reports the certificate PKCS12_parse chose.
    const native = (ctx as unknown as { context: { getCertificate?(): Buffer | null | undefined } }).context;
    const leaf = native.getCertificate?.();
    return { ok: true, leaf: leaf === null || leaf === undefined ? undefined : new Uint8Array(leaf) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function pkcs8Der(keyPem: string): Uint8Array {
  return new Uint8Array(createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' }));
}

// ---------------------------------------------------------------------------------------------
// Hand-built PFX structures (RFC 7292 §4)

export const OIDS = {
  data: '1.2.840.113549.1.7.1',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  secretBag: '1.2.840.113549.1.12.10.1.5',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
  hmacWithSHA256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

export function bag(type: string, value: Uint8Array, attributes: readonly Uint8Array[] = []): Uint8Array {
  return sequence(oid(type), explicit(0, value), ...(attributes.length > 0 ? [setOf(...attributes)] : []));
}

export function localKeyId(id: Uint8Array): Uint8Array {
  return sequence(oid(OIDS.localKeyId), setOf(octetString(id)));
}

export function friendlyName(name: string): Uint8Array {
  const bmp = new Uint8Array(name.length * 2);
  for (let i = 0; i < name.length; i++) {
    bmp[2 * i] = name.charCodeAt(i) >> 8;
    bmp[2 * i + 1] = name.charCodeAt(i) & 0xff;
  }
  return sequence(oid(OIDS.friendlyName), setOf(tlv(0x1e, bmp)));
}

export function certBag(der: Uint8Array, attributes: readonly Uint8Array[] = []): Uint8Array {
  return bag(OIDS.certBag, sequence(oid(OIDS.x509Certificate), explicit(0, octetString(der))), attributes);
}

export function keyBag(pkcs8: Uint8Array, attributes: readonly Uint8Array[] = []): Uint8Array {
  return bag(OIDS.keyBag, pkcs8, attributes);
}

/** A `data` ContentInfo holding SafeContents made of `bags`. */
export function dataContent(...bags: readonly Uint8Array[]): Uint8Array {
  return sequence(oid(OIDS.data), explicit(0, octetString(sequence(...bags))));
}

/** A PFX (version 3) whose AuthenticatedSafe holds `contents`, with `macData` when given. */
export function pfx(contents: readonly Uint8Array[], macData?: Uint8Array): Uint8Array {
  return sequence(integer(3), sequence(oid(OIDS.data), explicit(0, octetString(sequence(...contents)))), ...(macData === undefined ? [] : [macData]));
}

/** PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC) AlgorithmIdentifier with the given iteration count. */
export function pbes2Algorithm(iterations: number): Uint8Array {
  const kdf = sequence(oid(OIDS.pbkdf2), sequence(octetString(new Uint8Array(8)), integer(iterations), sequence(oid(OIDS.hmacWithSHA256), tlv(0x05))));
  return sequence(oid(OIDS.pbes2), sequence(kdf, sequence(oid(OIDS.aes256Cbc), octetString(new Uint8Array(16)))));
}

/** An encryptedData ContentInfo with `algorithm` and (meaningless) ciphertext. */
export function encryptedContent(algorithm: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const eci = sequence(oid(OIDS.data), algorithm, tlv(0x80, ciphertext));
  return sequence(oid(OIDS.encryptedData), explicit(0, sequence(integer(0), eci)));
}

// ---------------------------------------------------------------------------------------------
// DER → BER, as Windows and Java write PKCS#12

/** Does `v` look like a SEQUENCE OF ContentInfo/SafeBag (SEQUENCE of SEQUENCEs starting with an OID)? */
function holdsStructures(v: Uint8Array): boolean {
  try {
    const r = new DerReader(v);
    const outer = r.sequence('outer');
    r.done('outer');
    const first = outer.sequence('first');
    return first.peekTag() === 0x06;
  } catch {
    return false;
  }
}

const EOC = new Uint8Array(2);

/** An OCTET STRING (tag 0x04) or [0] IMPLICIT one (0x80) in constructed form: 16-byte segments, indefinite length. */
function segmented(tag: number, v: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < v.length; i += 16) parts.push(tlv(0x04, v.subarray(i, i + 16)));
  return concatBytes(Uint8Array.of(tag | 0x20, 0x80), ...parts, EOC);
}

/**
 * The DER element `der` re-encoded in BER: every constructed element with an indefinite length,
 * OCTET STRINGs (and encryptedContent [0]) longer than 16 bytes in segments. With `inside`, the
 * AuthenticatedSafe and SafeContents inside OCTET STRINGs are re-encoded too (which changes the bytes a
 * MAC covers: only for files without one).
 */
export function toBer(der: Uint8Array, inside: boolean): Uint8Array {
  const r = new DerReader(der);
  const e = r.element();
  r.done('element');
  const v = r.bytes(e);
  if (e.tag & 0x20) {
    const parts: Uint8Array[] = [];
    const c = new DerReader(der, e.contentStart, e.end);
    while (!c.atEnd) parts.push(toBer(c.raw(c.element()), inside));
    return concatBytes(Uint8Array.of(e.tag, 0x80), ...parts, EOC);
  }
  if (e.tag === 0x04) {
    const value = inside && holdsStructures(v) ? toBer(v, inside) : v;
    return value.length > 16 ? segmented(0x04, value) : tlv(0x04, value);
  }
  if (e.tag === 0x80 && v.length > 16) return segmented(0x80, v);
  return der.slice();
}

// node:tls's `pfx` option: PKCS#12 files (src/pki/pkcs12.ts) → certified keys, and the files'
// other certificates. What node:tls 20 does with those (LoadPKCS12 in its crypto_context.cc), found
// by experiment with node:tls 20.20 / OpenSSL 3.0.19 and checked again in tests/node.pfx.test.ts:
// - they follow the certificate as its chain, all of them, in the file's order, the root too
//   (openssl s_client -showcerts sees leaf, intermediate, root);
// - they are added to the context's trust store (node's root store, or `ca`): a node:tls server
//   with only a pfx and requestCert authorizes a client certificate that the pfx's CA issued, and a
//   node:tls client with a pfx holding the root authorizes such a server, both without `ca`. (An
//   intermediate alone is not enough for node:tls, which wants the chain to end at a self-signed
//   certificate of its store; typetls trusts it as an anchor, as it does an intermediate in `ca`.)
// - they are added to the client CA list a server sends in its CertificateRequest, after the `ca`
//   certificates (openssl s_client: "Acceptable client certificate CA names"); without `ca` and
//   pfx node:tls sends none.
// OpenSSL keeps one certificate per key type, so a pfx replaces an earlier `cert`/`key` (or pfx)
// certificate whose key has the same type, as node:tls's last-set-wins does; of different types
// both stay.
import { Buffer } from 'node:buffer';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertifiedKey } from '../conn/types.js';
import type { Certificate } from '../pki/certificate.js';
import { readPkcs12 } from '../pki/pkcs12.js';
import { describe, optionError } from './option-error.js';

export type PfxValue = string | Uint8Array;
/** node:tls's `pfx`: a file, or an array of files and `{ buf, passphrase }` objects. */
export type PfxOption = PfxValue | readonly (PfxValue | { readonly buf: PfxValue; readonly passphrase?: string })[];

export interface PfxContents {
  /** One per file, in option order. */
  readonly certificates: readonly CertifiedKey[];
  /** Every file's other certificates, in order: chain, trust anchors and client CA names (see above). */
  readonly extraCertificates: readonly Certificate[];
}

/** One file of the option with the passphrase node:tls would give it. */
interface PfxEntry {
  readonly bytes: Uint8Array;
  readonly passphrase: string | undefined;
  /** `pfx` or `pfx[i]`, for messages. */
  readonly where: string;
  readonly fromString: boolean;
}

function isPfxValue(v: unknown): v is PfxValue {
  return typeof v === 'string' || v instanceof Uint8Array;
}

function passphraseOf(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw optionError(where, `the passphrase must be a string, got ${describe(v)}`);
  return v;
}

/**
 * The files as node's configSecureContext reads the option: an array entry's `buf` (else the entry
 * itself) with its `passphrase || options.passphrase`; a single value with `options.passphrase`. A
 * string is converted to bytes as UTF-8, as node's toBuf does (so binary DER in a string does not
 * survive it).
 */
function entries(pfx: unknown, passphrase: unknown): PfxEntry[] {
  const common = passphraseOf(passphrase, 'passphrase');
  const entry = (value: unknown, pass: string | undefined, where: string): PfxEntry => {
    if (!isPfxValue(value)) throw optionError(where, `expected the PKCS#12 file as a Buffer (or { buf, passphrase } in an array), got ${describe(value)}`);
    const fromString = typeof value === 'string';
    return { bytes: fromString ? new Uint8Array(Buffer.from(value, 'utf8')) : value, passphrase: pass, where, fromString };
  };
  if (!Array.isArray(pfx)) return [entry(pfx, common, 'pfx')];
  return (pfx as readonly unknown[]).map((v, i) => {
    const where = `pfx[${i}]`;
    if (isPfxValue(v)) return entry(v, common, where);
    if (typeof v !== 'object' || v === null) throw optionError(where, `expected a Buffer or { buf, passphrase }, got ${describe(v)}`);
    const o = v as { readonly buf?: unknown; readonly passphrase?: unknown };
    // node: `val.passphrase || passphrase`: an empty passphrase falls back to the common one.
    const own = passphraseOf(o.passphrase, `${where}.passphrase`);
    return entry(o.buf, own !== undefined && own !== '' ? own : common, `${where}.buf`);
  });
}

/** Reads every file of the `pfx` option; throws an option error naming the file and what to do. */
export function mapPfx(pfx: unknown, passphrase: unknown, crypto: CryptoProvider): PfxContents {
  const certificates: CertifiedKey[] = [];
  const extraCertificates: Certificate[] = [];
  for (const e of entries(pfx, passphrase)) {
    try {
      const id = readPkcs12(e.bytes, e.passphrase, crypto);
      const extras = id.extraCertificates;
      certificates.push({ chain: [id.certificate.raw, ...extras.map((c) => c.raw)], key: id.key });
      extraCertificates.push(...extras);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const hint = e.fromString ? ' (a string is read as UTF-8 text, as node:tls does: pass the file as a Buffer)' : '';
      throw optionError(e.where, `cannot use this PKCS#12 file: ${why}${hint}`, err);
    }
  }
  return { certificates, extraCertificates };
}

/**
 * `cert`/`key` pairs, then each pfx's: a pfx's certificate takes the place of any earlier one whose
 * key has the same type (OpenSSL's one certificate per key type, the last one set winning).
 */
export function withPfxCertificates(base: readonly CertifiedKey[], pfx: readonly CertifiedKey[]): CertifiedKey[] {
  let out = [...base];
  for (const c of pfx) out = [...out.filter((o) => o.key.type !== c.key.type), c];
  return out;
}

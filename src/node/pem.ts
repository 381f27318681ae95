// PEM text ↔ DER bytes for the adapter's option mapping (certificates, CA bundles). Only the
// RFC 7468 envelope is handled here; the DER inside is parsed by src/pki.
import { Buffer } from 'node:buffer';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
  /** The block's text, BEGIN to END line inclusive. */
  readonly text: string;
}

const blockRe = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order (RFC 7468 §2; text between blocks is ignored). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(blockRe)) {
    const label = m[1] ?? '';
    const body = (m[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error(`malformed base64 in the PEM ${label} block`);
    out.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')), text: m[0] });
  }
  return out;
}

/** True when the bytes look like PEM text rather than DER (DER starts with a SEQUENCE tag 0x30). */
export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 64)).toString('latin1').includes('-----BEGIN');
}

/** DER certificates from a PEM string (any number of CERTIFICATE blocks) or a PEM/DER buffer. */
export function certificatesFrom(value: string | Uint8Array, what: string): Uint8Array[] {
  if (typeof value !== 'string' && !looksLikePem(value)) return [value];
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('latin1');
  const certs = pemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE')
    .map((b) => b.der);
  if (certs.length === 0) throw new Error(`${what} holds no PEM CERTIFICATE block`);
  return certs;
}

/** DER certificate → PEM text (64-column base64). */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

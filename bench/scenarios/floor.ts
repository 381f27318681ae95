// crypto-floor: the node:crypto calls one full TLS 1.3 handshake needs (client and server together),
// each timed directly in the fastest way known on this machine (shared/INTEROP.md §6: JWK imports,
// X25519 from a random scalar), then summed with their counts per handshake.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  sign,
  verify,
  constants,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Job, Metrics } from '../protocol.js';
import { parsePemBundle } from '../../src/pki/certificate.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { send } from './common.js';

type FloorJob = Extract<Job, { kind: 'floor' }>;

/** Timed batches per operation: the floor is the cheapest batch's mean. */
const BATCHES = 5;

/**
 * µs per call: after a warm-up, the mean of the fastest of BATCHES batches. A floor is what the call
 * costs when nothing else gets in the way, so a batch slowed by the shared machine or by V8 still
 * compiling node:crypto's JavaScript wrappers (one run measured HMAC at 10 µs in its first variant,
 * 4–5 µs in the second) does not raise it.
 */
function time(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.max(10, iterations / 5); i++) fn();
  const per = Math.max(1, Math.round(iterations / BATCHES));
  let best = Infinity;
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    best = Math.min(best, ((performance.now() - t0) * 1000) / per);
  }
  return best;
}

function x25519Key(): { priv: KeyObject; pub: string } {
  const d = randomBytes(32).toString('base64url');
  const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' });
  const pub = createPublicKey(priv).export({ format: 'jwk' }).x as string;
  return { priv, pub };
}

interface Op {
  readonly name: string;
  readonly count: number;
  readonly fn: () => void;
}

function leafMaterial(paths: FloorJob['certs']['ecdsa']) {
  const chain = parsePemBundle(readFileSync(paths.chain, 'utf8'));
  const leaf = parseCertificate(chain[0] as Uint8Array);
  const ca = parseCertificate(parsePemBundle(readFileSync(paths.ca, 'utf8'))[0] as Uint8Array);
  const key = createPrivateKey(readFileSync(paths.key, 'utf8'));
  const caKey = createPublicKey({ key: Buffer.from(ca.spki), format: 'der', type: 'spki' });
  // The leaf's key as a JWK, what the handshake imports per connection.
  const leafPub = createPublicKey({ key: Buffer.from(leaf.spki), format: 'der', type: 'spki' });
  const jwk = leafPub.export({ format: 'jwk' });
  return { leaf, key, caKey, leafPub, jwk };
}

function ops(paths: FloorJob['certs']['ecdsa'], rsa: boolean): Op[] {
  const m = leafMaterial(paths);
  const cvContent = Buffer.alloc(64 + 34 + 32, 0x20);
  const sigParams = rsa ? { key: m.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : m.key;
  const verParams = rsa ? { key: m.leafPub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : m.leafPub;
  const sig = sign('sha256', cvContent, sigParams);
  const tbs = Buffer.from(m.leaf.tbs);
  const certSig = Buffer.from(m.leaf.signature);
  const a = x25519Key();
  const b = x25519Key();
  const hmacKey = randomBytes(32);
  const hmacData = randomBytes(40);
  const transcript = randomBytes(1200);
  const aesKey = randomBytes(16);
  const nonce = randomBytes(12);
  const aad = Buffer.from([23, 3, 3, 0, 40]);
  const record = Buffer.alloc(400, 1);
  const c = createCipheriv('aes-128-gcm', aesKey, nonce);
  c.setAAD(aad);
  const sealed = Buffer.concat([c.update(record), c.final(), c.getAuthTag()]);
  return [
    { name: 'x25519 key generation', count: 2, fn: () => void x25519Key() },
    {
      name: 'x25519 shared secret (import + derive)',
      count: 2,
      fn: () => void diffieHellman({ privateKey: a.priv, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b.pub }, format: 'jwk' }) }),
    },
    { name: `${rsa ? 'RSA-PSS 2048' : 'ECDSA P-256'} sign (CertificateVerify)`, count: 1, fn: () => void sign('sha256', cvContent, sigParams) },
    { name: `${rsa ? 'RSA-PSS 2048' : 'ECDSA P-256'} verify (CertificateVerify)`, count: 1, fn: () => void verify('sha256', cvContent, verParams, sig) },
    { name: 'ECDSA P-256 verify (leaf certificate, CA key cached)', count: 1, fn: () => void verify('sha256', tbs, m.caKey, certSig) },
    { name: `leaf public key import (JWK, ${rsa ? 'RSA' : 'P-256'})`, count: 1, fn: () => void createPublicKey({ key: m.jwk, format: 'jwk' }) },
    { name: 'HMAC-SHA256 (key schedule, Finished)', count: 46, fn: () => void createHmac('sha256', hmacKey).update(hmacData).digest() },
    { name: 'SHA-256 transcript snapshot (update + copy + digest)', count: 12, fn: () => void createHash('sha256').update(transcript).copy().digest() },
    {
      name: 'AES-128-GCM seal, small record',
      count: 5,
      fn: () => {
        const e = createCipheriv('aes-128-gcm', aesKey, nonce);
        e.setAAD(aad);
        e.update(record);
        e.final();
        e.getAuthTag();
      },
    },
    {
      name: 'AES-128-GCM open, small record',
      count: 5,
      fn: () => {
        const d = createDecipheriv('aes-128-gcm', aesKey, nonce);
        d.setAAD(aad);
        d.setAuthTag(sealed.subarray(sealed.length - 16));
        d.update(sealed.subarray(0, sealed.length - 16));
        d.final();
      },
    },
    { name: 'random (32 B)', count: 5, fn: () => void randomBytes(32) },
  ];
}

export function runFloor(job: FloorJob): void {
  const metrics: Metrics = {};
  for (const [variant, paths, rsa] of [
    ['ecdsa', job.certs.ecdsa, false],
    ['rsa', job.certs.rsa, true],
  ] as const) {
    let total = 0;
    for (const op of ops(paths, rsa)) {
      const iters = op.name.includes('RSA-PSS 2048 sign') ? Math.max(20, job.iterations / 20) : job.iterations;
      const us = time(iters, op.fn);
      metrics[`${variant}: ${op.name} ×${op.count} (µs each)`] = us;
      total += us * op.count;
    }
    metrics[`${variant}_floor_us_per_handshake`] = total;
  }
  send({ type: 'result', metrics, via: 'node:crypto' });
}

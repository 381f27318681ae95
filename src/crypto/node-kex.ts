// Ephemeral key exchange for the node:crypto provider (RFC 8446 §4.2.8, §7.4; RFC 7919): X25519 and
// X448 from a random scalar through JWK (shared/INTEROP.md §6: generateKeyPairSync('x25519') + JWK
// export can deadlock), the NIST curves through ECDH with the share format checked here, and the
// RFC 7919 finite-field groups.
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { TlsError, illegalParameter, internalError } from '../errors.js';
import { AlertDescription, NamedGroup, groupName } from '../wire/iana.js';
import { ffdheGroup, type FfdheGroup } from './ffdhe.js';
import { b64url, view } from './node-bytes.js';
import type { KeyExchange } from './provider.js';

type OkpCurve = 'X25519' | 'X448';

class OkpKeyExchange implements KeyExchange {
  readonly publicKey: Uint8Array;
  private readonly priv: KeyObject;
  private readonly size: number;
  constructor(
    readonly group: number,
    private readonly curve: OkpCurve,
    scalar: Uint8Array,
  ) {
    this.size = curve === 'X25519' ? 32 : 56;
    if (scalar.length !== this.size) throw internalError(`${curve} private key must be ${this.size} bytes, got ${scalar.length}`);
    // shared/INTEROP.md §6: a JWK import of a random scalar avoids the generateKeyPairSync deadlock.
    this.priv = createPrivateKey({ key: { kty: 'OKP', crv: curve, d: b64url(scalar), x: '' }, format: 'jwk' });
    const x = createPublicKey(this.priv).export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw internalError(`${curve} public key export failed`);
    this.publicKey = view(Buffer.from(x, 'base64url'));
  }
  deriveSecret(peerPublic: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: X25519 shares are 32 bytes, X448 shares 56 bytes.
    if (peerPublic.length !== this.size) {
      throw illegalParameter(`${groupName(this.group)} key share must be ${this.size} bytes, got ${peerPublic.length}`);
    }
    let pub: KeyObject;
    try {
      pub = createPublicKey({ key: { kty: 'OKP', crv: this.curve, x: b64url(peerPublic) }, format: 'jwk' });
    } catch (e) {
      throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', AlertDescription.illegal_parameter, `${groupName(this.group)} key share could not be imported`, { cause: e });
    }
    let secret: Buffer;
    try {
      secret = diffieHellman({ privateKey: this.priv, publicKey: pub });
    } catch (e) {
      // RFC 8446 §7.4.2: an all-zero shared secret must be rejected; OpenSSL refuses to derive it.
      throw new TlsError(
        'ERR_TLS_ILLEGAL_PARAMETER',
        AlertDescription.illegal_parameter,
        `${groupName(this.group)} key share gives an all-zero shared secret (a low-order point)`,
        { cause: e },
      );
    }
    return view(secret);
  }
}

interface NistParams {
  readonly curve: string;
  readonly pointLength: number;
  readonly scalarLength: number;
}

function nistParams(group: number): NistParams | undefined {
  switch (group) {
    case NamedGroup.secp256r1:
      return { curve: 'prime256v1', pointLength: 65, scalarLength: 32 };
    case NamedGroup.secp384r1:
      return { curve: 'secp384r1', pointLength: 97, scalarLength: 48 };
    case NamedGroup.secp521r1:
      return { curve: 'secp521r1', pointLength: 133, scalarLength: 66 };
    default:
      return undefined;
  }
}

class NistKeyExchange implements KeyExchange {
  readonly publicKey: Uint8Array;
  private readonly ecdh: ReturnType<typeof createECDH>;
  constructor(
    readonly group: number,
    private readonly params: NistParams,
    privateKey?: Uint8Array,
  ) {
    this.ecdh = createECDH(params.curve);
    if (privateKey === undefined) this.ecdh.generateKeys();
    else this.ecdh.setPrivateKey(privateKey);
    this.publicKey = view(this.ecdh.getPublicKey());
  }
  deriveSecret(peerPublic: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: only the uncompressed form (0x04 ‖ X ‖ Y) is allowed.
    if (peerPublic.length !== this.params.pointLength || peerPublic[0] !== 0x04) {
      throw illegalParameter(
        `${groupName(this.group)} key share must be an uncompressed point of ${this.params.pointLength} bytes starting with 0x04`,
      );
    }
    try {
      return view(this.ecdh.computeSecret(peerPublic));
    } catch (e) {
      // RFC 8446 §4.2.8.2: the peer's point must be validated (on the curve, not infinity).
      throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', AlertDescription.illegal_parameter, `${groupName(this.group)} key share is not a valid curve point`, {
        cause: e,
      });
    }
  }
}

function leftPad(b: Uint8Array, size: number): Uint8Array {
  if (b.length === size) return b;
  const out = new Uint8Array(size);
  out.set(b, size - b.length);
  return out;
}

/** RFC 7919 private exponent sizes: at least twice the group's security strength (§5.2), rounded up. */
function ffdheExponentLength(bits: number): number {
  return bits <= 2048 ? 32 : bits <= 3072 ? 40 : 48;
}

class FfdheKeyExchange implements KeyExchange {
  readonly publicKey: Uint8Array;
  private readonly dh: ReturnType<typeof createDiffieHellman>;
  private readonly size: number;
  private readonly pMinus1: bigint;
  constructor(
    readonly group: number,
    params: FfdheGroup,
    privateExponent: Uint8Array,
  ) {
    this.size = params.bits / 8;
    this.pMinus1 = BigInt('0x' + params.primeHex) - 1n;
    this.dh = createDiffieHellman(Buffer.from(params.primeHex, 'hex'), 2);
    this.dh.setPrivateKey(privateExponent);
    this.dh.generateKeys(); // computes the public value from the private exponent set above
    // RFC 8446 §4.2.8.1: the public value is left-padded with zeros to the size of p.
    this.publicKey = leftPad(view(this.dh.getPublicKey()), this.size);
  }
  deriveSecret(peerPublic: Uint8Array): Uint8Array {
    if (peerPublic.length !== this.size) {
      throw illegalParameter(`${groupName(this.group)} key share must be ${this.size} bytes (left-padded), got ${peerPublic.length}`);
    }
    // RFC 7919 §5.1: the peer's value must satisfy 1 < y < p - 1.
    const y = BigInt('0x' + Buffer.from(peerPublic.buffer, peerPublic.byteOffset, peerPublic.length).toString('hex'));
    if (y <= 1n || y >= this.pMinus1) throw illegalParameter(`${groupName(this.group)} key share is out of range (RFC 7919 §5.1)`);
    let z: Buffer;
    try {
      z = this.dh.computeSecret(peerPublic);
    } catch (e) {
      throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', AlertDescription.illegal_parameter, `${groupName(this.group)} key share was rejected`, { cause: e });
    }
    // RFC 8446 §7.4.1: Z is left-padded with zeros to the size of the prime.
    return leftPad(view(z), this.size);
  }
}

function newFfdhe(group: number, params: FfdheGroup, random: (n: number) => Uint8Array): FfdheKeyExchange {
  const d = random(ffdheExponentLength(params.bits)).slice();
  d[0] = (d[0] as number) | 0x80; // a full-length exponent, never 0 or 1
  return new FfdheKeyExchange(group, params, d);
}

/** An X25519 key exchange from a given 32-byte private scalar (tests and reproducible transcripts). */
export function x25519FromPrivate(scalar: Uint8Array): KeyExchange {
  return new OkpKeyExchange(NamedGroup.x25519, 'X25519', scalar);
}

/**
 * A key exchange for `group` from a given private key (raw scalar for X25519/X448, big-endian
 * private value for the NIST curves). For tests that replay a transcript byte for byte.
 */
export function keyExchangeFromPrivate(group: number, privateKey: Uint8Array): KeyExchange {
  if (group === NamedGroup.x25519) return new OkpKeyExchange(group, 'X25519', privateKey);
  if (group === NamedGroup.x448) return new OkpKeyExchange(group, 'X448', privateKey);
  const nist = nistParams(group);
  if (nist !== undefined) return new NistKeyExchange(group, nist, privateKey);
  const ff = ffdheGroup(group);
  if (ff !== undefined) return new FfdheKeyExchange(group, ff, privateKey);
  throw internalError(`the node crypto provider does not support group ${groupName(group)}`);
}

/** A fresh key exchange for `group`, its private key drawn from `random`. */
export function newKeyExchange(group: number, random: (n: number) => Uint8Array): KeyExchange {
    if (group === NamedGroup.x25519) return new OkpKeyExchange(group, 'X25519', random(32));
    if (group === NamedGroup.x448) return new OkpKeyExchange(group, 'X448', random(56));
    const nist = nistParams(group);
    if (nist !== undefined) {
      // A private scalar in [1, n-1]: draw until OpenSSL accepts one (a retry is astronomically rare).
      for (let i = 0; i < 16; i++) {
        const d = random(nist.scalarLength);
        if (nist.scalarLength === 66) d[0] = (d[0] as number) & 0x01; // P-521: 521-bit scalars
        try {
          return new NistKeyExchange(group, nist, d);
        } catch {
          // zero or >= n: draw again
        }
      }
      throw internalError(`could not draw a valid ${groupName(group)} private key`);
    }
    const ff = ffdheGroup(group);
    if (ff !== undefined) return newFfdhe(group, ff, random);
    throw internalError(`the node crypto provider does not support group ${groupName(group)}`);
}

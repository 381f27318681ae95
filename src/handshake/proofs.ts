// Proof values (shared/STYLE.md, habit 3): the traffic state can only be built from values that only
// the verifiers create, so a skipped check does not compile.
import type { CryptoProvider, HashAlgorithm, PublicKey } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { AlertDescription, schemeName } from '../wire/iana.js';
import { finishedVerifyData } from '../keys/schedule13.js';
import { certificateVerifyContent, keyFitsScheme, schemeInfo } from './schemes.js';

const brand: unique symbol = Symbol('proof');

/** The peer's Finished was checked (RFC 8446 §4.4.4). */
export interface FinishedVerified {
  readonly [brand]: 'finished';
}

/** The peer's CertificateVerify signature was checked (RFC 8446 §4.4.3). */
export interface SignatureVerified {
  readonly [brand]: 'signature';
  readonly scheme: number;
}

function decryptError(message: string): TlsError {
  return new TlsError('ERR_TLS_DECRYPT_ERROR', AlertDescription.decrypt_error, message);
}

/** RFC 8446 §4.4.4: compares verify_data in constant time; a mismatch is decrypt_error. */
export function verifyFinished13(
  crypto: CryptoProvider,
  hash: HashAlgorithm,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
  received: Uint8Array,
  peer: 'server' | 'client',
): FinishedVerified {
  const expected = finishedVerifyData(crypto, hash, baseKey, transcriptHash);
  if (!crypto.timingSafeEqual(expected, received)) {
    throw decryptError(`the ${peer}'s Finished message does not match the handshake: the handshake was tampered with or the keys differ`);
  }
  return { [brand]: 'finished' };
}

/**
 * RFC 8446 §4.4.3: the scheme must be one we offered, allowed in TLS 1.3 and fit the certificate's key
 * (illegal_parameter otherwise); a bad signature is decrypt_error.
 */
export function verifyCertificateVerify13(
  crypto: CryptoProvider,
  key: PublicKey,
  scheme: number,
  signature: Uint8Array,
  offered: readonly number[],
  peerIsServer: boolean,
  transcriptHash: Uint8Array,
): SignatureVerified {
  const info = schemeInfo(scheme);
  if (info === undefined || !offered.includes(scheme) || !keyFitsScheme(key, scheme, true)) {
    throw new TlsError(
      'ERR_TLS_ILLEGAL_PARAMETER',
      AlertDescription.illegal_parameter,
      `the peer signed with ${schemeName(scheme)}, which was not offered or does not fit its ${key.type} key`,
    );
  }
  const content = certificateVerifyContent(peerIsServer, transcriptHash);
  if (!crypto.verify(info.alg, key, content, signature)) {
    throw decryptError(`the ${peerIsServer ? 'server' : 'client'}'s CertificateVerify signature (${schemeName(scheme)}) is not valid for its certificate`);
  }
  return { [brand]: 'signature', scheme };
}

/**
 * Server: the PSK binder of the ClientHello was checked (RFC 8446 §4.2.11.2); a resumed handshake
 * authenticates with it instead of a certificate. Client: the server selected the PSK we offered
 * (the Finished check then proves it knew the key).
 */
export interface PskAuthenticated {
  readonly [brand]: 'psk';
}

/** RFC 8446 §4.2.11.2: compares a binder in constant time; a mismatch aborts with decrypt_error. */
export function verifyBinder(
  crypto: CryptoProvider,
  hash: HashAlgorithm,
  binderKey: Uint8Array,
  truncatedTranscriptHash: Uint8Array,
  received: Uint8Array,
): PskAuthenticated {
  const expected = finishedVerifyData(crypto, hash, binderKey, truncatedTranscriptHash);
  if (!crypto.timingSafeEqual(expected, received)) {
    throw decryptError('the PSK binder does not match the ClientHello: the ClientHello was altered or the client holds a different key');
  }
  return { [brand]: 'psk' };
}

/** Client: the server selected the offered PSK (its Finished, checked later, proves possession). */
export function pskSelected(): PskAuthenticated {
  return { [brand]: 'psk' };
}

/** RFC 5246 §7.4.9: the peer's TLS 1.2 Finished, compared in constant time; a mismatch is decrypt_error. */
export function verifyFinished12(crypto: CryptoProvider, expected: Uint8Array, received: Uint8Array, peer: 'server' | 'client'): FinishedVerified {
  if (!crypto.timingSafeEqual(expected, received)) {
    throw decryptError(`the ${peer}'s Finished message does not match the handshake: the handshake was tampered with or the keys differ`);
  }
  return { [brand]: 'finished' };
}

/**
 * A TLS 1.2 signature (ServerKeyExchange, RFC 8422 §5.4; CertificateVerify, RFC 5246 §7.4.8): the scheme
 * must be one we offered and fit the key (illegal_parameter otherwise, RFC 5246 §7.4.1.4.1); a bad
 * signature is decrypt_error.
 */
export function verifySignature12(
  crypto: CryptoProvider,
  key: PublicKey,
  scheme: number,
  signature: Uint8Array,
  offered: readonly number[],
  content: Uint8Array,
  what: string,
): SignatureVerified {
  const info = schemeInfo(scheme);
  if (info === undefined || !offered.includes(scheme) || !keyFitsScheme(key, scheme, false)) {
    throw new TlsError(
      'ERR_TLS_ILLEGAL_PARAMETER',
      AlertDescription.illegal_parameter,
      `the ${what} is signed with ${schemeName(scheme)}, which was not offered or does not fit the ${key.type} key`,
    );
  }
  if (!crypto.verify(info.alg, key, content, signature)) {
    throw decryptError(`the ${what} signature (${schemeName(scheme)}) is not valid for the certificate`);
  }
  return { [brand]: 'signature', scheme };
}

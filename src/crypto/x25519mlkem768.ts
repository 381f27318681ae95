// X25519MLKEM768 (NamedGroup 0x11EC, draft-ietf-tls-ecdhe-mlkem): the hybrid of ML-KEM-768 (FIPS 203,
// from @noble/post-quantum) and X25519 (the provider's own). In the deployed order, ML-KEM comes first
// everywhere:
//   client key_share = ML-KEM-768 encapsulation key (1184) ‖ X25519 public key (32)      = 1216 bytes
//   server key_share = ML-KEM-768 ciphertext (1088)        ‖ X25519 public key (32)      = 1120 bytes
//   shared secret    = ML-KEM-768 shared secret (32)       ‖ X25519 shared secret (32)   =   64 bytes
// A KEM is not symmetric like Diffie-Hellman, so the role is fixed by first use: reading `publicKey`
// first makes this the client (it generates the ML-KEM key pair); calling `deriveSecret` first makes it
// the server (it encapsulates to the client's key, and `publicKey` is then the ciphertext share).
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError, illegalParameter, internalError } from '../errors.js';
import { AlertDescription, NamedGroup } from '../wire/iana.js';
import type { KeyExchange } from './provider.js';

export const MLKEM768_EK_LENGTH = 1184;
export const MLKEM768_CT_LENGTH = 1088;
const X25519_LENGTH = 32;
export const X25519MLKEM768_CLIENT_SHARE = MLKEM768_EK_LENGTH + X25519_LENGTH;
export const X25519MLKEM768_SERVER_SHARE = MLKEM768_CT_LENGTH + X25519_LENGTH;

type Role =
  | { readonly kind: 'unset' }
  | { readonly kind: 'client'; readonly share: Uint8Array; readonly dk: Uint8Array; done: boolean }
  | { readonly kind: 'server'; readonly share: Uint8Array };

export class X25519MlKem768 implements KeyExchange {
  readonly group = NamedGroup.X25519MLKEM768;
  private role: Role = { kind: 'unset' };

  /**
   * `x25519`: the classical half, a fresh X25519 exchange; `random`: the randomness for ML-KEM's key
   * generation seed (64 bytes) and encapsulation message (32 bytes), injectable for reproducible tests.
   */
  constructor(
    private readonly x25519: KeyExchange,
    private readonly random: (n: number) => Uint8Array,
  ) {
    if (x25519.group !== NamedGroup.x25519) throw internalError('X25519MLKEM768 needs an X25519 key exchange');
  }

  get publicKey(): Uint8Array {
    const r = this.role;
    if (r.kind === 'server' || r.kind === 'client') return r.share;
    const { publicKey: ek, secretKey: dk } = ml_kem768.keygen(this.random(64));
    const share = concat(ek, this.x25519.publicKey);
    this.role = { kind: 'client', share, dk, done: false };
    return share;
  }

  deriveSecret(peerPublic: Uint8Array): Uint8Array {
    const r = this.role;
    if (r.kind === 'server') throw internalError('X25519MLKEM768: the server side derives its secret once');
    if (r.kind === 'client') return this.decapsulate(r, peerPublic);
    return this.encapsulate(peerPublic);
  }

  /** Server: encapsulate to the client's ML-KEM key, X25519 with its key. */
  private encapsulate(clientShare: Uint8Array): Uint8Array {
    // draft-ietf-tls-ecdhe-mlkem §4.1: the client share is exactly ek ‖ X25519 (1216 bytes).
    if (clientShare.length !== X25519MLKEM768_CLIENT_SHARE) {
      throw illegalParameter(`X25519MLKEM768 client key share must be ${X25519MLKEM768_CLIENT_SHARE} bytes, got ${clientShare.length}`);
    }
    const ek = clientShare.subarray(0, MLKEM768_EK_LENGTH);
    let cipherText: Uint8Array;
    let kemSecret: Uint8Array;
    try {
      // FIPS 203 §7.2: the encapsulation key passes the modulus check, else it is refused.
      ({ cipherText, sharedSecret: kemSecret } = ml_kem768.encapsulate(ek, this.random(32)));
    } catch (e) {
      throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', AlertDescription.illegal_parameter, 'X25519MLKEM768 client key share has an invalid ML-KEM-768 encapsulation key', {
        cause: e,
      });
    }
    const ecdh = this.x25519.deriveSecret(clientShare.subarray(MLKEM768_EK_LENGTH));
    this.role = { kind: 'server', share: concat(cipherText, this.x25519.publicKey) };
    return concat(kemSecret, ecdh);
  }

  /** Client: decapsulate the server's ciphertext, X25519 with its key. */
  private decapsulate(r: { readonly dk: Uint8Array; done: boolean }, serverShare: Uint8Array): Uint8Array {
    if (serverShare.length !== X25519MLKEM768_SERVER_SHARE) {
      throw illegalParameter(`X25519MLKEM768 server key share must be ${X25519MLKEM768_SERVER_SHARE} bytes, got ${serverShare.length}`);
    }
    if (r.done) throw internalError('X25519MLKEM768: the client key pair was already used');
    r.done = true;
    // ML-KEM decapsulation never fails: a bad ciphertext gives an unrelated secret (implicit rejection),
    // and the handshake then fails at the Finished check.
    const kemSecret = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768_CT_LENGTH), r.dk);
    const ecdh = this.x25519.deriveSecret(serverShare.subarray(MLKEM768_CT_LENGTH));
    return concat(kemSecret, ecdh);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

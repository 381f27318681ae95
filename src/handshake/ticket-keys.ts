// Session ticket protection (RFC 5077 §4, the recommended format) under node:tls's 48-byte ticketKeys
// layout: key_name (16) ‖ HMAC-SHA256 key (16) ‖ AES-128 key (16). A ticket is
// key_name ‖ IV (16) ‖ AES-128-CBC(state, PKCS#7 padding) ‖ HMAC-SHA256(key_name ‖ IV ‖ ciphertext).
// Older keys can be kept for opening only, so keys rotate without refusing every ticket at once.
import type { CryptoProvider } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

/** What a server needs to issue and accept tickets; implemented here and by the TLS 1.3 work. */
export interface TicketSealer {
  /** Protects the plaintext state into an opaque ticket. */
  seal(plaintext: Uint8Array): Uint8Array;
  /** The state, or undefined when the ticket is not ours, was tampered with or its key was retired. */
  open(ticket: Uint8Array): Uint8Array | undefined;
}

const NAME = 16;
const IV = 16;
const MAC = 32;

interface Key {
  readonly name: Uint8Array;
  readonly hmacKey: Uint8Array;
  readonly aesKey: Uint8Array;
}

function split(keys: Uint8Array): Key {
  if (!(keys instanceof Uint8Array) || keys.length !== 48) {
    throw new TlsError('ERR_INVALID_ARG_VALUE', AlertDescription.internal_error, `invalid option ticketKeys: must be 48 bytes, got ${keys.length}`);
  }
  return { name: keys.slice(0, 16), hmacKey: keys.slice(16, 32), aesKey: keys.slice(32, 48) };
}

export class TicketKeys implements TicketSealer {
  private current: Key;
  private previous: Key[] = [];

  /**
   * `keys`: 48 bytes in node:tls's format (random keys when absent). `previous`: older keys still
   * accepted for opening. A server owns one (no module-level state) and shares it across connections.
   */
  constructor(
    private readonly crypto: CryptoProvider,
    keys?: Uint8Array,
    previous: readonly Uint8Array[] = [],
  ) {
    this.current = split(keys ?? crypto.randomBytes(48));
    this.previous = previous.map(split);
  }

  /** Rotates to fresh random keys; the replaced ones keep opening tickets until the next rotation. */
  rotate(): void {
    this.setTicketKeys(this.crypto.randomBytes(48));
  }

  /** node:tls getTicketKeys(): the current 48 bytes. */
  getTicketKeys(): Uint8Array {
    const out = new Uint8Array(48);
    out.set(this.current.name, 0);
    out.set(this.current.hmacKey, 16);
    out.set(this.current.aesKey, 32);
    return out;
  }

  /** node:tls setTicketKeys(): new keys for sealing; the old ones stay valid for opening (at most `keep`). */
  setTicketKeys(keys: Uint8Array, keep = 1): void {
    const next = split(keys);
    this.previous = [this.current, ...this.previous].slice(0, keep);
    this.current = next;
  }

  seal(plaintext: Uint8Array): Uint8Array {
    const k = this.current;
    const iv = this.crypto.randomBytes(IV);
    const pad = 16 - (plaintext.length % 16);
    const padded = new Uint8Array(plaintext.length + pad);
    padded.set(plaintext);
    padded.fill(pad, plaintext.length);
    const ct = this.crypto.cbc('aes-128-cbc', k.aesKey).encrypt(iv, padded);
    const mac = this.crypto.hmac('sha256', k.hmacKey, [k.name, iv, ct]);
    const out = new Uint8Array(NAME + IV + ct.length + MAC);
    out.set(k.name, 0);
    out.set(iv, NAME);
    out.set(ct, NAME + IV);
    out.set(mac, NAME + IV + ct.length);
    return out;
  }

  open(ticket: Uint8Array): Uint8Array | undefined {
    if (ticket.length < NAME + IV + 16 + MAC || (ticket.length - NAME - IV - MAC) % 16 !== 0) return undefined;
    const name = ticket.subarray(0, NAME);
    const k = [this.current, ...this.previous].find((x) => this.crypto.timingSafeEqual(x.name, name));
    if (k === undefined) return undefined;
    const ctEnd = ticket.length - MAC;
    const mac = this.crypto.hmac('sha256', k.hmacKey, [name, ticket.subarray(NAME, NAME + IV), ticket.subarray(NAME + IV, ctEnd)]);
    // RFC 5077 §4: the MAC is checked (in constant time) before decrypting.
    if (!this.crypto.timingSafeEqual(mac, ticket.subarray(ctEnd))) return undefined;
    const plain = this.crypto.cbc('aes-128-cbc', k.aesKey).decrypt(ticket.subarray(NAME, NAME + IV), ticket.subarray(NAME + IV, ctEnd));
    const pad = plain[plain.length - 1] as number;
    if (pad < 1 || pad > 16) return undefined;
    return plain.subarray(0, plain.length - pad);
  }
}

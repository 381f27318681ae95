// Session ticket protection under rotating keys, shared by TLS 1.3 tickets (RFC 8446 §4.6.1) and
// TLS 1.2 tickets (RFC 5077 §4). The keys come in node:tls's 48-byte `ticketKeys` format
// (16-byte key name, 16-byte HMAC secret, 16-byte AES key); internally the 32 secret bytes are turned
// into one AES-256-GCM key, so a ticket is key_name(16) ‖ nonce(12) ‖ ciphertext ‖ tag(16), with the
// key name as additional data. The object is owned by a server (no module-level state): the current
// key seals, the current and the previous key open, so tickets survive one rotation.
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

/** Length of node:tls's ticketKeys buffer. */
export const TICKET_KEYS_LENGTH = 48;
const NAME_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** Smallest possible ticket: name, nonce, tag around an empty plaintext. */
export const TICKET_OVERHEAD = NAME_LENGTH + NONCE_LENGTH + TAG_LENGTH;

const KEY_LABEL = new TextEncoder().encode('typetls ticket key v1');

interface Key {
  readonly raw: Uint8Array;
  readonly name: Uint8Array;
  readonly aead: Aead;
}

function badKeys(message: string): TlsError {
  return new TlsError('ERR_INVALID_ARG_VALUE', AlertDescription.internal_error, `invalid option ticketKeys: ${message}`);
}

/** What protects tickets: TicketKeys, or an application's own (e.g. a key service). */
export interface TicketSealer {
  seal(plaintext: Uint8Array): Uint8Array;
  open(ticket: Uint8Array): Uint8Array | undefined;
}

/** Rotating ticket keys: `seal(plaintext)` makes a ticket, `open(ticket)` returns its plaintext or undefined. */
export class TicketKeys implements TicketSealer {
  // Keys are checked at once but derived on first use (a server that never resumes pays nothing).
  private currentRaw: Uint8Array | undefined;
  private current: Key | undefined;
  private previousRaw: Uint8Array | undefined;
  private previous: Key | undefined;

  /** `keys`: 48 bytes in node:tls's format; random keys (drawn on first use) when absent. */
  constructor(
    private readonly crypto: CryptoProvider,
    keys?: Uint8Array,
  ) {
    this.currentRaw = keys === undefined ? undefined : checked(keys);
  }

  private makeKey(raw: Uint8Array): Key {
    // One AEAD key from the 32 secret bytes (the HMAC secret and the AES key together).
    const key = this.crypto.hmac('sha256', raw.subarray(NAME_LENGTH), KEY_LABEL);
    return { raw, name: raw.subarray(0, NAME_LENGTH), aead: this.crypto.aead('aes-256-gcm', key) };
  }

  private currentKey(): Key {
    if (this.current === undefined) {
      this.currentRaw ??= this.crypto.randomBytes(TICKET_KEYS_LENGTH).slice();
      this.current = this.makeKey(this.currentRaw);
    }
    return this.current;
  }

  private previousKey(): Key | undefined {
    if (this.previous === undefined && this.previousRaw !== undefined) this.previous = this.makeKey(this.previousRaw);
    return this.previous;
  }

  /** The current keys, as node:tls's `server.getTicketKeys()` (a copy). */
  getTicketKeys(): Uint8Array {
    return (this.currentRaw ?? this.currentKey().raw).slice();
  }

  /**
   * Installs new keys, as node:tls's `server.setTicketKeys()`. New tickets are sealed with them; the
   * keys they replace still open the tickets already issued, until the next rotation.
   */
  setTicketKeys(keys: Uint8Array): void {
    const next = checked(keys);
    this.previousRaw = this.currentRaw;
    this.previous = this.current;
    this.currentRaw = next;
    this.current = undefined;
  }

  /** Rotates to fresh random keys (the old ones keep opening existing tickets until the next rotation). */
  rotate(): void {
    this.setTicketKeys(this.crypto.randomBytes(TICKET_KEYS_LENGTH));
  }

  /** Seals a ticket under the current key. */
  seal(plaintext: Uint8Array): Uint8Array {
    const k = this.currentKey();
    const nonce = this.crypto.randomBytes(NONCE_LENGTH);
    const out = new Uint8Array(TICKET_OVERHEAD + plaintext.length);
    out.set(k.name, 0);
    out.set(nonce, NAME_LENGTH);
    k.aead.sealInto(nonce, k.name, plaintext, out, NAME_LENGTH + NONCE_LENGTH);
    return out;
  }

  /**
   * Opens a ticket sealed under the current or the previous key. Undefined for an unknown key name, a
   * truncated ticket or a failed authentication: the server then does a full handshake.
   */
  open(ticket: Uint8Array): Uint8Array | undefined {
    if (ticket.length < TICKET_OVERHEAD) return undefined;
    const name = ticket.subarray(0, NAME_LENGTH);
    const k = this.keyNamed(name);
    if (k === undefined) return undefined;
    const nonce = ticket.subarray(NAME_LENGTH, NAME_LENGTH + NONCE_LENGTH);
    return k.aead.open(nonce, name, ticket.subarray(NAME_LENGTH + NONCE_LENGTH)) ?? undefined;
  }

  /** True when the ticket's key name is the previous key's (the server may issue a fresh ticket). */
  isFromPreviousKey(ticket: Uint8Array): boolean {
    const p = this.previousKey();
    return p !== undefined && ticket.length >= NAME_LENGTH && sameName(p.name, ticket.subarray(0, NAME_LENGTH));
  }

  private keyNamed(name: Uint8Array): Key | undefined {
    const c = this.currentKey();
    if (sameName(c.name, name)) return c;
    const p = this.previousKey();
    if (p !== undefined && sameName(p.name, name)) return p;
    return undefined;
  }
}

function checked(raw: Uint8Array): Uint8Array {
  if (!(raw instanceof Uint8Array) || raw.length !== TICKET_KEYS_LENGTH) {
    throw badKeys(`ticket keys must be exactly ${TICKET_KEYS_LENGTH} bytes (16-byte name, 16-byte HMAC secret, 16-byte AES key)`);
  }
  return raw.slice();
}

/** Key names are public (they travel in clear); a plain comparison is fine. */
function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// The handshake transcript (RFC 8446 §4.4.1). Messages are kept raw until the hash is known (the
// cipher suite decides it), then hashed incrementally.
import type { CryptoProvider, HashAlgorithm, HashContext } from '../crypto/provider.js';
import { HandshakeType } from '../wire/iana.js';
import type { HandshakeMessage } from '../wire/handshake.js';

export class Transcript {
  private pending: Uint8Array[] = [];
  private ctx: HashContext | undefined;
  /** The digest of the transcript as it stands, until the next add() (no message hashed twice over). */
  private current: Uint8Array | undefined;

  constructor(private readonly crypto: CryptoProvider) {}

  get hashAlgorithm(): HashAlgorithm | undefined {
    return this.ctx?.algorithm;
  }

  add(raw: Uint8Array): void {
    this.current = undefined;
    if (this.ctx) this.ctx.update(raw);
    else this.pending.push(raw);
  }

  /** The raw messages added so far, while the hash algorithm is not fixed yet (TLS 1.2 takes them over). */
  buffered(): readonly Uint8Array[] {
    if (this.ctx) throw new Error('transcript already hashed');
    return this.pending;
  }

  /** Fixes the hash algorithm and hashes what was buffered. */
  start(alg: HashAlgorithm): void {
    if (this.ctx) return;
    this.ctx = this.crypto.hash(alg);
    for (const m of this.pending) this.ctx.update(m);
    this.pending = [];
  }

  /** Current transcript hash. */
  hash(): Uint8Array {
    if (!this.ctx) throw new Error('transcript hash used before the hash algorithm was fixed');
    this.current ??= this.ctx.digest();
    return this.current;
  }

  /** Hash of the transcript followed by `extra` (without adding it). */
  hashWith(extra: Uint8Array): Uint8Array {
    if (!this.ctx) throw new Error('transcript hash used before the hash algorithm was fixed');
    const c = this.ctx.copy();
    c.update(extra);
    return c.digest();
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by a synthetic message_hash
   * message holding Hash(ClientHello1).
   */
  replaceWithMessageHash(alg: HashAlgorithm): void {
    const all = this.crypto.hash(alg);
    for (const m of this.pending) all.update(m);
    if (this.ctx) throw new Error('message_hash after the transcript hash started');
    const h = all.digest();
    const synthetic = new Uint8Array(4 + h.length);
    synthetic[0] = HandshakeType.message_hash;
    synthetic[3] = h.length;
    synthetic.set(h, 4);
    this.pending = [synthetic];
  }
}

/** Sends a handshake message and adds it to the transcript (TLS 1.3: every message we send is in it). */
export function sendRecorded(conn: { sendHandshake(msg: HandshakeMessage): void }, transcript: Transcript, msg: HandshakeMessage): void {
  transcript.add(msg.raw);
  conn.sendHandshake(msg);
}

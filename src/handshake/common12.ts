// Pieces both TLS 1.2 sides share: the transcript of raw handshake messages (CertificateVerify signs
// the messages themselves, RFC 5246 §7.4.8), key derivation into record protectors, the master secret
// with or without RFC 7627, the renegotiation_info and extension checks.
import type { CryptoProvider, HashContext } from '../crypto/provider.js';
import { extendedMasterSecret12, keyBlock12, masterSecret12 } from '../keys/prf12.js';
import { keyBlockSizes12, type Suite12 } from '../keys/suites12.js';
import { recordProtector12 } from '../record/protect12.js';
import type { RecordProtector } from '../record/layer.js';
import type { Engine } from '../conn/engine.js';
import type { HandshakeMessage } from '../wire/handshake.js';

/**
 * The TLS 1.2 handshake transcript: the raw messages (CertificateVerify signs the messages themselves),
 * and a running hash with the PRF hash from its first use, so no message is hashed twice and asking
 * twice with nothing added in between (the extended master secret's session hash and the client
 * Finished, RFC 7627 §4, RFC 5246 §7.4.9) costs nothing.
 */
export class Transcript12 {
  private readonly messages: Uint8Array[];
  private running: HashContext | undefined;
  /** How many messages `running` has taken in. */
  private hashed = 0;
  /** The digest at `hashed` messages, until the next add(). */
  private current: Uint8Array | undefined;

  constructor(
    private readonly crypto: CryptoProvider,
    initial: readonly Uint8Array[] = [],
  ) {
    this.messages = [...initial];
  }

  add(raw: Uint8Array): void {
    this.messages.push(raw);
    this.current = undefined;
  }

  /** All messages so far, concatenated (the content a TLS 1.2 CertificateVerify signs). */
  bytes(): Uint8Array {
    let n = 0;
    for (const m of this.messages) n += m.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const m of this.messages) {
      out.set(m, at);
      at += m.length;
    }
    return out;
  }

  hash(alg: 'sha256' | 'sha384'): Uint8Array {
    let h = this.running;
    if (h === undefined || h.algorithm !== alg) {
      // The PRF hash is fixed by the suite, so this happens once per handshake.
      h = this.crypto.hash(alg);
      this.running = h;
      this.hashed = 0;
      this.current = undefined;
    }
    if (this.current !== undefined && this.hashed === this.messages.length) return this.current;
    for (; this.hashed < this.messages.length; this.hashed++) h.update(this.messages[this.hashed] as Uint8Array);
    this.current = h.digest();
    return this.current;
  }
}

export function send12(conn: Engine, transcript: Transcript12, msg: HandshakeMessage): void {
  transcript.add(msg.raw);
  conn.sendHandshake(msg);
}



/** The master secret: RFC 7627 §4 when negotiated (session hash through ClientKeyExchange), else RFC 5246 §8.1. */
export function deriveMaster12(
  crypto: CryptoProvider,
  suite: Suite12,
  pms: Uint8Array,
  ems: boolean,
  transcript: Transcript12,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return ems
    ? extendedMasterSecret12(crypto, suite.prfHash, pms, transcript.hash(suite.prfHash))
    : masterSecret12(crypto, suite.prfHash, pms, clientRandom, serverRandom);
}

export interface Protectors12 {
  readonly clientWrite: RecordProtector;
  readonly serverWrite: RecordProtector;
}

export function protectors12(
  crypto: CryptoProvider,
  suite: Suite12,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  encryptThenMac: boolean,
): Protectors12 {
  const kb = keyBlock12(crypto, suite.prfHash, master, clientRandom, serverRandom, keyBlockSizes12(suite));
  return {
    clientWrite: recordProtector12(crypto, suite.cipher, { key: kb.clientKey, macKey: kb.clientMacKey, iv: kb.clientIv }, encryptThenMac),
    serverWrite: recordProtector12(crypto, suite.cipher, { key: kb.serverKey, macKey: kb.serverMacKey, iv: kb.serverIv }, encryptThenMac),
  };
}

/** A flag the ChangeCipherSpec handler sets; the Finished state checks it (RFC 5246 §7.4.9: Finished follows CCS). */
export interface CcsBox {
  received: boolean;
}

/** Arms the engine for the peer's ChangeCipherSpec: read keys switch when it arrives. */
export function armCcs(conn: Engine, read: RecordProtector): CcsBox {
  const box: CcsBox = { received: false };
  conn.expectChangeCipherSpec(() => {
    conn.setReadProtector(read);
    box.received = true;
  });
  return box;
}

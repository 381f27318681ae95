// The TLS 1.3 traffic state (after Finished): KeyUpdate (RFC 8446 §4.6.3), NewSessionTicket on the
// client (§4.6.1), exporters (§7.5). It can only be built from a FinishedVerified proof.
import { HandshakeType, KeyUpdateRequest, handshakeName } from '../wire/iana.js';
import { decodeKeyUpdate, decodeNewSessionTicket13, encodeKeyUpdate, type NewSessionTicket13 } from '../wire/messages13.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import { unexpectedMessage } from '../errors.js';
import { exporter13, nextTrafficSecret, type Suite13 } from '../keys/schedule13.js';
import { RecordProtector13 } from '../record/protect13.js';
import type { Engine, TrafficState } from '../conn/engine.js';
import type { FinishedVerified } from './proofs.js';

export interface TrafficSecrets13 {
  readonly suite: Suite13;
  readonly readSecret: Uint8Array;
  readonly writeSecret: Uint8Array;
  readonly exporterMasterSecret: Uint8Array;
}

/** Handles post-handshake NewSessionTicket messages (the client), decoded once; resumption lives in its own file. */
export type TicketSink = (ticket: NewSessionTicket13) => void;

export class Traffic13 implements TrafficState {
  readonly name = 'Traffic13';
  readonly traffic = true as const;
  private readonly suite: Suite13;
  /**
   * The read and write traffic secrets and the exporter master secret, in that order, in one buffer
   * (Hash.length each): an idle connection keeps one allocation for them, not three.
   */
  private readonly secrets: Uint8Array;

  constructor(
    private readonly conn: Engine,
    secrets: TrafficSecrets13,
    // Required (a skipped Finished check does not compile), not kept: the connection may live long.
    proof: FinishedVerified,
    private readonly onTicket: TicketSink | undefined,
  ) {
    void proof;
    const h = secrets.suite.hashLength;
    this.suite = secrets.suite;
    this.secrets = new Uint8Array(3 * h);
    this.secrets.set(secrets.readSecret, 0);
    this.secrets.set(secrets.writeSecret, h);
    this.secrets.set(secrets.exporterMasterSecret, 2 * h);
  }

  private secret(which: 0 | 1 | 2): Uint8Array {
    const h = this.suite.hashLength;
    return this.secrets.subarray(which * h, (which + 1) * h);
  }

  handle(msg: HandshakeMessage): Traffic13 {
    switch (msg.type) {
      case HandshakeType.key_update: {
        const request = decodeKeyUpdate(msg.body);
        this.updateReadKeys();
        // RFC 8446 §4.6.3: answer update_requested with our own update (not requesting another).
        if (request === KeyUpdateRequest.update_requested && !this.conn.closed) this.updateWriteKeys(false);
        return this;
      }
      case HandshakeType.new_session_ticket:
        if (this.conn.isClient) {
          const ticket = decodeNewSessionTicket13(msg.body);
          this.onTicket?.(ticket);
          return this;
        }
        break;
      default:
        break;
    }
    // We never offer post_handshake_auth, so a CertificateRequest here is unexpected too.
    throw unexpectedMessage(`unexpected ${handshakeName(msg.type)} after the handshake`);
  }

  keyUpdate(requestPeer: boolean): void {
    this.updateWriteKeys(requestPeer);
  }

  exportKeyingMaterial(length: number, label: string, context: Uint8Array | undefined): Uint8Array {
    return exporter13(this.conn.config.crypto, this.suite.hash, this.secret(2), label, context ?? new Uint8Array(0), length);
  }

  private updateReadKeys(): void {
    const next = nextTrafficSecret(this.conn.config.crypto, this.suite.hash, this.secret(0));
    this.secrets.set(next, 0);
    this.conn.setReadProtector(new RecordProtector13(this.conn.config.crypto, this.suite, next));
    if (this.conn.tracing) this.conn.trace({ kind: 'key-update', direction: 'received' });
  }

  private updateWriteKeys(requestPeer: boolean): void {
    this.conn.sendHandshake(encodeKeyUpdate(requestPeer ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested));
    const next = nextTrafficSecret(this.conn.config.crypto, this.suite.hash, this.secret(1));
    this.secrets.set(next, this.suite.hashLength);
    this.conn.setWriteProtector(new RecordProtector13(this.conn.config.crypto, this.suite, next));
    if (this.conn.tracing) this.conn.trace({ kind: 'key-update', direction: 'sent', requestPeer });
  }
}

// The TLS 1.2 traffic state (after both Finished messages). Renegotiation is refused (RFC 5746 §4.2,
// RFC 5246 §7.4.1.1): the server answers a new ClientHello with a no_renegotiation warning and the
// connection stays usable; the client ignores HelloRequest. Exporters per RFC 5705.
import { AlertDescription, HandshakeType, handshakeName } from '../wire/iana.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import { TlsError, unexpectedMessage } from '../errors.js';
import { exporter12 } from '../keys/prf12.js';
import type { Suite12 } from '../keys/suites12.js';
import type { Engine, TrafficState } from '../conn/engine.js';
import type { FinishedVerified } from './proofs.js';
import { decodeEmptyMessage } from '../wire/messages12.js';

export interface TrafficSecrets12 {
  readonly suite: Suite12;
  readonly masterSecret: Uint8Array;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
}

export class Traffic12 implements TrafficState {
  readonly name = 'Traffic12';
  readonly traffic = true as const;

  constructor(
    private readonly conn: Engine,
    private readonly secrets: TrafficSecrets12,
    readonly proof: FinishedVerified,
  ) {}

  handle(msg: HandshakeMessage): Traffic12 {
    if (this.conn.isClient && msg.type === HandshakeType.hello_request) {
      // RFC 5246 §7.4.1.1: a client that does not want to renegotiate may ignore HelloRequest.
      decodeEmptyMessage(msg.body, 'HelloRequest');
      if (this.conn.tracing) this.conn.trace({ kind: 'renegotiation-refused', message: 'hello_request ignored' });
      return this;
    }
    if (!this.conn.isClient && msg.type === HandshakeType.client_hello) {
      // RFC 5746 §4.2 / RFC 5246 §7.2.2: refuse with a no_renegotiation warning and keep the connection.
      this.conn.sendWarning(AlertDescription.no_renegotiation);
      if (this.conn.tracing) this.conn.trace({ kind: 'renegotiation-refused', message: 'client_hello answered with no_renegotiation' });
      return this;
    }
    throw unexpectedMessage(`unexpected ${handshakeName(msg.type)} after the TLS 1.2 handshake`);
  }

  keyUpdate(): void {
    throw new TlsError('ERR_TLS_INVALID_STATE', AlertDescription.internal_error, 'KeyUpdate exists only in TLS 1.3; this connection is TLS 1.2');
  }

  exportKeyingMaterial(length: number, label: string, context: Uint8Array | undefined): Uint8Array {
    const s = this.secrets;
    // RFC 5705 §4: labels the handshake itself uses are not exporters.
    if (['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret'].includes(label)) {
      throw new TlsError('ERR_TLS_INVALID_EXPORTER_LABEL', AlertDescription.internal_error, `exporter label "${label}" is reserved by TLS (RFC 5705 §4)`);
    }
    return exporter12(this.conn.config.crypto, s.suite.prfHash, s.masterSecret, s.clientRandom, s.serverRandom, label, context, length);
  }
}

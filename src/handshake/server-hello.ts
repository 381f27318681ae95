// The server's first state: decode the ClientHello and negotiate the version (RFC 8446 §4.2.1,
// RFC 5246 §E.1), then hand over to the version's handshake.
import { HandshakeType, ProtocolVersion, handshakeName, versionName } from '../wire/iana.js';
import { decodeClientHello, offeredVersions, protocolVersionError } from '../wire/hello.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import { unexpectedMessage } from '../errors.js';
import type { Engine, Next, State } from '../conn/engine.js';
import { handleClientHello13 } from './server13.js';
import { handleClientHello12, type ServerParams12 } from './server12.js';

export class ExpectClientHello implements State {
  readonly name = 'ExpectClientHello';
  constructor(
    private readonly conn: Engine,
    private readonly params: ServerParams12,
  ) {}

  handle(msg: HandshakeMessage): Next {
    if (msg.type !== HandshakeType.client_hello) {
      throw unexpectedMessage(`expected client_hello, got ${handshakeName(msg.type)}`);
    }
    const hello = decodeClientHello(msg.body);
    const cfg = this.conn.config;
    const offered = offeredVersions(hello);
    if (this.conn.tracing) this.conn.trace({ kind: 'client-hello', versions: offered.map(versionName), serverName: hello.ext.serverName, alpn: hello.ext.alpn });
    const can13 = cfg.maxVersion >= ProtocolVersion.TLSv1_3 && cfg.suites13.length > 0;
    if (hello.ext.supportedVersions !== undefined && offered.includes(ProtocolVersion.TLSv1_3) && can13) {
      return handleClientHello13(this.conn, this.params, msg, hello);
    }
    // RFC 8446 §4.2.1: with supported_versions the legacy_version is ignored; RFC 5246 §E.1 otherwise.
    // SSL 3.0, TLS 1.0 and TLS 1.1 are never negotiated (RFC 8996).
    if (offered.includes(ProtocolVersion.TLSv1_2) && cfg.suites12.length > 0 && cfg.minVersion <= ProtocolVersion.TLSv1_2) {
      return handleClientHello12(this.conn, this.params, msg, hello, can13);
    }
    // RFC 8446 §4.2.1 / RFC 5246 §E.1: no version in common is protocol_version.
    throw protocolVersionError(
      `no protocol version in common: the client offered ${offered.map(versionName).join(', ')}, the server allows ${versionName(cfg.minVersion)} to ${versionName(cfg.maxVersion)}`,
    );
  }
}

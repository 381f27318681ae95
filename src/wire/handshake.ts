// Handshake message framing (RFC 8446 §4): msg_type(1) length(3) body.
import { Writer } from './writer.js';
import { handshakeName } from './iana.js';
import { unexpectedMessage } from '../errors.js';

export interface HandshakeMessage {
  readonly type: number;
  /** The body, without the 4-byte header. */
  readonly body: Uint8Array;
  /** The whole message including its header, exactly as it goes into the transcript. */
  readonly raw: Uint8Array;
}

export function encodeHandshake(type: number, body: Uint8Array): HandshakeMessage {
  const raw = new Uint8Array(4 + body.length);
  raw[0] = type;
  raw[1] = (body.length >>> 16) & 0xff;
  raw[2] = (body.length >>> 8) & 0xff;
  raw[3] = body.length & 0xff;
  raw.set(body, 4);
  return { type, body: raw.subarray(4), raw };
}

/** Builds a message whose body `fn` writes. */
export function buildHandshake(type: number, fn: (w: Writer) => void, sizeHint = 256): HandshakeMessage {
  const w = new Writer(sizeHint);
  fn(w);
  return encodeHandshake(type, w.finish());
}

/** A state accepts one message type; any other is unexpected_message (RFC 8446 §4, RFC 5246 §7.3). */
export function expectMessage(msg: HandshakeMessage, type: number, state: string): void {
  if (msg.type !== type) throw unexpectedMessage(`expected ${handshakeName(type)} in state ${state}, got ${handshakeName(msg.type)}`);
}

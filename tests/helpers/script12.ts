// A scripted TLS 1.2 client for tests that need bytes a well-behaved client never sends: hand-made
// ClientHellos (old versions, fallback SCSV, no signature_algorithms, other compression), RSA
// ClientKeyExchange ciphertexts of every failure class, a ChangeCipherSpec out of place.
import { ContentType, HandshakeType, ProtocolVersion } from '../../src/wire/iana.js';
import { decodeServerHello, encodeClientHello } from '../../src/wire/hello.js';
import type { Extension } from '../../src/wire/extensions.js';
import { ext as X } from '../../src/wire/extensions.js';
import type { HandshakeMessage } from '../../src/wire/handshake.js';
import type { Connection } from '../../src/conn/types.js';
import { decodeCertificate12, encodeClientKeyExchangeRsa, encodeFinished12 } from '../../src/wire/messages12.js';
import { extendedMasterSecret12, finishedVerifyData12, keyBlock12, masterSecret12 } from '../../src/keys/prf12.js';
import { keyBlockSizes12, suite12 } from '../../src/keys/suites12.js';
import { recordProtector12 } from '../../src/record/protect12.js';
import { crypto } from './memory.js';

export function plainRecord(type: number, body: Uint8Array, version: number = ProtocolVersion.TLSv1_2): Uint8Array {
  return new Uint8Array([type, version >>> 8, version & 0xff, body.length >>> 8, body.length & 0xff, ...body]);
}

export interface Rec {
  readonly type: number;
  readonly body: Uint8Array;
}

/** Splits bytes into records (no decryption). */
export function splitRecords(bytes: Uint8Array | null): Rec[] {
  const out: Rec[] = [];
  if (bytes === null) return out;
  for (let at = 0; at + 5 <= bytes.length; ) {
    const len = ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number);
    out.push({ type: bytes[at] as number, body: bytes.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return out;
}

/** Handshake messages from plaintext handshake records (up to the first non-handshake record). */
export function handshakeMessages(recs: readonly Rec[]): HandshakeMessage[] {
  const parts: number[] = [];
  for (const r of recs) {
    if (r.type !== ContentType.handshake) break;
    parts.push(...r.body);
  }
  const buf = new Uint8Array(parts);
  const out: HandshakeMessage[] = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const len = ((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number);
    const raw = buf.subarray(at, at + 4 + len);
    out.push({ type: buf[at] as number, body: raw.subarray(4), raw });
    at += 4 + len;
  }
  return out;
}

export interface HelloOptions {
  readonly legacyVersion?: number;
  readonly suites: readonly number[];
  readonly compression?: readonly number[];
  readonly extensions?: readonly Extension[];
}

/** The extensions a plain TLS 1.2 client sends (no signature_algorithms unless added). */
export function basicExtensions(ems: boolean): Extension[] {
  const e: Extension[] = [X.renegotiationInfo(), X.supportedGroups([29, 23]), X.ecPointFormats([0])];
  if (ems) e.push(X.extendedMasterSecret());
  return e;
}

export function clientHello(random: Uint8Array, o: HelloOptions): HandshakeMessage {
  return encodeClientHello({
    legacyVersion: o.legacyVersion ?? ProtocolVersion.TLSv1_2,
    random,
    sessionId: new Uint8Array(0),
    cipherSuites: o.suites,
    compressionMethods: o.compression ?? [0],
    extensions: o.extensions ?? basicExtensions(true),
  });
}

export interface RsaFlight {
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly serverCertificate: Uint8Array;
  readonly transcript: Uint8Array[];
  readonly ems: boolean;
}

/** Sends a ClientHello for TLS_RSA_WITH_AES_128_GCM_SHA256 and reads the server's first flight. */
export function startRsa(server: Connection, ems: boolean): RsaFlight {
  const clientRandom = crypto.randomBytes(32);
  const hello = clientHello(clientRandom, { suites: [0x009c], extensions: basicExtensions(ems) });
  server.receive(plainRecord(ContentType.handshake, hello.raw, ProtocolVersion.TLSv1));
  const msgs = handshakeMessages(splitRecords(server.takeOutput()));
  const [sh, cert] = msgs;
  if (sh === undefined || cert === undefined || sh.type !== HandshakeType.server_hello) throw new Error(`no ServerHello: ${server.error?.message}`);
  const leaf = decodeCertificate12(cert.body)[0];
  if (leaf === undefined) throw new Error('no certificate');
  return { clientRandom, serverRandom: decodeServerHello(sh.body).random, serverCertificate: leaf, transcript: [hello.raw, ...msgs.map((m) => m.raw)], ems };
}

/**
 * Sends ClientKeyExchange(ciphertext), ChangeCipherSpec and a Finished protected with keys from
 * `pms` (what this client believes the premaster secret is). Returns the server's output after each
 * step: [after ClientKeyExchange + ChangeCipherSpec, after Finished].
 */
export function finishRsa(server: Connection, f: RsaFlight, ciphertext: Uint8Array, pms: Uint8Array): [Uint8Array | null, Uint8Array | null] {
  const suite = suite12(0x009c);
  if (suite === undefined) throw new Error('unreachable');
  const cke = encodeClientKeyExchangeRsa(ciphertext);
  const transcript = [...f.transcript, cke.raw];
  const hashOf = (msgs: readonly Uint8Array[]): Uint8Array => {
    const h = crypto.hash('sha256');
    for (const m of msgs) h.update(m);
    return h.digest();
  };
  const master = f.ems ? extendedMasterSecret12(crypto, 'sha256', pms, hashOf(transcript)) : masterSecret12(crypto, 'sha256', pms, f.clientRandom, f.serverRandom);
  const kb = keyBlock12(crypto, 'sha256', master, f.clientRandom, f.serverRandom, keyBlockSizes12(suite));
  const write = recordProtector12(crypto, suite.cipher, { key: kb.clientKey, macKey: kb.clientMacKey, iv: kb.clientIv }, false);
  server.receive(plainRecord(ContentType.handshake, cke.raw));
  server.receive(plainRecord(ContentType.change_cipher_spec, new Uint8Array([1])));
  const first = server.takeOutput();
  const fin = encodeFinished12(finishedVerifyData12(crypto, 'sha256', master, 'client', hashOf(transcript)));
  server.receive(write.seal(ContentType.handshake, fin.raw));
  return [first, server.takeOutput()];
}

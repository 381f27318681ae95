// The record layer of one connection (shared/DESIGN.md, "Receive path"): bytes in → records →
// (decrypted) content; content out → fragments → (protected) records → one output buffer.
// Sans-IO: the connection feeds `receive()` and drains `takeOutput()`. Protection is pluggable
// (RecordProtector), so TLS 1.2 protectors slot in beside the TLS 1.3 one.
import { decodeError, internalError, unexpectedMessage } from '../errors.js';
import { ContentType, HandshakeType, ProtocolVersion } from '../wire/iana.js';
import { MAX_CIPHERTEXT_12, MAX_CIPHERTEXT_13, MAX_PLAINTEXT, RECORD_HEADER_LENGTH, RecordDeframer, recordOverflow } from './deframer.js';
import type { RecordProtector } from './protect13.js';
import { allocUnfilled } from './alloc.js';

export type { RecordProtector } from './protect13.js';

/** Content delivered by the record layer: the real content type and the (decrypted) bytes. */
export interface RecordContent {
  readonly type: number;
  readonly content: Uint8Array;
}

/** The parts as one buffer of `length` bytes; a single part is returned as is, without a copy. */
function joinParts(parts: readonly Uint8Array[], length: number): Uint8Array {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined) return only;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export class RecordLayer {
  private readonly deframer = new RecordDeframer();
  private readProtector: RecordProtector | null = null;
  private writeProtector: RecordProtector | null = null;
  private output: Uint8Array[] = [];
  private outputLength = 0;
  private handshakeQueue: Uint8Array[] = [];
  private handshakeQueueLength = 0;
  private recordsSent = 0;
  private compatCcsSeen = 0;

  /**
   * TLS 1.3 handshake in progress: drop an unprotected change_cipher_spec of exactly one byte 0x01
   * (RFC 8446 §5, middlebox compatibility, Appendix D.4); any other change_cipher_spec is then an
   * unexpected_message. When false, change_cipher_spec records are delivered to the caller (TLS 1.2).
   */
  allowCompatCcs = false;
  /**
   * Accept an unprotected 2-byte alert record while a read protector is installed: a TLS 1.3 peer
   * that failed on our ServerHello has no keys yet and sends its alert in the clear. Also accepted
   * whenever the compatibility change_cipher_spec window is open (the TLS 1.3 handshake).
   */
  allowPlaintextAlert = false;
  private recordVersion: number = ProtocolVersion.TLSv1_2;
  /**
   * Tracing only: told about every record sent or received (the content type inside, the content
   * length, whether it was protected). Unset (and free) when not tracing.
   */
  onRecord: ((direction: 'sent' | 'received', type: number, length: number, isProtected: boolean) => void) | undefined;
  /** Largest content per record we send: 2^14, or smaller per the peer's record_size_limit (RFC 8449). */
  maxFragment = MAX_PLAINTEXT;
  /** TLS 1.2 (RFC 8449 §4): the largest decrypted fragment accepted, when we announced a record_size_limit. */
  maxReceiveFragment: number | undefined = undefined;
  /**
   * Server that rejected 0-RTT (RFC 8446 §4.2.10): bytes of early data still to skip. Protected records
   * that fail authentication are dropped, and so are application_data records while reading in the
   * clear (after a HelloRetryRequest); the first record that decrypts ends the skipping.
   */
  skipEarlyData = 0;

  /** Bytes received and not yet returned as records. */
  get buffered(): number {
    return this.deframer.buffered;
  }

  /** Number of compatibility change_cipher_spec records dropped so far. */
  get compatCcsCount(): number {
    return this.compatCcsSeen;
  }

  /** Negotiated version: sets the ciphertext length limit (RFC 8446 §5.2 vs RFC 5246 §6.2.3). */
  setProtocolVersion(version: number): void {
    this.deframer.maxFragmentLength = version === ProtocolVersion.TLSv1_3 ? MAX_CIPHERTEXT_13 : MAX_CIPHERTEXT_12;
  }

  /** Adds bytes from the transport (kept by reference until consumed: do not reuse the buffer). */
  receive(data: Uint8Array): void {
    this.deframer.push(data);
  }

  /** Installs (or removes) the protector for records we read from now on. */
  setReadProtector(p: RecordProtector | null): void {
    this.readProtector = p;
  }

  /** Installs (or removes) the protector for records we write from now on; queued handshake data goes out first. */
  setWriteProtector(p: RecordProtector | null): void {
    this.flushHandshake();
    this.writeProtector = p;
  }

  get readProtected(): boolean {
    return this.readProtector !== null;
  }
  get writeProtected(): boolean {
    return this.writeProtector !== null;
  }

  /** The write key reached its usage limit (RFC 8446 §5.5): a KeyUpdate is due. */
  get writeKeyUpdateDue(): boolean {
    return this.writeProtector?.keyUpdateDue === true;
  }

  /** legacy_record_version of unprotected records (RFC 8446 §5.1); the first ClientHello uses 0x0301. */
  get plaintextVersion(): number {
    return this.recordVersion;
  }

  /**
   * legacy_record_version for unprotected records sent from now on (RFC 8446 §5.1). Handshake
   * messages already queued go out first, under the version in force when they were sent.
   */
  setRecordVersion(version: number): void {
    this.flushHandshake();
    this.recordVersion = version;
  }

  /**
   * The next record's content (decrypted when a read protector is set), or null when more bytes are
   * needed. `allowCompatCcs`, when given, overrides the property of the same name for this call.
   */
  nextRecord(allowCompatCcs: boolean = this.allowCompatCcs): RecordContent | null {
    const compat = allowCompatCcs;
    const plainAlert = this.allowPlaintextAlert || compat;
    for (;;) {
      // A protected application_data record is always decrypted into a new buffer (open() below)
      // before the next record is taken, so it may be assembled in the deframer's scratch buffer.
      const rec = this.deframer.next(this.readProtector !== null ? ContentType.application_data : undefined);
      if (rec === null) return null;
      if (rec.type === ContentType.change_cipher_spec) {
        const isCompat = rec.fragment.length === 1 && rec.fragment[0] === 0x01;
        if (compat) {
          // RFC 8446 §5: drop the one-byte 0x01 change_cipher_spec; any other value is unexpected_message.
          if (!isCompat) throw unexpectedMessage('change_cipher_spec record is not the single byte 0x01');
          this.compatCcsSeen++;
          this.onRecord?.('received', rec.type, rec.fragment.length, false);
          continue;
        }
        if (this.readProtector === null) {
          // RFC 5246 §7.1: the ChangeCipherSpec message is a single byte of value 1.
          if (!isCompat) throw decodeError('change_cipher_spec record is not the single byte 0x01');
          return { type: rec.type, content: rec.fragment };
        }
      }
      let type: number;
      let content: Uint8Array;
      if (this.skipEarlyData > 0 && this.readProtector === null && rec.type === ContentType.application_data) {
        if (rec.fragment.length > this.skipEarlyData) throw unexpectedMessage('more rejected early data than the server allows');
        this.skipEarlyData -= rec.fragment.length;
        continue;
      }
      const isProtected = this.readProtector !== null && !(plainAlert && rec.type === ContentType.alert && rec.fragment.length === 2);
      if (isProtected && this.readProtector !== null) {
        if (this.skipEarlyData > 0 && rec.type === ContentType.application_data) {
          try {
            ({ type, content } = this.readProtector.open(rec));
          } catch {
            // RFC 8446 §4.2.10: early data under keys the server did not accept; the limit counts
            // the plaintext (ciphertext minus the tag and the content type byte).
            const n = Math.max(0, rec.fragment.length - 17);
            if (n > this.skipEarlyData) throw unexpectedMessage('more rejected early data than the server allows');
            this.skipEarlyData -= n;
            continue;
          }
          this.skipEarlyData = 0;
        } else {
          ({ type, content } = this.readProtector.open(rec));
        }
        if (this.maxReceiveFragment !== undefined && content.length > this.maxReceiveFragment) {
          throw recordOverflow(`record of ${content.length} bytes exceeds the record_size_limit of ${this.maxReceiveFragment}`);
        }
      } else {
        // RFC 8446 §5.1 / RFC 5246 §6.2.1: a TLSPlaintext fragment is at most 2^14 bytes.
        if (rec.fragment.length > MAX_PLAINTEXT) {
          throw recordOverflow(`plaintext record of ${rec.fragment.length} bytes exceeds 2^14`);
        }
        type = rec.type;
        content = rec.fragment;
      }
      if (type === ContentType.handshake && content.length === 0) {
        // RFC 8446 §5.1: zero-length fragments of handshake messages are not allowed.
        throw unexpectedMessage('empty handshake record');
      }
      if (type === ContentType.alert && content.length !== 2) {
        // RFC 8446 §5.1: an alert record holds exactly one 2-byte alert, never fragmented or coalesced.
        throw decodeError(`alert record of ${content.length} bytes (an alert is exactly 2 bytes)`);
      }
      this.onRecord?.('received', type, content.length, isProtected);
      return { type, content };
    }
  }

  /**
   * Queues content for sending: fragmented to the record size and protected with the current write
   * protector. Consecutive handshake messages are coalesced into as few records as possible (they
   * go out at the next non-handshake send, protector change, or takeOutput()).
   */
  send(type: number, data: Uint8Array): void {
    if (type === ContentType.handshake) {
      if (data.length === 0) return;
      this.handshakeQueue.push(data);
      this.handshakeQueueLength += data.length;
      return;
    }
    this.flushHandshake();
    this.writeFragments(type, data, this.writeProtector, this.plaintextVersion);
  }

  /**
   * Sends content unprotected whatever the write protector (the hello phase, the TLS 1.3
   * compatibility change_cipher_spec). `version` defaults to 0x0301 for an initial ClientHello (the
   * first record of the connection) and to `plaintextVersion` otherwise (RFC 8446 §5.1).
   */
  sendPlain(type: number, data: Uint8Array, version?: number): void {
    this.flushHandshake();
    const v =
      version ??
      (this.recordsSent === 0 && type === ContentType.handshake && data[0] === HandshakeType.client_hello ? ProtocolVersion.TLSv1 : this.plaintextVersion);
    this.writeFragments(type, data, null, v);
  }

  /** Same as sendPlain (the name the connection engine uses). */
  sendPlaintext(type: number, data: Uint8Array, version?: number): void {
    this.sendPlain(type, data, version);
  }

  /** Sends queued handshake messages now. */
  flush(): void {
    this.flushHandshake();
  }

  /** True when output is waiting (queued handshake data counts). */
  get hasOutput(): boolean {
    return this.outputLength > 0 || this.handshakeQueueLength > 0;
  }

  /** Everything queued for the transport as one buffer, or null when there is nothing. */
  takeOutput(): Uint8Array | null {
    this.flushHandshake();
    if (this.outputLength === 0) return null;
    const out = joinParts(this.output, this.outputLength);
    this.output = [];
    this.outputLength = 0;
    return out;
  }

  private flushHandshake(): void {
    if (this.handshakeQueueLength === 0) return;
    const data = joinParts(this.handshakeQueue, this.handshakeQueueLength);
    this.handshakeQueue = [];
    this.handshakeQueueLength = 0;
    const version =
      this.writeProtector === null && this.recordsSent === 0 && data[0] === HandshakeType.client_hello ? ProtocolVersion.TLSv1 : this.plaintextVersion;
    this.writeFragments(ContentType.handshake, data, this.writeProtector, version);
  }

  private writeFragments(type: number, data: Uint8Array, protector: RecordProtector | null, version: number): void {
    const limit = Math.max(1, Math.min(this.maxFragment, protector === null ? MAX_PLAINTEXT : protector.maxContent));
    if (data.length === 0) {
      // Only application data may be empty on the wire (RFC 8446 §5.1); an empty send sends nothing.
      return;
    }
    if (protector !== null && protector.sealInto !== undefined && protector.sealedLength !== undefined) {
      // Every record of this send goes into one buffer: header, ciphertext and tag written in place.
      let total = 0;
      for (let at = 0; at < data.length; at += limit) total += protector.sealedLength(Math.min(limit, data.length - at));
      // Not zero-filled first when the protector writes every byte (a 64 KiB write would clear 64 KiB
      // for nothing); the check after the loop confirms the lengths before the buffer can leave.
      const out = protector.fillsOutput === true ? allocUnfilled(total) : new Uint8Array(total);
      let pos = 0;
      for (let at = 0; at < data.length; at += limit) {
        const fragment = data.subarray(at, Math.min(data.length, at + limit));
        pos += protector.sealInto(type, fragment, out, pos);
        this.recordsSent++;
        this.onRecord?.('sent', type, fragment.length, true);
      }
      if (pos !== total) throw internalError(`sealed ${pos} bytes into a ${total}-byte record buffer`);
      this.output.push(out);
      this.outputLength += out.length;
      return;
    }
    for (let at = 0; at < data.length; at += limit) {
      const fragment = data.subarray(at, Math.min(data.length, at + limit));
      let record: Uint8Array;
      if (protector !== null) {
        record = protector.seal(type, fragment);
      } else {
        record = new Uint8Array(RECORD_HEADER_LENGTH + fragment.length);
        record[0] = type;
        record[1] = version >>> 8;
        record[2] = version & 0xff;
        record[3] = fragment.length >>> 8;
        record[4] = fragment.length & 0xff;
        record.set(fragment, RECORD_HEADER_LENGTH);
      }
      this.output.push(record);
      this.outputLength += record.length;
      this.recordsSent++;
      this.onRecord?.('sent', type, fragment.length, protector !== null);
    }
  }
}

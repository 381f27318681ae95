// A bench-only bridge between a net.Socket and a sans-IO Connection, used for the typetls side until
// the node:tls-compatible adapter (src/node) is available: enough of a Duplex for the scenarios
// (secure event, writes with backpressure, reads, end, session events). Not a TLSSocket.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Connection } from '../src/conn/types.js';

export class BridgeSocket extends Duplex {
  private secureEmitted = false;
  private eofPushed = false;
  private drainWaiter: (() => void) | undefined;

  constructor(
    private readonly sock: Socket,
    private readonly conn: Connection,
  ) {
    super({ allowHalfOpen: true });
    sock.setNoDelay(true);
    conn.setListener((ev) => {
      if (ev.type === 'session') this.emit('session', ev.session);
      else if (ev.type === 'wakeup') this.step();
    });
    sock.on('data', (d: Buffer) => {
      conn.receive(d);
      this.step();
    });
    sock.on('end', () => {
      conn.receiveEof();
      this.step();
      this.endReadable();
    });
    sock.on('drain', () => {
      const w = this.drainWaiter;
      this.drainWaiter = undefined;
      w?.();
    });
    sock.on('error', (e) => this.destroy(e));
    sock.on('close', () => {
      this.endReadable();
      if (!this.destroyed) this.destroy();
    });
    this.flush();
  }

  get isResumed(): boolean {
    return this.conn.summary?.resumed === true;
  }

  /** After receive(): send what is pending, deliver plaintext, report the handshake, errors and close. */
  private step(): void {
    this.flush();
    const p = this.conn.readPlaintext();
    if (p !== null) this.push(p);
    if (!this.secureEmitted && this.conn.handshakeComplete) {
      this.secureEmitted = true;
      this.emit('secure');
    }
    const err = this.conn.error;
    if (err !== undefined && err.code !== 'ECONNRESET') {
      this.destroy(err);
      return;
    }
    if (this.conn.peerClosed) this.endReadable();
  }

  private endReadable(): void {
    if (this.eofPushed) return;
    this.eofPushed = true;
    this.push(null);
  }

  private flush(): boolean {
    const out = this.conn.takeOutput();
    if (out === null || this.sock.destroyed) return true;
    return this.sock.write(out);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.conn.write(chunk);
    if (this.flush()) cb();
    else this.drainWaiter = () => cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.conn.close();
    this.flush();
    this.sock.end();
    cb();
  }

  override _read(): void {
    // Reads are not flow-controlled in the bench: the scenarios consume everything at once.
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.sock.destroy();
    cb(err);
  }
}

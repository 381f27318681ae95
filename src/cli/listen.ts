// What the listening commands (server, tunnel) share: listen, print `ACCEPT host:port` first on
// stdout (port 0 picks a free one), and run until SIGTERM/SIGINT or until asked to stop.
import type * as net from 'node:net';
import { describeError } from './summary.js';

export interface Serving {
  /** Resolves to the exit status: 0 once stopped, 1 when listening failed (the reason is on stderr). */
  readonly exit: Promise<number>;
  /** Closes the listener, destroys the live connections, and resolves `exit` with 0 once closed. */
  stop(): void;
}

export function serveUntilStopped(listener: net.Server, host: string, port: number, live: ReadonlySet<{ destroy(): void }>, onStop?: () => void): Serving {
  let stopping = false;
  let stop: () => void = () => undefined;
  const exit = new Promise<number>((resolve) => {
    stop = (): void => {
      if (stopping) return;
      stopping = true;
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      listener.close(() => {
        onStop?.();
        resolve(0);
      });
      for (const s of live) s.destroy();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    listener.once('error', (err: unknown) => {
      process.stderr.write(`error: ${describeError(err)}\n`);
      stopping = true;
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      onStop?.();
      resolve(1);
    });
    listener.listen(port, host, () => {
      const addr = listener.address();
      if (addr === null || typeof addr === 'string') return; // a TCP listener always has one
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      process.stdout.write(`ACCEPT ${shown}:${String(addr.port)}\n`);
    });
  });
  return { exit, stop: () => stop() };
}

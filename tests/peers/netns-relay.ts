// Runs inside a private network namespace (started as `unshare -n node netns-relay.js SOCK PORT -- cmd ...`):
// brings up loopback, starts the peer server, waits until it accepts on 127.0.0.1:PORT, then relays every
// connection made to the Unix socket SOCK (visible outside the namespace) to that port. Prints
// `RELAY READY` when the relay listens. Exits, taking the peer with it, on SIGTERM or when the peer exits.
import { spawn, execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { rmSync } from 'node:fs';

const [sock, portArg, sep, cmd, ...args] = process.argv.slice(2);
if (sock === undefined || portArg === undefined || sep !== '--' || cmd === undefined) {
  process.stderr.write('usage: netns-relay SOCK PORT -- cmd [args...]\n');
  process.exit(2);
}
const port = Number(portArg);
execFileSync('ip', ['link', 'set', 'lo', 'up']);
const peer = spawn(cmd, args, { stdio: ['pipe', 'inherit', 'inherit'] });
const cleanup = (): void => rmSync(sock, { force: true });
peer.on('exit', (code) => {
  cleanup();
  process.exit(code ?? 1);
});
peer.on('error', (e) => {
  process.stderr.write(`relay: cannot start ${cmd}: ${e.message}\n`);
  cleanup();
  process.exit(1);
});
// Stop the peer and wait for its 'exit' (above), so it is reaped here rather than left as a zombie.
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    peer.kill('SIGKILL');
    setTimeout(() => process.exit(1), 2000).unref();
  });
}

function probe(): void {
  const s = net.connect({ host: '127.0.0.1', port });
  s.once('connect', () => {
    s.destroy();
    listen();
  });
  s.once('error', () => setTimeout(probe, 15));
}

function listen(): void {
  const relay = net.createServer((down) => {
    const up = net.connect({ host: '127.0.0.1', port });
    down.pipe(up).pipe(down);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  relay.listen(sock, () => process.stdout.write('RELAY READY\n'));
}

probe();

// Process harness for interop peers: every child runs in its own process group, is bounded by a timeout
// and is killed by its PID (the group), also when the test that started it fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import * as net from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of node:test's TestContext the harness uses (cleanup registration). */
export interface TestContextLike {
  after(fn: () => void | Promise<void>): void;
}

export interface ClientResult {
  /** exit status; null when the process was killed (timeout) */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** true when the timeout killed it */
  readonly timedOut: boolean;
}

export interface PeerServer {
  /** port on 127.0.0.1 (inside the private network namespace when `socketPath` is set) */
  readonly port: number;
  readonly pid: number;
  /** set when the peer runs in a private network namespace: a Unix socket relayed to its port */
  readonly socketPath: string | undefined;
  /** stdout and stderr so far, interleaved */
  output(): string;
  /** opens a TCP connection to the peer (or to its relay) */
  dial(): net.Socket;
  /** ends the peer (SIGTERM to its group, SIGKILL after a grace period) and waits for it */
  stop(): Promise<void>;
  /** resolves with the exit code (null when killed by a signal) */
  readonly exited: Promise<number | null>;
}

export interface ServerOptions {
  /** stops the server when the test ends */
  readonly t: TestContextLike;
  /** learn the port from the output: the first capture group of this pattern */
  readonly portPattern?: RegExp;
  /** the peer was told to listen on this port; poll until it accepts */
  readonly port?: number;
  /**
   * Run the peer in a private network namespace (`unshare -n`), for peers that can only bind the
   * wildcard address. `port` is then its port inside the namespace and `dial()` goes through a relay
   * on a Unix socket, so no traffic leaves the namespace's loopback.
   */
  readonly netns?: boolean;
  /** ready when the output matches this (after the port is known / accepts) */
  readonly readyPattern?: RegExp;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** how long to wait for readiness; default 10 s */
  readonly startTimeoutMs?: number;
  /** hard upper bound on the server's life; default 120 s */
  readonly lifetimeMs?: number;
}

export interface ClientOptions {
  readonly input?: string | Buffer;
  /** keep stdin open for this long before ending it (for peers that quit on stdin EOF); default 0 */
  readonly holdStdinMs?: number;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const KILL_GRACE_MS = 1500;

/** True when `cmd` is an executable on PATH (looked up once per process and command). */
export function has(cmd: string): boolean {
  const known = hasCache.get(cmd);
  if (known !== undefined) return known;
  const found = (process.env['PATH'] ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  hasCache.set(cmd, found);
  return found;
}
// A lookup cache (tests only): the answer does not change while a test process runs.
const hasCache = new Map<string, boolean>();

/** Kills a process group: SIGTERM, then SIGKILL if it is still there after the grace period. */
function killGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return exited.then(() => undefined);
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(pid, 'SIGKILL'); // the leader is gone; anything it left in its group goes too
    return exited.then(() => undefined);
  }
  signalGroup(pid, 'SIGTERM');
  const hard = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
  return exited.then(() => {
    clearTimeout(hard);
    // The leader is gone; make sure nothing it started survives in its group.
    signalGroup(pid, 'SIGKILL');
  });
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  output(): string;
  stdout(): string;
  stderr(): string;
}

/**
 * Spawns `cmd` as the leader of a new process group. When coreutils `timeout` exists the command runs under
 * it, so even if this test process dies without cleaning up (killed runner, truncated pipe) the peer is
 * gone after `lifetimeMs`.
 */
function start(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv | undefined,
  cwd: string | undefined,
  lifetimeMs: number,
): Started {
  const bounded = has('timeout');
  const argv = bounded ? ['-k', '2', `${Math.ceil(lifetimeMs / 1000)}s`, cmd, ...args] : [...args];
  const child = spawn(bounded ? 'timeout' : cmd, argv, {
    detached: true, // own process group, so the whole tree can be killed by -pid
    stdio: ['pipe', 'pipe', 'pipe'],
    env: env ?? process.env,
    ...(cwd !== undefined ? { cwd } : {}),
  });
  let all = '';
  let out = '';
  let err = '';
  child.stdout?.setEncoding('latin1').on('data', (s: string) => {
    out += s;
    all += s;
  });
  child.stderr?.setEncoding('latin1').on('data', (s: string) => {
    err += s;
    all += s;
  });
  child.stdin?.on('error', () => {}); // EPIPE when the peer exits before reading its input
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      all += `\n[spawn error] ${e.message}\n`;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return { child, pid: child.pid, exited, output: () => all, stdout: () => out, stderr: () => err };
}

/** Runs a peer client to completion, bounded by `timeoutMs`. Never rejects on a non-zero exit. */
export async function runClient(cmd: string, args: readonly string[], opts: ClientOptions): Promise<ClientResult> {
  const p = start(cmd, args, opts.env, opts.cwd, opts.timeoutMs + 2000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killGroup(p.child, p.exited);
  }, opts.timeoutMs);
  const stdin = p.child.stdin;
  if (stdin !== null) {
    if (opts.input !== undefined) stdin.write(opts.input);
    if ((opts.holdStdinMs ?? 0) > 0) setTimeout(() => stdin.end(), opts.holdStdinMs).unref();
    else stdin.end();
  }
  const code = await p.exited;
  clearTimeout(timer);
  signalGroup(p.pid, 'SIGKILL'); // anything the client left behind
  return { code, stdout: p.stdout(), stderr: p.stderr(), timedOut };
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). Racy by nature; only for peers without port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function tryConnect(opts: net.NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(opts);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Whether this machine lets us create a private network namespace (root, or user namespaces).
 * `TYPETLS_TEST_NO_NETNS=1` forces the fallback (wildcard bind on a free port) to test it.
 */
export function canUseNetns(): boolean {
  const known = hasCache.get('\0netns');
  if (known !== undefined) return known;
  const ok =
    process.env['TYPETLS_TEST_NO_NETNS'] === undefined &&
    has('unshare') &&
    has('ip') &&
    spawnSync('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up'], { timeout: 5000 }).status === 0;
  hasCache.set('\0netns', ok);
  return ok;
}

/** Path of the compiled relay that runs inside the namespace (dist/tests/peers/netns-relay.js). */
const RELAY = fileURLToPath(new URL('../peers/netns-relay.js', import.meta.url));

/**
 * Starts a peer server and resolves when it accepts connections. Rejects (after killing it) when it exits
 * early or is not ready within `startTimeoutMs`; the error carries the peer's output.
 */
export async function startServer(cmd: string, args: readonly string[], opts: ServerOptions): Promise<PeerServer> {
  const useNetns = opts.netns === true;
  if (useNetns && opts.port === undefined) throw new Error('netns servers need a fixed port');
  const socketPath = useNetns ? join(process.env['TMPDIR'] ?? '/tmp', `typetls-relay-${process.pid}-${Math.random().toString(36).slice(2)}.sock`) : undefined;
  const lifetimeMs = opts.lifetimeMs ?? 120_000;
  const p =
    socketPath !== undefined
      ? start('unshare', ['-n', process.execPath, RELAY, socketPath, String(opts.port), '--', cmd, ...args], opts.env, opts.cwd, lifetimeMs)
      : start(cmd, args, opts.env, opts.cwd, lifetimeMs);
  const lifetime = setTimeout(() => void killGroup(p.child, p.exited), lifetimeMs);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= killGroup(p.child, p.exited).then(() => {
      clearTimeout(lifetime);
      if (socketPath !== undefined) rmSync(socketPath, { force: true }); // the relay may not have had time
    });
    return stopped;
  };
  opts.t.after(stop);

  let dead = false;
  void p.exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`${cmd} ${why}; output:\n${p.output()}`);
  };
  let port = opts.port ?? 0;
  for (;;) {
    if (dead) await fail('exited before it was ready');
    if (Date.now() > deadline) await fail('was not ready in time');
    if (useNetns) {
      if (/^RELAY READY$/m.test(p.stdout())) break;
    } else if (opts.portPattern !== undefined) {
      const m = opts.portPattern.exec(p.output());
      if (m?.[1] !== undefined) {
        port = Number(m[1]);
        break;
      }
    } else if (await tryConnect({ host: '127.0.0.1', port })) {
      break;
    }
    await sleep(15);
  }
  while (opts.readyPattern !== undefined && !opts.readyPattern.test(p.output())) {
    if (dead) await fail('exited before it was ready');
    if (Date.now() > deadline) await fail('was not ready in time');
    await sleep(15);
  }
  const dial = (): net.Socket =>
    socketPath !== undefined ? net.connect({ path: socketPath }) : net.connect({ host: '127.0.0.1', port });
  return { port, pid: p.pid, socketPath, output: p.output, dial, stop, exited: p.exited };
}

/** Absolute path of a file in the repository (e.g. `tests/peers/TlsPeer.java`) from compiled test code. */
export function resolveRepoFile(relative: string): string {
  // dist/tests/helpers/x.js → repository root is three levels up.
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

/** Polls `check` every 15 ms until it returns a value other than undefined; rejects after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(15);
  }
}

// Child-process helpers for the CLI tests: every process is bounded in time and killed by its PID.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to stdin, then stdin is ended; when absent stdin is ended at once. */
  readonly input?: string;
  /** Keep stdin open (for servers that quit on end of input). */
  readonly keepStdin?: boolean;
  readonly timeoutMs?: number;
}

/** Runs a command to completion (killed by PID after the timeout). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.write(opts.input);
    if (opts.keepStdin !== true) child.stdin.end();
    const timer = setTimeout(() => kill(child), opts.timeoutMs ?? 15_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  return run(process.execPath, [CLI, ...args], opts);
}

export function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, signal);
    } catch {
      // already gone
    }
  }
}

export interface Listening {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): void;
}

/** Starts a server that prints `ACCEPT host:port`; resolves once the port is known. */
export function startListening(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    const hardLimit = setTimeout(() => kill(child), 30_000);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.once('close', (code, signal) => {
        clearTimeout(hardLimit);
        res({ code, signal });
      }),
    );
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      kill(child);
      reject(new Error(`${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`no ACCEPT line from ${cmd} within ${String(timeoutMs)} ms`), timeoutMs);
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /ACCEPT .*:(\d+)\s/.exec(stdout);
      if (m?.[1] !== undefined && !done) {
        done = true;
        clearTimeout(timer);
        resolve({
          child,
          port: Number(m[1]),
          output: () => ({ stdout, stderr }),
          exited,
          stop: () => kill(child),
        });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (e) => fail(String(e)));
    child.once('close', () => fail(`${cmd} exited before listening`));
  });
}

/** `key: value` lines of a handshake summary. */
export function summaryOf(stderr: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stderr.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

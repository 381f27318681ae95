// A benchmark worker: a fresh process per run (bench/run.ts forks it). It receives one job over IPC,
// runs it and reports its metrics; the orchestrator then kills it.
// Only the scenario the job needs is loaded (the crypto floor, say, needs no socket code).
import type { ToChild } from './protocol.js';
import { onParentMessage, send } from './scenarios/common.js';

function fail(e: unknown): void {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}

process.on('message', (msg: ToChild) => {
  if (msg.type !== 'job') {
    onParentMessage(msg);
    return;
  }
  const job = msg.job;
  let run: Promise<void>;
  switch (job.kind) {
    case 'handshake':
      run = import('./scenarios/handshake.js').then((m) => m.runHandshake(job));
      break;
    case 'bulk':
      run = import('./scenarios/bulk.js').then((m) => m.runBulk(job));
      break;
    case 'idle':
      run = import('./scenarios/memory.js').then((m) => m.runIdle(job));
      break;
    case 'scaling':
      run = import('./scenarios/memory.js').then((m) => m.runScaling(job));
      break;
    case 'floor':
      run = import('./scenarios/floor.js').then((m) => m.runFloor(job));
      break;
  }
  run.catch(fail);
});
process.on('uncaughtException', fail);

// A benchmark worker: a fresh process per run (bench/run.ts forks it). It receives one job over IPC,
// runs it and reports its metrics; the orchestrator then kills it.
import type { ToChild } from './protocol.js';
import { onParentMessage, send } from './scenarios/common.js';
import { runHandshake } from './scenarios/handshake.js';
import { runBulk } from './scenarios/bulk.js';
import { runIdle, runScaling } from './scenarios/memory.js';
import { runFloor } from './scenarios/floor.js';

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
      run = runHandshake(job);
      break;
    case 'bulk':
      run = runBulk(job);
      break;
    case 'idle':
      run = runIdle(job);
      break;
    case 'scaling':
      run = runScaling(job);
      break;
    case 'floor':
      run = Promise.resolve().then(() => runFloor(job));
      break;
  }
  run.catch(fail);
});
process.on('uncaughtException', fail);

// Messages between the orchestrator (bench/run.ts) and a worker process (bench/worker.ts), over the
// IPC channel of child_process.fork.
import type { ImplName, Spec, Via } from './impl.js';

export type Job =
  | {
      readonly kind: 'handshake';
      readonly role: 'both' | 'server' | 'client';
      readonly impl: ImplName;
      readonly via: Via;
      readonly spec: Spec;
      readonly warmup: number;
      /** Also keep warming up until this much time has passed (the same budget for both implementations). */
      readonly warmupMs?: number;
      /** role both: measure for this long (0: measure `count` handshakes); role client: measure `count` handshakes. */
      readonly durationMs: number;
      readonly count: number;
      readonly port?: number;
      /** Run with V8's default tiering (no --interrupt-budget): a fresh process's cold start. */
      readonly coldJit?: boolean;
    }
  | {
      readonly kind: 'bulk';
      readonly impl: ImplName;
      readonly via: Via;
      readonly spec: Spec;
      readonly warmupMiB: number;
      readonly totalMiB: number;
      readonly writeKiB: number;
    }
  | {
      readonly kind: 'idle';
      readonly role: 'server' | 'client';
      readonly impl: ImplName;
      readonly via: Via;
      readonly spec: Spec;
      readonly connections: number;
      readonly port?: number;
    }
  | {
      readonly kind: 'scaling';
      readonly impl: ImplName;
      readonly via: Via;
      readonly spec: Spec;
      readonly concurrency: number;
      readonly durationMs: number;
    }
  | { readonly kind: 'floor'; readonly iterations: number; readonly certs: { readonly ecdsa: Spec['cert']; readonly rsa: Spec['cert'] } };

export type Metrics = Record<string, number>;

export type ToParent =
  | { readonly type: 'ready'; readonly port: number; readonly via: string }
  | { readonly type: 'mark'; readonly name: string; readonly count?: number }
  | { readonly type: 'marked'; readonly name: string; readonly metrics?: Metrics }
  | { readonly type: 'result'; readonly metrics: Metrics; readonly via: string }
  | { readonly type: 'error'; readonly message: string };

export type ToChild =
  | { readonly type: 'job'; readonly job: Job }
  | { readonly type: 'mark'; readonly name: string; readonly count?: number }
  | { readonly type: 'marked'; readonly name: string; readonly metrics?: Metrics };

import { Worker } from 'node:worker_threads';
import type { Chunk, JobSpec, Manifest, PlanResult } from '../functions/core/batch/contracts.ts';
import { finalizeJob } from '../functions/core/batch/finalize-job.ts';
import { chunkInputBytes } from '../functions/core/batch/input-objects.ts';
import { FAILED_AT_ONCE, OUTPUT_IN_USE, OutputInUse } from '../functions/core/batch/job-errors.ts';
import { planJob } from '../functions/core/batch/plan-job.ts';
import { openLocation, s3ClientFor } from '../functions/core/storage/location.ts';
import type { WorkerInit, WorkerMessage } from './score-worker.ts';

export interface LocalRunOptions {
  readonly job: JobSpec;
  /** Model package folder or s3:// URI the workers load. */
  readonly modelSource: string;
  /** S3-compatible endpoint for s3:// locations. */
  readonly endpointUrl?: string;
  /** Scoring threads. */
  readonly concurrency: number;
  /** Attempts per chunk before it counts as failed, as the state machine's Retry does. */
  readonly maxAttempts: number;
  readonly onPlan?: (plan: PlanResult) => void;
  /** Rows consumed by a scored batch. */
  readonly onProgress?: (rows: number) => void;
  /** A chunk committed: its input bytes, its rows in, and whether an earlier run had committed it. */
  readonly onChunkDone?: (done: { bytes: number; rows: number; earlier: boolean }) => void;
  readonly onChunkFailed?: (index: number, attempt: number, message: string) => void;
}

/**
 * `npm run score` on one machine: the state machine's three steps with the same code (plan, score
 * each chunk, finalize), chunks spread over worker threads, failed chunks retried unless no retry can mend them.
 */
export async function runLocalJob(options: LocalRunOptions): Promise<{ manifest: Manifest; uri: string }> {
  const { job } = options;
  const s3 = s3ClientFor(options.endpointUrl);
  const output = openLocation(job.output, { s3 });
  const { plan, chunks, objects } = await planJob(job, openLocation(job.input, { s3 }), output);
  options.onPlan?.(plan);
  const bytesOf = chunkInputBytes(chunks, objects);
  const queue = chunks.map((chunk) => ({ chunk, attempt: 1 }));
  const threads = Math.max(1, Math.min(options.concurrency, chunks.length));
  const init: WorkerInit = { job, modelSource: options.modelSource, endpointUrl: options.endpointUrl };

  await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL('./score-worker.ts', import.meta.url), { workerData: init });
        let current: { chunk: Chunk; attempt: number } | undefined;
        const next = () => {
          current = queue.shift();
          if (current) worker.postMessage(current.chunk);
          else void worker.terminate().then(() => resolve());
        };
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'done') options.onChunkDone?.({ bytes: bytesOf(current!.chunk), rows: message.result.rowsIn, earlier: message.earlier });
          if (message.type === 'ready' || message.type === 'done') return next();
          if (message.type === 'progress') return options.onProgress?.(message.rows);
          // Another model's results are under the output: no retry can make them this run's.
          if (message.name === OUTPUT_IN_USE) {
            void worker.terminate();
            return reject(new OutputInUse(message.message));
          }
          options.onChunkFailed?.(message.index, current!.attempt, message.message);
          // An input no attempt can read, or another model's output, fails its chunk at once, as the state machine's retrier leaves it.
          if (!FAILED_AT_ONCE.includes(message.name) && current!.attempt < options.maxAttempts) queue.push({ chunk: current!.chunk, attempt: current!.attempt + 1 });
          next();
        });
        worker.on('error', reject);
      }),
    ),
  );
  const { manifest, uri } = await finalizeJob(job, plan, output);
  return { manifest, uri };
}

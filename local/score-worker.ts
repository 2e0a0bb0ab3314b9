import { parentPort, workerData } from 'node:worker_threads';
import { type Chunk, type ChunkResult, type JobSpec, SCORING_BATCH_ROWS } from '../functions/core/batch/contracts.ts';
import { scoreChunk } from '../functions/core/batch/score-chunk.ts';
import { loadModel } from '../functions/core/load.ts';
import { openLocation, s3ClientFor } from '../functions/core/storage/location.ts';

/**
 * One scoring thread of `npm run score`: its own ONNX Runtime session (run() blocks the thread it
 * runs on, so parallelism across cores needs threads), fed chunks one at a time by the runner.
 */
export interface WorkerInit {
  readonly job: JobSpec;
  readonly modelSource: string;
  readonly endpointUrl?: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; rows: number }
  /** `earlier`: this attempt scored no row of a chunk that has rows, so a run before it had committed the chunk. */
  | { type: 'done'; index: number; result: ChunkResult; earlier: boolean }
  | { type: 'failed'; index: number; name: string; message: string };

const { job, modelSource, endpointUrl } = workerData as WorkerInit;
const s3 = s3ClientFor(endpointUrl);
const model = await loadModel(modelSource, { s3, maxBatch: SCORING_BATCH_ROWS });
const input = openLocation(job.input, { s3 });
const output = openLocation(job.output, { s3 });
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

parentPort!.on('message', async (chunk: Chunk) => {
  try {
    let scored = 0;
    const onProgress = (rows: number) => {
      scored += rows;
      post({ type: 'progress', rows });
    };
    const result = await scoreChunk(chunk, { job, model, input, output, onProgress });
    post({ type: 'done', index: chunk.index, result, earlier: scored === 0 && result.rowsIn > 0 });
  } catch (err) {
    post({ type: 'failed', index: chunk.index, name: (err as Error).name, message: (err as Error).message });
  }
});
post({ type: 'ready' });

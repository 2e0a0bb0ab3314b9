import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import ort from 'onnxruntime-node';
import { type Chunk, JobSpec, type OutputFormat, SCORING_BATCH_ROWS } from '../../functions/core/batch/contracts.ts';
import { finalizeJob } from '../../functions/core/batch/finalize-job.ts';
import { readChunk } from '../../functions/core/batch/formats/read-chunk.ts';
import { batchRows, isColumnBatch } from '../../functions/core/batch/formats/source-row.ts';
import { packColumns, packRows } from '../../functions/core/batch/pack-rows.ts';
import { planChunks } from '../../functions/core/batch/plan-chunks.ts';
import { createPartWriter } from '../../functions/core/batch/formats/part-writer.ts';
import { endSink, writeTo } from '../../functions/core/batch/formats/sink.ts';
import { outputShape, scoreTypeOf } from '../../functions/core/batch/output-columns.ts';
import { planJob } from '../../functions/core/batch/plan-job.ts';
import { scoreChunk, scoringReads } from '../../functions/core/batch/score-chunk.ts';
import { loadModel } from '../../functions/core/load.ts';
import type { Model } from '../../functions/core/model.ts';
import { openLocation } from '../../functions/core/storage/location.ts';
import type { UploadStream } from '../../functions/core/storage/object-store.ts';
import { featureRows } from '../batch-data.ts';

/**
 * One batch measurement in a fresh process, reported over IPC: rows, seconds, and this process's
 * peak RSS (VmHWM), so the worker's memory is its own. The model is loaded before the clock starts
 * (Lambda init); S3 comes from AWS_ENDPOINT_URL_S3 as in the deployed functions.
 *
 *   parse    readChunk over each of the object's chunks in turn (planned before the clock starts), as the worker reads
 *            them (its columns; CSV's numeric features as numbers), count rows
 *   validate the same, plus convert + check every feature as score-chunk does
 *   e2e      the worker end to end: scoreChunk over each chunk in turn (one worker, one thread), writing
 *            `format`; planJob before it and finalizeJob after it are timed apart, as the whole job
 *   infer    session.run of the head output over preloaded Float32Array batches of `maxBatch` rows
 *   write    the output side alone: rows scored before the clock starts, then made into output rows
 *            and written as one part in `format` to the output, as score-chunk does
 *   upload   the bytes of that part, made before the clock starts, only uploaded to the output
 *   paired   parse, then e2e, in this one process (or e2e first, when `order` says `worker-first`)
 */
export type Mode = 'parse' | 'validate' | 'e2e' | 'infer' | 'write' | 'upload' | 'paired';

export interface BatchRun {
  readonly mode: Mode;
  readonly rows: number;
  readonly rejected: number;
  readonly seconds: number;
  /** Parse only's seconds in the same process (paired; `seconds` are the worker's). */
  readonly parseSeconds?: number;
  readonly chunks: number;
  readonly peakRss: number;
  /** Bytes uploaded (upload). */
  readonly bytes?: number;
  /** The whole job, plan and finalize included (e2e). */
  readonly jobSeconds?: number;
  readonly manifest?: { status: string; rowsIn: number; rowsScored: number; rowsRejected: number; reasons: string[] };
}

const [mode, modelDir, input, output, rowsArg, format = 'csv', order = 'parse-first'] = process.argv.slice(2) as [Mode, string, string, string, string, OutputFormat?, string?];

const peakRss = async () => Number(/^VmHWM:\s+(\d+) kB/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1]) * 1024;

async function chunksOf(uri: string, chunkBytes: number): Promise<{ location: ReturnType<typeof openLocation>; chunks: Chunk[] }> {
  const location = openLocation(uri);
  const objects = await location.store.list(location.key);
  return { location, chunks: await planChunks(location.store, objects, chunkBytes) };
}

/** Parse only, or parse + the worker's per-feature conversion, checks and packing (pack-rows, as score-chunk does), without scoring. */
async function read(model: Model, validate: boolean) {
  const { location, chunks } = await chunksOf(input, JobSpec.parse({ model: model.pkg.name, input, output: '-' }).chunkBytes);
  const { layout } = model;
  // Read as the worker reads: its columns, CSV's numeric features as numbers.
  const reads = scoringReads(model, undefined);
  let rows = 0;
  let rejected = 0;
  const started = performance.now();
  await layout.withBatch(async (into) => {
    for (const chunk of chunks) {
      for await (const batch of readChunk(location.store, chunk, reads)) {
        const size = batchRows(batch);
        rows += size;
        if (!validate) continue;
        for (let from = 0; from < size; from += layout.maxBatch) {
          const to = Math.min(from + layout.maxBatch, size);
          const packed = isColumnBatch(batch) ? packColumns(layout, chunk.format, batch, from, to, into) : packRows(layout, chunk.format, batch.slice(from, to), into);
          rejected += packed.rejected.size;
        }
      }
    }
  });
  return { rows, rejected, chunks: chunks.length, seconds: (performance.now() - started) / 1000 };
}

async function endToEnd(model: Model) {
  const job = JobSpec.parse({ model: model.pkg.name, input, output, format });
  const inputLocation = openLocation(job.input);
  const outputLocation = openLocation(job.output);
  const started = performance.now();
  const { plan, chunks } = await planJob(job, inputLocation, outputLocation);
  const working = performance.now();
  for (const chunk of chunks) await scoreChunk(chunk, { job, model, input: inputLocation, output: outputLocation });
  const worked = performance.now();
  const { manifest } = await finalizeJob(job, plan, outputLocation);
  const { status, rowsIn, rowsScored, rowsRejected, reasons } = manifest;
  return {
    rows: rowsIn,
    rejected: rowsRejected,
    chunks: chunks.length,
    seconds: (worked - working) / 1000,
    jobSeconds: (performance.now() - started) / 1000,
    manifest: { status, rowsIn, rowsScored, rowsRejected, reasons },
  };
}

/** Float32Array feeds of `maxBatch` rows of the shipped rows, cycled, for `rows` rows in all (built before any clock starts). */
async function preloadedFeeds(model: Model, rows: number): Promise<Record<string, ort.Tensor>[]> {
  const { pkg, layout } = model;
  const [only] = layout.inputs;
  if (layout.inputs.length !== 1 || only!.type !== 'float32') throw new Error(`preloaded batches expect one float32 input; ${pkg.name} has ${layout.inputs.map((i) => `${i.name}: ${i.type}`).join(', ')}`);
  const { numbers } = await featureRows(pkg);
  const batch = layout.maxBatch;
  const width = only!.width;
  const feeds: Record<string, ort.Tensor>[] = [];
  for (let from = 0; from < rows; from += batch) {
    const n = Math.min(batch, rows - from);
    const data = new Float32Array(n * width);
    for (let r = 0; r < n; r++) {
      const values = numbers[(from + r) % numbers.length]!;
      for (let s = 0; s < layout.slots.length; s++) data[r * width + layout.slots[s]!.column] = values[s]!;
    }
    feeds.push({ [only!.name]: new ort.Tensor('float32', data, [n, width]) });
  }
  return feeds;
}

/** The ceiling: ready-made tensors over buffers filled before the clock starts; only `session.run` is timed. */
async function infer(model: Model, rows: number) {
  const feeds = await preloadedFeeds(model, rows);
  // The head output, as a worker asks for it.
  const outputs = [model.pkg.outputs[0]!.name];
  for (let i = 0; i < Math.min(20, feeds.length); i++) await model.session.run(feeds[i]!, outputs);
  const started = performance.now();
  for (const f of feeds) await model.session.run(f, outputs);
  return { rows, rejected: 0, chunks: feeds.length, seconds: (performance.now() - started) / 1000 };
}

/** Every batch of `rows` rows scored, before any clock starts. */
async function scoredBatches(model: Model, rows: number) {
  const outputs = [model.pkg.outputs[0]!.name];
  const scored = [];
  for (const f of await preloadedFeeds(model, rows)) scored.push({ result: await model.session.run(f, outputs), count: f[model.layout.inputs[0]!.name]!.dims[0]! });
  return scored;
}

/** Writes scored batches as one part in `format` to `sink`, as score-chunk does. */
async function writePart(model: Model, scored: Awaited<ReturnType<typeof scoredBatches>>, sink: UploadStream) {
  const shape = outputShape(model.pkg, undefined, scoreTypeOf(model));
  const part = createPartWriter(format, shape.columns, sink);
  for (const { result, count } of scored) await part.write(shape.block(result, count, () => undefined));
  await part.end();
}

/** The output side's own cost: results computed before the clock starts; output rows, encoding and the upload are timed. */
async function write(model: Model, rows: number) {
  const scored = await scoredBatches(model, rows);
  const location = openLocation(output);
  const started = performance.now();
  await writePart(model, scored, location.store.upload(`${location.key}part-00000.${format}`));
  return { rows, rejected: 0, chunks: 1, seconds: (performance.now() - started) / 1000 };
}

/** The store's own cost: the same part's bytes, made before the clock starts, then only uploaded. */
async function upload(model: Model, rows: number) {
  const bytes: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes.push(chunk);
      done();
    },
  });
  await writePart(model, await scoredBatches(model, rows), { stream: collect, done: finished(collect) });
  const location = openLocation(output);
  const started = performance.now();
  const sink = location.store.upload(`${location.key}part-00000.${format}`);
  for (const chunk of bytes) await writeTo(sink, chunk);
  await endSink(sink);
  return { rows, rejected: 0, chunks: 1, seconds: (performance.now() - started) / 1000, bytes: bytes.reduce((n, b) => n + b.length, 0) };
}

// Batches of the deployed worker's size.
const model = await loadModel(modelDir, { maxBatch: SCORING_BATCH_ROWS });
let result: Omit<BatchRun, 'mode' | 'peakRss'>;
if (mode === 'infer') {
  result = await infer(model, Number(rowsArg));
} else if (mode === 'write') {
  result = await write(model, Number(rowsArg));
} else if (mode === 'upload') {
  result = await upload(model, Number(rowsArg));
} else if (mode === 'paired') {
  const parseFirst = order !== 'worker-first';
  const parsed = parseFirst ? await read(model, false) : undefined;
  const worked = await endToEnd(model);
  result = { ...worked, parseSeconds: (parsed ?? (await read(model, false))).seconds };
} else {
  result = mode === 'e2e' ? await endToEnd(model) : await read(model, mode === 'validate');
}
process.send!({ mode, ...result, peakRss: await peakRss() } satisfies BatchRun, () => process.exit(0));

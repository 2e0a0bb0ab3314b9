import { z } from 'zod';

/**
 * The shapes that travel between plan, the score-chunk workers and finalize: through Step Functions
 * on AWS, through plain calls in `npm run score`. Each is a zod schema so a handler can refuse a
 * malformed event with a message instead of failing half-way.
 */

export const InputFormat = z.enum(['csv', 'jsonl', 'parquet']);
export type InputFormat = z.infer<typeof InputFormat>;

export const OutputFormat = z.enum(['csv', 'jsonl', 'parquet']);
export type OutputFormat = z.infer<typeof OutputFormat>;

/**
 * Rows a batch worker scores per `session.run` unless configured otherwise: a fourth of the calls
 * the API's 1000 would make, each with ONNX Runtime's wrappers, an output block and a turn of the
 * event loop (about 5% of a Parquet worker's CPU), for input buffers of a few hundred KB.
 */
export const SCORING_BATCH_ROWS = 4096;

/** What a job is asked to do: the same whether it comes from a schedule, the CLI or a test. */
export const JobSpec = z.object({
  /** Model served by the worker (its name), scoring every row. */
  model: z.string().min(1),
  /** An object or a prefix: `s3://bucket/key-or-prefix` or a local path. */
  input: z.string().min(1),
  /** A prefix that receives the parts, the rejects and `_manifest.json`. */
  output: z.string().min(1),
  /** Output format. @default 'csv' */
  format: OutputFormat.default('csv'),
  /** Column passed through from input to output to join predictions back. */
  idColumn: z.string().min(1).optional(),
  /** Target size of a byte-range chunk of an uncompressed CSV/JSONL object. @default 64 MiB */
  chunkBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
  /** Chunks that may fail (after retries) with the job still succeeding, in percent. @default 0 */
  toleratedFailurePercentage: z.number().min(0).max(100).default(0),
});
export type JobSpec = z.infer<typeof JobSpec>;
export type JobSpecInput = z.input<typeof JobSpec>;

/** [start, end) of bytes or row groups. */
const Span = z.object({ start: z.number().int().nonnegative(), end: z.number().int().positive() });

/**
 * One unit of work for a worker. CSV/JSONL: a byte range; the chunk owns every line that starts
 * inside [start, end), so a line crossing `end` is read whole by this chunk and skipped by the next.
 * Parquet: a range of row groups. Gzip: the whole object.
 */
export const Chunk = z.object({
  /** Position in the job, 0-based; names the output part. */
  index: z.number().int().nonnegative(),
  /** Key of the input object within the input location's bucket or file system. */
  key: z.string().min(1),
  format: InputFormat,
  gzip: z.boolean(),
  /** Byte range [start, end) for uncompressed CSV/JSONL. */
  range: Span.optional(),
  /** Row groups [start, end) for Parquet. */
  rowGroups: Span.optional(),
  /** The input object's etag when the run was planned: a worker refuses an object replaced since. */
  etag: z.string().optional(),
  /** The input object's size when the run was planned: a Parquet worker finds the footer without asking. */
  size: z.number().int().nonnegative().optional(),
});
export type Chunk = z.infer<typeof Chunk>;

/** What plan returns: small enough for a state payload whatever the input size. */
export const PlanResult = z.object({
  /** Where the chunk list (a JSON array of Chunk) was written, for the Distributed Map's ItemReader. */
  chunkList: z.object({ bucket: z.string(), key: z.string() }),
  chunks: z.number().int().nonnegative(),
  objects: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  startedAt: z.string(),
});
export type PlanResult = z.infer<typeof PlanResult>;

/** A model version, as commit records, the model claim and the manifest name it. */
export const ModelRef = z.object({ name: z.string(), version: z.string(), sha256: z.string() });
export type ModelRef = z.infer<typeof ModelRef>;

/** Written by a worker to `_chunks/part-NNNNN.json` once its parts are complete: the chunk's commit record. */
export const ChunkResult = z.object({
  index: z.number().int().nonnegative(),
  key: z.string(),
  rowsIn: z.number().int().nonnegative(),
  rowsScored: z.number().int().nonnegative(),
  rowsRejected: z.number().int().nonnegative(),
  /** Lines the chunk owns, blank ones too (CSV and JSON Lines): where the next chunk of its object starts counting. */
  lines: z.number().int().nonnegative().optional(),
  /** Output and rejects part keys, relative to the job's output prefix. */
  part: z.string(),
  rejects: z.string().optional(),
  model: ModelRef,
  startedAt: z.string(),
  endedAt: z.string(),
});
export type ChunkResult = z.infer<typeof ChunkResult>;

/** What a worker leaves in `_errors/part-NNNNN.json` when an attempt at its chunk fails (the last attempt's stays). */
export const ChunkFailure = z.object({ index: z.number().int().nonnegative(), key: z.string(), name: z.string(), message: z.string(), at: z.string() });
export type ChunkFailure = z.infer<typeof ChunkFailure>;

/** The last error of a chunk that failed, as the manifest quotes it: those of FAILED_AT_ONCE (job-errors.ts) are never retried. */
export const ChunkError = z.object({ chunk: z.number().int().nonnegative(), name: z.string(), message: z.string() });
export type ChunkError = z.infer<typeof ChunkError>;

/** `_manifest.json`: the account of a whole run. */
export const Manifest = z.object({
  status: z.enum(['succeeded', 'failed']),
  /** Why the run failed, when it did. */
  reasons: z.array(z.string()),
  input: z.string(),
  output: z.string(),
  format: OutputFormat,
  inputObjects: z.array(z.object({ key: z.string(), size: z.number().int().nonnegative(), etag: z.string().optional() })),
  chunks: z.number().int().nonnegative(),
  failedChunks: z.array(z.number().int().nonnegative()),
  /** Why failed chunks failed: the first ten that left their error. */
  errors: z.array(ChunkError).optional(),
  /**
   * The input of the failed chunks, in no count: each one's object and its byte range or row groups
   * (neither: the whole object). The same job run again into the same output tries them again.
   */
  unscored: z.array(z.object({ chunk: z.number().int().nonnegative(), key: z.string(), range: Span.optional(), rowGroups: Span.optional() })).optional(),
  rowsIn: z.number().int().nonnegative(),
  rowsScored: z.number().int().nonnegative(),
  rowsRejected: z.number().int().nonnegative(),
  parts: z.array(z.string()),
  rejects: z.array(z.string()),
  /**
   * Rejects parts whose rows finalize left numbered among their chunk's lines (past its budget, or a
   * part it could not rewrite), each with its chunk's first line: a reject's line is that plus its
   * `chunkLine`, minus 1.
   */
  rejectsFirstLines: z.record(z.string(), z.number().int().positive()).optional(),
  model: ModelRef.optional(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** What scored the rows; absent for the Lambda workers. With Batch Transform, `chunks` counts input objects. */
  engine: z.literal('sagemaker-batch-transform').optional(),
  /** The SageMaker transform job's name, with Batch Transform. */
  transformJob: z.string().optional(),
});
export type Manifest = z.infer<typeof Manifest>;

/** Output layout under the job's output prefix. */
export const partName = (index: number) => `part-${String(index).padStart(5, '0')}`;
export const OUTPUT_LAYOUT = {
  part: (index: number, format: OutputFormat) => `${partName(index)}.${format}`,
  rejects: (index: number) => `rejects/${partName(index)}.jsonl`,
  chunkResult: (index: number) => `_chunks/${partName(index)}.json`,
  chunkError: (index: number) => `_errors/${partName(index)}.json`,
  chunkList: '_plan/chunks.json',
  /** The model version the output's committed chunks are scored with, claimed by the first to commit. */
  model: '_plan/model.json',
  manifest: '_manifest.json',
} as const;

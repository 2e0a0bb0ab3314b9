import type { Model } from '../model.ts';
import type { InputBatch } from '../feature-layout.ts';
import { type Location, ObjectChanged } from '../storage/object-store.ts';
import { readJsonIfPresent } from '../storage/json-object.ts';
import { joinKey } from '../storage/location.ts';
import { type Chunk, type ChunkFailure, ChunkResult, type JobSpec, ModelRef, OUTPUT_LAYOUT } from './contracts.ts';
import { createPartWriter, withoutRows } from './formats/part-writer.ts';
import { type ColumnBatch, type ReadOptions, readChunk, type SourceRow } from './formats/read-chunk.ts';
import { batchRows, columnRow, isColumnBatch, ownValue } from './formats/source-row.ts';
import { type Packed, packColumns, packRows } from './pack-rows.ts';
import { outputShape, scoreTypeOf } from './output-columns.ts';
import { NON_FINITE_ANSWER, nonFiniteAnswers } from '../predictions.ts';
import { RejectsPart } from './rejects-part.ts';
import { BadInput, OtherModel, OutputInUse } from './job-errors.ts';
import type { RequiredColumns } from './formats/required-columns.ts';

export interface ChunkContext {
  readonly job: JobSpec;
  readonly model: Model;
  readonly input: Location;
  readonly output: Location;
  /** Called after each scored batch with the rows it consumed (scored + rejected). */
  readonly onProgress?: (rows: number) => void;
}

/**
 * The chunk's commit record, if a run committed it. One scored by another model is not this run's
 * to take: the plan cannot see a model promoted between two runs into the same output.
 */
async function committedResult(ctx: ChunkContext, chunk: Chunk): Promise<ChunkResult | undefined> {
  const key = joinKey(ctx.output.key, OUTPUT_LAYOUT.chunkResult(chunk.index));
  const record = await readJsonIfPresent(ctx.output.store, key);
  if (record === undefined) return undefined;
  const result = ChunkResult.parse(record);
  const { pkg } = ctx.model;
  if (result.model.sha256 !== pkg.sha256) {
    throw new OutputInUse(
      `${ctx.output.store.uri(key)}: chunk ${chunk.index} was scored by ${result.model.name} ${result.model.version}, this run scores with ${pkg.name} ${pkg.version}: a run with another model needs an output prefix of its own`,
    );
  }
  return result;
}

/**
 * The output's model claim: the version of the chunks committed under it, written by the first to
 * commit. A chunk checks it before writing anything and claims it (if no one has) before its commit
 * record, so no committed chunk sits beside another version's: a chunk left uncommitted under an
 * output another version scored (it failed there, or its record was deleted to score it again) is
 * refused, and so is a worker of a version deployed during the run.
 */
class ModelClaim {
  private held = false;
  private readonly key: string;

  constructor(private readonly ctx: ChunkContext) {
    this.key = joinKey(ctx.output.key, OUTPUT_LAYOUT.model);
  }

  /** Fails when chunks under the output are committed with another version. */
  async check(): Promise<void> {
    this.held = await this.holds();
  }

  /** Claims the output for this version, or fails when another version claimed it meanwhile. */
  async take(): Promise<void> {
    if (this.held) return;
    const { name, version, sha256 } = this.ctx.model.pkg;
    if (!(await this.ctx.output.store.writeIfAbsent(this.key, `${JSON.stringify({ name, version, sha256 }, null, 2)}\n`))) await this.holds();
  }

  /** Whether the output is claimed, by this version; fails when it is claimed by another. */
  private async holds(): Promise<boolean> {
    const found = await readJsonIfPresent(this.ctx.output.store, this.key);
    if (found === undefined) return false;
    const claimed = ModelRef.parse(found);
    const { pkg } = this.ctx.model;
    if (claimed.sha256 === pkg.sha256) return true;
    throw new OtherModel(
      `${this.ctx.output.store.uri(this.key)}: chunks under this output are committed with ${claimed.name} ${claimed.version}, this worker scores with ${pkg.name} ${pkg.version}: score with that version, or into another output prefix`,
    );
  }
}

/**
 * The error of an input object no longer the one the run planned (replaced, even by one of the same
 * size, or removed): no attempt can score it, and its rows would mix two inputs in one run that says
 * it succeeded. Every read of a chunk is of the planned version (its etag), so this is found by the
 * reads themselves, wherever they stand in the chunk.
 */
function inputChanged(ctx: ChunkContext, chunk: Chunk, err: unknown): unknown {
  if (!(err instanceof ObjectChanged)) return err;
  return new BadInput(`${ctx.input.store.uri(chunk.key)} was ${err.removed ? 'removed' : 'replaced'} after the run was planned: score it again into a new output prefix`, { cause: err });
}

/**
 * Names the chunk's input object in the error (a gzip or Parquet decoder's own message does not),
 * and leaves it where finalize finds it: Step Functions keeps a failed worker's error to itself.
 * The record is the last attempt's; writing it is best effort, the error is what matters.
 */
async function recordFailure(ctx: ChunkContext, chunk: Chunk, err: unknown): Promise<unknown> {
  const uri = ctx.input.store.uri(chunk.key);
  if (err instanceof Error && !err.message.includes(uri)) err.message = `${uri}: ${err.message}`;
  const message = err instanceof Error ? err.message : String(err);
  const record: ChunkFailure = { index: chunk.index, key: chunk.key, name: err instanceof Error ? err.name : 'Error', message, at: new Date().toISOString() };
  await ctx.output.store.write(joinKey(ctx.output.key, OUTPUT_LAYOUT.chunkError(chunk.index)), `${JSON.stringify(record, null, 2)}\n`).catch(() => undefined);
  return err;
}

/**
 * What scoring reads of its input: the features and the id (a wide Parquet table's other columns
 * are never fetched), failing an object that lacks one it needs, and CSV by columns, the numeric
 * features' plain decimals read as numbers (no string per field, no object per row), in batches of
 * as many rows as a scoring run takes. An id column stays text even when a feature has its name:
 * `007` is not the id 7.
 */
export function scoringReads({ pkg, layout }: Model, idColumn: string | undefined): ReadOptions {
  const required: RequiredColumns = new Map([
    ...pkg.features.filter((f) => !f.allowMissing).map((f) => [f.name, `needed by ${pkg.name} ${pkg.version}`] as const),
    ...(idColumn ? [[idColumn, 'the id column'] as const] : []),
  ]);
  return {
    columns: [...pkg.features.map((f) => f.name), ...(idColumn ? [idColumn] : [])],
    required,
    numeric: pkg.features.filter((f) => f.type !== 'categorical' && f.name !== idColumn).map((f) => f.name),
    batchRows: layout.maxBatch,
  };
}

/**
 * Scores one chunk: every row is either scored into the output part or kept in the rejects part
 * with its reasons. The chunk's result record is written last and only if absent, so it commits
 * the chunk: a retry or a rerun finds it and does nothing, and parts written by an attempt that
 * died before committing are simply overwritten under the same keys, never duplicated.
 */
export async function scoreChunk(chunk: Chunk, ctx: ChunkContext): Promise<ChunkResult> {
  /** Fails the attempt with its error recorded where finalize finds it. */
  const failed = async (err: unknown): Promise<never> => {
    throw await recordFailure(ctx, chunk, err);
  };
  const claim = new ModelClaim(ctx);
  // Both are asked at once; a committed chunk's answer stands whatever the claim says.
  const checked = claim.check();
  checked.catch(() => undefined);
  const done = await committedResult(ctx, chunk).catch(failed);
  if (done) return done;
  await checked.catch(failed);

  const startedAt = new Date().toISOString();
  const { model, job, output } = ctx;
  const { layout, pkg } = model;
  const shape = outputShape(pkg, job.idColumn, scoreTypeOf(model));
  // Parts are made of the head output alone; ONNX Runtime then skips computing and copying the others.
  const headOutput = [pkg.outputs[0]!.name];
  const partKey = OUTPUT_LAYOUT.part(chunk.index, job.format);
  const partSink = output.store.upload(joinKey(output.key, partKey));
  const part = createPartWriter(job.format, shape.columns, partSink);
  const rejects = new RejectsPart(output, OUTPUT_LAYOUT.rejects(chunk.index));
  let rowsIn = 0;
  let rowsScored = 0;

  const reject = (row: SourceRow, reasons: string[]) => {
    const { line, chunkLine, offset, row: index, raw, values } = row;
    rejects.add({ key: chunk.key, line, chunkLine, offset, row: index, reasons, ...(raw !== undefined ? { raw } : { values }) });
  };

  /** Scores the packed rows of a slice, keeps its rejects, and writes both out. */
  const finish = async (batch: InputBatch, { packed, good, rejected }: Packed, ids: (i: number) => unknown, source: (i: number) => SourceRow, rows: number) => {
    rowsIn += rows;
    for (const [i, reasons] of rejected) reject(source(i), reasons);
    if (packed > 0) {
      const results = await model.run(batch, packed, headOutput);
      const out = shape.block(results, packed, (k) => ids(good[k]!));
      const broken = nonFiniteAnswers(pkg, results, packed);
      for (const k of broken) reject(source(good[k]!), [NON_FINITE_ANSWER]);
      await part.write(broken.length ? withoutRows(out, new Set(broken)) : out);
      rowsScored += packed - broken.length;
    }
    await rejects.flush();
    ctx.onProgress?.(rows);
  };
  const idColumn = job.idColumn;
  // Where the next chunk's lines start, for finalize to number the rejects of chunks that start mid-object.
  const lines = chunk.format === 'parquet' ? undefined : { count: 0 };

  const scoreRows = async (batch: InputBatch, rows: SourceRow[]) => {
    const packed = packRows(layout, chunk.format, rows, batch, idColumn);
    await finish(batch, packed, (i) => (idColumn ? ownValue(rows[i]!.values, idColumn) : undefined), (i) => rows[i]!, rows.length);
  };
  const scoreColumns = async (batch: InputBatch, columns: ColumnBatch, from: number, to: number) => {
    const packed = packColumns(layout, chunk.format, columns, from, to, batch, idColumn);
    const ids = idColumn ? columns.columns.get(idColumn) : undefined;
    await finish(batch, packed, (i) => ids?.[from + i], (i) => columnRow(columns, from + i), to - from);
  };

  try {
    await layout.withBatch(async (batch) => {
      for await (const rows of readChunk(ctx.input.store, chunk, { ...scoringReads(model, idColumn), lines })) {
        const size = batchRows(rows);
        for (let from = 0; from < size; from += layout.maxBatch) {
          const to = Math.min(from + layout.maxBatch, size);
          if (isColumnBatch(rows)) await scoreColumns(batch, rows, from, to);
          else await scoreRows(batch, rows.slice(from, to));
        }
      }
    });
    await Promise.all([part.end(), rejects.end()]);
  } catch (err) {
    // A part of a replaced input is aborted, never left in the output. (A part already sent when only
    // the rejects part fails stays, uncommitted: no manifest lists it, and the retry writes it again.)
    partSink.stream.destroy(err as Error);
    await Promise.allSettled([partSink.done, rejects.abort(err as Error)]);
    return failed(inputChanged(ctx, chunk, err));
  }

  const result: ChunkResult = {
    index: chunk.index,
    key: chunk.key,
    rowsIn,
    rowsScored,
    rowsRejected: rejects.rows,
    ...(lines && { lines: lines.count }),
    part: partKey,
    // A chunk that rejects nothing has no rejects part.
    ...(rejects.rows > 0 && { rejects: rejects.key }),
    model: { name: pkg.name, version: pkg.version, sha256: pkg.sha256 },
    startedAt,
    endedAt: new Date().toISOString(),
  };
  await claim.take().catch(failed);
  const resultKey = joinKey(output.key, OUTPUT_LAYOUT.chunkResult(chunk.index));
  // Another attempt may have committed meanwhile; its parts are byte-identical to ours.
  if (!(await output.store.writeIfAbsent(resultKey, `${JSON.stringify(result, null, 2)}\n`))) return (await committedResult(ctx, chunk))!;
  return result;
}

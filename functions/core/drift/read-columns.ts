import { chunkInputBytes, listInput } from '../batch/input-objects.ts';
import { planChunks } from '../batch/plan-chunks.ts';
import { readChunk } from '../batch/formats/read-chunk.ts';
import { type ColumnBatch, isColumnBatch, type SourceRow } from '../batch/formats/source-row.ts';
import { type LocationOptions, openLocation } from '../storage/location.ts';
import type { FeatureSpec } from './detect.ts';
import type { Location } from '../storage/object-store.ts';

/**
 * Reading the columns a drift comparison needs out of any batch input (CSV, JSON Lines, Parquet,
 * gzip; a file, a folder or an S3 prefix), with the batch readers: every object, every chunk,
 * streaming, keeping only the requested columns (numbers in a Float64Array, categories as strings).
 */

export type { FeatureSpec } from './detect.ts';

/** What was read besides the values: rows, and per feature how many values were missing or unusable. */
export interface ColumnCounts {
  /** Missing values (absent, null, empty, NA...) per feature. */
  readonly missing: number;
  /** Values present but unusable: not a number in a numeric column, an object or array in a categorical one. */
  readonly invalid: number;
}

/** The columns (a Map, so it is a `Columns` as is) and what reading them found. */
export interface ColumnsRead extends ReadonlyMap<string, Float64Array | (string | null)[]> {
  /** Rows read (rows that could not be parsed at all are not rows: see `rejectedRows`). */
  readonly rows: number;
  /** Lines that could not be parsed (broken CSV quoting, invalid JSON...), or that `select` refused. */
  readonly rejectedRows: number;
  readonly counts: ReadonlyMap<string, ColumnCounts>;
  /** Features that no row of the input carried at all (probably a wrong column name or the wrong file). */
  readonly absent: readonly string[];
  readonly objects: number;
  readonly bytes: number;
}

export interface InputPlan {
  readonly objects: number;
  readonly chunks: number;
  readonly bytes: number;
}

export interface ReadColumnsOptions extends LocationOptions {
  /**
   * Maps a row's values to the values that hold the features (captured request records keep them
   * under `features`: `(r) => r.features`). Returning anything but an object rejects the row.
   * With `select`, Parquet rows are built one by one instead of read column by column.
   */
  readonly select?: (values: Record<string, unknown>) => Record<string, unknown>;
  /** Rows read, after each batch. */
  readonly onRows?: (n: number) => void;
  /** Called once the input is listed and split, before any row is read. */
  readonly onPlan?: (plan: InputPlan) => void;
  /** Input bytes of a chunk once read (its range, or its share of the object). */
  readonly onChunkDone?: (bytes: number) => void;
  /** Chunk size of uncompressed CSV/JSON Lines (memory does not depend on it: chunks are streamed). @default 64 MiB */
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

/** Spellings of "no value" in CSV and JSON files, besides the empty field and null. */
const MISSING = new Set(['na', 'n/a', 'nan', 'null', 'none', '?']);

const isMissingText = (s: string): boolean => s === '' || MISSING.has(s.toLowerCase());

/** A number from a cell: NaN for missing, undefined for a value that is present but not a number. */
function toNumber(value: unknown): number | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : Number.isNaN(value) ? NaN : undefined;
    case 'bigint':
      return Number(value);
    case 'string': {
      const s = value.trim();
      if (isMissingText(s)) return NaN;
      // Number('') is 0 and Number('0x1f') is 31: only decimal notation counts as a number here.
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
      const n = Number(s);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'undefined':
      return NaN;
    case 'object':
      return value === null ? NaN : undefined;
    default:
      return undefined;
  }
}

/** A category from a cell: null for missing, undefined for something that is not a scalar. */
function toCategory(value: unknown): string | null | undefined {
  switch (typeof value) {
    case 'string':
      return isMissingText(value.trim()) ? null : value;
    case 'number':
      return Number.isNaN(value) ? null : String(value);
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return null;
    case 'object':
      return value === null ? null : undefined;
    default:
      return undefined;
  }
}

/** A column being filled: numbers in a doubling Float64Array, categories in an array of interned strings. */
interface Sink {
  readonly spec: FeatureSpec;
  missing: number;
  invalid: number;
  present: boolean;
  push(value: unknown): void;
  result(length: number): Float64Array | (string | null)[];
}

function numericSink(spec: FeatureSpec): Sink {
  let data = new Float64Array(1024);
  let n = 0;
  const sink: Sink = {
    spec,
    missing: 0,
    invalid: 0,
    present: false,
    push(value) {
      if (n === data.length) {
        const grown = new Float64Array(data.length * 2);
        grown.set(data);
        data = grown;
      }
      if (value !== undefined) sink.present = true;
      const x = toNumber(value);
      if (x === undefined) {
        sink.invalid++;
        data[n++] = NaN;
      } else {
        if (Number.isNaN(x)) sink.missing++;
        data[n++] = x;
      }
    },
    // A copy at the exact length, so the doubled buffer's slack is not kept alive.
    result: (length) => data.slice(0, length),
  };
  return sink;
}

function categoricalSink(spec: FeatureSpec): Sink {
  const data: (string | null)[] = [];
  // One string per distinct category, however many rows repeat it.
  const interned = new Map<string, string>();
  const sink: Sink = {
    spec,
    missing: 0,
    invalid: 0,
    present: false,
    push(value) {
      if (value !== undefined) sink.present = true;
      const c = toCategory(value);
      if (c === undefined) {
        sink.invalid++;
        data.push(null);
      } else if (c === null) {
        sink.missing++;
        data.push(null);
      } else {
        let s = interned.get(c);
        if (s === undefined) interned.set(c, (s = c));
        data.push(s);
      }
    },
    result: () => data,
  };
  return sink;
}

const resolveLocation = (location: Location | string, options: LocationOptions): Location =>
  typeof location === 'string' ? openLocation(location, options) : location;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `features` from every object of `location` (a file, folder or prefix; CSV, JSON Lines,
 * Parquet, gzip), chunk after chunk with the batch readers. Memory holds the kept columns (8 bytes a
 * numeric value, a pointer a category) plus one batch. Numeric values that are missing become NaN
 * (counted as missing), values that do not parse as numbers become NaN too (counted as invalid);
 * categorical values are strings (numbers and booleans written as text), null when missing.
 */
export async function readColumns(
  location: Location | string,
  features: readonly FeatureSpec[],
  options: ReadColumnsOptions = {},
): Promise<ColumnsRead> {
  const { store, key } = resolveLocation(location, options);
  const objects = await listInput({ store, key });
  const chunks = await planChunks(store, objects, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const bytes = objects.reduce((sum, o) => sum + o.size, 0);
  options.onPlan?.({ objects: objects.length, chunks: chunks.length, bytes });
  const sizeOf = chunkInputBytes(chunks, objects);

  const sinks = features.map((f) => (f.type === 'numeric' ? numericSink(f) : categoricalSink(f)));
  const { select } = options;
  let rows = 0;
  let rejectedRows = 0;

  const pushRow = (row: SourceRow): boolean => {
    if (row.error !== undefined || !row.values) return false;
    let values: unknown = row.values;
    if (select) {
      try {
        values = select(row.values);
      } catch {
        return false;
      }
      if (!isRecord(values)) return false;
    }
    const record = values as Record<string, unknown>;
    for (const sink of sinks) sink.push(record[sink.spec.name]);
    return true;
  };

  const pushColumns = (batch: ColumnBatch) => {
    for (const sink of sinks) {
      const column = batch.columns.get(sink.spec.name);
      if (column === undefined) {
        for (let i = 0; i < batch.rows; i++) sink.push(undefined);
      } else {
        for (let i = 0; i < batch.rows; i++) sink.push(column[i] ?? null);
      }
    }
  };

  // Flat records need only the sinks' columns: Parquet then fetches no other column chunk.
  const wanted = select ? undefined : sinks.map((sink) => sink.spec.name);
  for (const chunk of chunks) {
    for await (const batch of readChunk(store, chunk, { columns: wanted })) {
      let read = 0;
      if (isColumnBatch(batch) && !select) {
        pushColumns(batch);
        read = batch.rows;
      } else {
        const n = isColumnBatch(batch) ? batch.rows : batch.length;
        for (let i = 0; i < n; i++) {
          const row = isColumnBatch(batch) ? columnRowOf(batch, i) : batch[i]!;
          if (pushRow(row)) read++;
          else rejectedRows++;
        }
      }
      rows += read;
      if (read > 0) options.onRows?.(read);
    }
    options.onChunkDone?.(sizeOf(chunk));
  }

  const columns = new Map<string, Float64Array | (string | null)[]>();
  const counts = new Map<string, ColumnCounts>();
  for (const sink of sinks) {
    columns.set(sink.spec.name, sink.result(rows));
    counts.set(sink.spec.name, { missing: sink.missing, invalid: sink.invalid });
  }
  const absent = rows === 0 ? [] : sinks.filter((s) => !s.present).map((s) => s.spec.name);
  return Object.assign(columns, { rows, rejectedRows, counts, absent, objects: objects.length, bytes });
}

function columnRowOf(batch: ColumnBatch, i: number): SourceRow {
  const values: Record<string, unknown> = {};
  for (const [name, column] of batch.columns) values[name] = column[i];
  return { row: batch.firstRow + i, values };
}

export interface InferOptions extends LocationOptions {
  readonly select?: (values: Record<string, unknown>) => Record<string, unknown>;
  /** Rows looked at (from the first objects, in key order). @default 10_000 */
  readonly sampleRows?: number;
  /** Share of the non-empty values that must parse as numbers for a column to be numeric. @default 0.95 */
  readonly numericShare?: number;
}

/**
 * The features of a reference input, for comparing two files without a model: every column (CSV
 * header, Parquet schema, JSON keys, in order of first appearance) of the first `sampleRows` rows,
 * numeric when at least 95% of its non-empty values parse as numbers, else categorical. A column
 * with no value at all in the sample is left out (nothing to compare).
 */
export async function inferFeatures(location: Location | string, options: InferOptions = {}): Promise<FeatureSpec[]> {
  const { store, key } = resolveLocation(location, options);
  const objects = await listInput({ store, key });
  const chunks = await planChunks(store, objects, DEFAULT_CHUNK_BYTES);
  const limit = options.sampleRows ?? 10_000;
  const share = options.numericShare ?? 0.95;
  const seen = new Map<string, { values: number; numbers: number }>();
  const column = (name: string) => {
    let c = seen.get(name);
    if (!c) seen.set(name, (c = { values: 0, numbers: 0 }));
    return c;
  };
  const look = (name: string, value: unknown) => {
    const c = column(name);
    if (toCategory(value) === null || value === undefined) return;
    c.values++;
    if (typeof value === 'boolean') return;
    const x = toNumber(value);
    if (x !== undefined && !Number.isNaN(x)) c.numbers++;
  };
  let rows = 0;
  outer: for (const chunk of chunks) {
    for await (const batch of readChunk(store, chunk)) {
      if (isColumnBatch(batch) && !options.select) {
        const n = Math.min(batch.rows, limit - rows);
        for (const [name, values] of batch.columns) {
          column(name);
          for (let i = 0; i < n; i++) look(name, values[i]);
        }
        rows += n;
      } else {
        const n = isColumnBatch(batch) ? batch.rows : batch.length;
        for (let i = 0; i < n && rows < limit; i++) {
          const row = isColumnBatch(batch) ? columnRowOf(batch, i) : batch[i]!;
          if (row.error !== undefined || !row.values) continue;
          let values: unknown = row.values;
          if (options.select) {
            try {
              values = options.select(row.values);
            } catch {
              continue;
            }
          }
          if (!isRecord(values)) continue;
          for (const [name, value] of Object.entries(values)) look(name, value);
          rows++;
        }
      }
      if (rows >= limit) break outer;
    }
  }
  if (rows === 0) throw new Error(`no rows to infer the columns from at ${store.uri(key)}`);
  const features: FeatureSpec[] = [];
  for (const [name, c] of seen) {
    if (c.values === 0) continue;
    features.push({ name, type: c.numbers >= share * c.values ? 'numeric' : 'categorical' });
  }
  return features;
}

import type { FeatureLayout, FeatureSlot, InputBatch } from '../feature-layout.ts';
import type { InputFormat } from './contracts.ts';
import { type ColumnBatch, ownValue, type SourceRow } from './formats/source-row.ts';
import { NOT_UTF8_STRING, NotUtf8String } from './formats/parquet-pages.ts';
import { converterFor, fieldProblem, numberReaderFor } from './row-values.ts';

/** Checks a batch of rows against the model's features and packs the good ones; what both shapes of input come to. */
export interface Packed {
  /** Rows packed into the input batch, in order: rows [0, packed) of the batch. */
  readonly packed: number;
  /** The source index (within the slice) of each packed row. */
  readonly good: readonly number[];
  /** Rejected rows by source index, in row order, with every reason. */
  readonly rejected: ReadonlyMap<number, string[]>;
}

/**
 * Checks one field and packs it at `row`, returning why it is refused if it is. The common case (a
 * plain number for a numeric feature) is read, checked and stored directly in the input buffer;
 * anything else goes through the format's converter and the generic write.
 */
type FieldPacker = (raw: unknown, row: number) => string | undefined;

function fieldPacker(format: InputFormat, slot: FeatureSlot, into: InputBatch): FieldPacker {
  const convert = converterFor(format);
  const readNumber = numberReaderFor(format);
  const numbers = slot.bounds && into.numbers(slot);
  const { min, max, integer } = slot.bounds ?? { min: 0, max: 0, integer: false };
  const { width } = slot.input;
  const { column } = slot;
  return (raw, row) => {
    if (numbers) {
      const n = readNumber(raw);
      if (n !== undefined && n >= min && n <= max && (!integer || Number.isInteger(n))) {
        numbers[row * width + column] = n;
        return undefined;
      }
    }
    const value = convert(slot, raw);
    const problem = fieldProblem(slot, value);
    if (!problem) into.write(slot, row, value);
    return problem;
  };
}

/** Why a row's id cannot be passed through, if it cannot: a prediction without its id, or with a mangled one, could not be joined back. */
const idProblem = (v: unknown): string | undefined => {
  if (v === undefined) return 'missing id';
  if (v instanceof NotUtf8String) return NOT_UTF8_STRING;
  if (v === null || v === '') return 'empty id';
  if (typeof v === 'boolean') return 'expected text or a number as id, got a boolean';
  // A float id column's NaN stands for a missing id; none of these would join back.
  if (typeof v === 'number' && !Number.isFinite(v)) return `expected a finite number as id, got ${v}`;
  // JSON.parse has already rounded such a number: two ids may have become one. Write them as strings.
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return `id ${v} is past 2^53, where a JSON number loses digits: write ids as strings`;
  return typeof v === 'object' && !(v instanceof Date) ? `expected text or a number as id, got ${Array.isArray(v) ? 'an array' : 'an object'}` : undefined;
};

type Extract = (values: Record<string, unknown>, out: unknown[]) => void;
const extractors = new WeakMap<FeatureLayout, Extract>();

/**
 * Copies a row's value of every feature into `out`, in slot order, with one named load per feature
 * compiled once per layout: looking 30 different names up by variable cost about four times as much,
 * the largest share of checking a CSV row. Names enter the code only as JSON string literals.
 */
function extractorOf(layout: FeatureLayout): Extract {
  let extract = extractors.get(layout);
  if (!extract) {
    const body = layout.slots.map((slot, i) => `o[${i}] = v[${JSON.stringify(slot.feature.name)}];`).join('\n');
    extract = new Function('v', 'o', body) as Extract;
    extractors.set(layout, extract);
  }
  return extract;
}

/** Packs a row's numeric features at `row` when every one is a plain number within its bounds; false leaves the row to the field packers. */
type RowFastPath = (values: Record<string, unknown>, row: number) => boolean;
const fastPaths = new WeakMap<InputBatch, Map<InputFormat, RowFastPath | null>>();

/**
 * The common row (every feature numeric, every field a plain number within bounds) read, checked and
 * stored in straight-line code compiled once per batch and format: one named load, one number read,
 * two comparisons and one store per feature, the bounds and buffer positions as constants. Calling
 * a packer per field was most of checking a CSV row. Names enter the code only as JSON string
 * literals, bounds as number literals.
 */
function compileFastPath(layout: FeatureLayout, format: InputFormat, into: InputBatch): RowFastPath {
  const buffers = [...new Set(layout.slots.map((slot) => into.numbers(slot)!))];
  const lines = layout.slots.map((slot) => {
    const { min, max, integer } = slot.bounds!;
    const ok = `n >= ${String(min)} && n <= ${String(max)}${integer ? ' && Number.isInteger(n)' : ''}`;
    return `n = read(v[${JSON.stringify(slot.feature.name)}]); if (n === undefined || !(${ok})) return false; b${buffers.indexOf(into.numbers(slot)!)}[r * ${slot.input.width} + ${slot.column}] = n;`;
  });
  const body = `return (v, r) => {\nlet n;\n${lines.join('\n')}\nreturn true;\n};`;
  return new Function('read', ...buffers.map((_, i) => `b${i}`), body)(numberReaderFor(format), ...buffers) as RowFastPath;
}

/** The batch's fast path for the format, compiled at first use; none for a model with a feature it cannot take (categorical, int64). */
function fastPathOf(layout: FeatureLayout, format: InputFormat, into: InputBatch): RowFastPath | undefined {
  let byFormat = fastPaths.get(into);
  if (!byFormat) fastPaths.set(into, (byFormat = new Map()));
  let fast = byFormat.get(format);
  if (fast === undefined) {
    fast = layout.slots.every((slot) => slot.bounds && into.numbers(slot)) ? compileFastPath(layout, format, into) : null;
    byFormat.set(format, fast);
  }
  return fast ?? undefined;
}

/**
 * Rows of CSV or JSON Lines: each row checked feature by feature (and for its id, when the job passes
 * one through), packed at the next free row when all pass. A row the fast path cannot take is
 * checked field by field, which says every reason it is refused.
 */
export function packRows(layout: FeatureLayout, format: InputFormat, rows: readonly SourceRow[], into: InputBatch, idColumn?: string): Packed {
  const { slots } = layout;
  const pack = slots.map((slot) => fieldPacker(format, slot, into));
  const fast = fastPathOf(layout, format, into);
  const extract = extractorOf(layout);
  const fields = new Array<unknown>(slots.length);
  const good: number[] = [];
  const rejected = new Map<number, string[]>();
  for (let i = 0; i < rows.length; i++) {
    const { error, values } = rows[i]!;
    if (error !== undefined || !values) {
      rejected.set(i, [error ?? 'no values']);
      continue;
    }
    let reasons: string[] | undefined;
    if (!fast?.(values, good.length)) {
      extract(values, fields);
      for (let s = 0; s < slots.length; s++) {
        const problem = pack[s]!(fields[s], good.length);
        if (problem) (reasons ??= []).push(`${slots[s]!.feature.name}: ${problem}`);
      }
    }
    const idIssue = idColumn === undefined ? undefined : idProblem(ownValue(values, idColumn));
    if (idIssue) (reasons ??= []).push(`${idColumn}: ${idIssue}`);
    if (reasons) rejected.set(i, reasons);
    else good.push(i);
  }
  return { packed: good.length, good, rejected };
}

/**
 * Rows [from, to) of a column batch, feature column by feature column (no object per row): every
 * value is checked and written at its own row in one pass, then the ids when the job passes one
 * through; rejected rows, rare, are then squeezed out by moving the rows after them up.
 */
export function packColumns(layout: FeatureLayout, format: InputFormat, batch: ColumnBatch, from: number, to: number, into: InputBatch, idColumn?: string): Packed {
  const rejected = new Map<number, string[]>();
  const keep = (row: number, reason: string) => {
    const reasons = rejected.get(row);
    if (reasons) reasons.push(reason);
    else rejected.set(row, [reason]);
  };
  for (const slot of layout.slots) {
    const pack = fieldPacker(format, slot, into);
    const column = batch.columns.get(slot.feature.name);
    const numbers = into.numbers(slot);
    const { width } = slot.input;
    if (column && numbers && slot.bounds) {
      // Numbers for a numeric feature, the usual Parquet case, are tested against the bounds inline
      // and copied; anything else goes through the general packer, which converts it or says why not.
      const { min, max, integer } = slot.bounds;
      for (let r = from, at = slot.column; r < to; r++, at += width) {
        const v = column[r];
        if (typeof v === 'number' && v >= min && v <= max && (!integer || Number.isInteger(v))) numbers[at] = v;
        else {
          const problem = pack(v, r - from);
          if (problem) keep(r - from, `${slot.feature.name}: ${problem}`);
        }
      }
      continue;
    }
    for (let r = from; r < to; r++) {
      const problem = pack(column?.[r], r - from);
      if (problem) keep(r - from, `${slot.feature.name}: ${problem}`);
    }
  }
  if (idColumn !== undefined) {
    const ids = batch.columns.get(idColumn);
    for (let r = from; r < to; r++) {
      const problem = idProblem(ids?.[r]);
      if (problem) keep(r - from, `${idColumn}: ${problem}`);
    }
  }
  // A row that could not be parsed has that one reason, as packRows gives it; its values mean nothing.
  for (const [r, error] of batch.text?.errors ?? []) if (r >= from && r < to) rejected.set(r - from, [error]);
  // Problems were found column by column; the rows are listed in row order, as packRows lists them.
  const inOrder = new Map<number, string[]>();
  const good: number[] = [];
  for (let i = 0; i < to - from; i++) {
    const reasons = rejected.get(i);
    if (reasons) {
      inOrder.set(i, reasons);
      continue;
    }
    if (good.length !== i) into.moveRow(i, good.length);
    good.push(i);
  }
  return { packed: good.length, good, rejected: inOrder };
}

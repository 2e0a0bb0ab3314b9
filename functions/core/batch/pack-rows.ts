import type { FeatureLayout, InputBatch } from '../feature-layout.ts';
import type { ColumnBatch, SourceRow } from './formats/source-row.ts';
import { type FieldConverter, fieldProblem } from './row-values.ts';

/** Checks a batch of rows against the model's features and packs the good ones; what both shapes of input come to. */
export interface Packed {
  /** Rows packed into the input batch, in order: rows [0, packed) of the batch. */
  readonly packed: number;
  /** The source index (within the slice) of each packed row. */
  readonly good: readonly number[];
  /** Rejected rows by source index, with every reason. */
  readonly rejected: ReadonlyMap<number, string[]>;
}

/** Rows of CSV or JSON Lines: each row checked feature by feature, packed at the next free row when all pass. */
export function packRows(layout: FeatureLayout, convert: FieldConverter, rows: readonly SourceRow[], batch: InputBatch): Packed {
  const good: number[] = [];
  const rejected = new Map<number, string[]>();
  rows.forEach((row, i) => {
    if (row.error !== undefined || !row.values) {
      rejected.set(i, [row.error ?? 'no values']);
      return;
    }
    let reasons: string[] | undefined;
    const { slots } = layout;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s]!;
      const value = convert(slot, row.values[slot.feature.name]);
      const problem = fieldProblem(slot, value);
      if (problem) (reasons ??= []).push(`${slot.feature.name}: ${problem}`);
      else batch.write(slot, good.length, value);
    }
    if (reasons) rejected.set(i, reasons);
    else good.push(i);
  });
  return { packed: good.length, good, rejected };
}

/**
 * Rows [from, to) of a column batch, feature column by feature column (no object per row): every
 * value is checked and written at its own row in one pass; rejected rows, rare, are then squeezed
 * out by moving the rows after them up.
 */
export function packColumns(layout: FeatureLayout, convert: FieldConverter, batch: ColumnBatch, from: number, to: number, into: InputBatch): Packed {
  const rejected = new Map<number, string[]>();
  for (const slot of layout.slots) {
    const column = batch.columns.get(slot.feature.name);
    for (let r = from; r < to; r++) {
      const value = convert(slot, column?.[r]);
      const problem = fieldProblem(slot, value);
      if (!problem) {
        into.write(slot, r - from, value);
        continue;
      }
      const reason = `${slot.feature.name}: ${problem}`;
      const reasons = rejected.get(r - from);
      if (reasons) reasons.push(reason);
      else rejected.set(r - from, [reason]);
    }
  }
  const good: number[] = [];
  for (let i = 0; i < to - from; i++) {
    if (rejected.has(i)) continue;
    if (good.length !== i) into.moveRow(i, good.length);
    good.push(i);
  }
  return { packed: good.length, good, rejected };
}

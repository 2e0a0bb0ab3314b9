import type { FeatureSlot } from '../feature-layout.ts';
import type { InputFormat } from './contracts.ts';

/**
 * Turns a field as a format delivers it into the value the feature checks expect: CSV gives text
 * (numbers are parsed strictly; an empty field is missing), Parquet may give BigInt for int64,
 * JSON Lines gives JSON values that are checked as they are, exactly as the HTTP API does.
 */
export type FieldConverter = (slot: FeatureSlot, raw: unknown) => unknown;

/** What a converter returns for a field it cannot read; only this case allocates, millions of good fields do not. */
export class FieldProblem {
  constructor(readonly message: string) {}
}

const csvField: FieldConverter = (slot, raw) => {
  const text = raw as string | undefined;
  if (text === undefined) return undefined;
  if (text === '' || text.trim() === '') return slot.feature.allowMissing ? null : new FieldProblem('empty value');
  if (slot.feature.type === 'categorical') return text;
  const n = Number(text);
  return Number.isNaN(n) ? new FieldProblem(`not a number: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`) : n;
};

const parquetField: FieldConverter = (_, raw) => (typeof raw === 'bigint' ? Number(raw) : raw);

const jsonField: FieldConverter = (_, raw) => raw;

/** Why a converted field is not an acceptable value of `slot`'s feature, or undefined when it is. */
export function fieldProblem(slot: FeatureSlot, converted: unknown): string | undefined {
  return converted instanceof FieldProblem ? converted.message : slot.check(converted);
}

/**
 * The plain number a field holds, or undefined when it needs the full converter: the fast path of
 * the batch loops, where almost every field is an ordinary number. CSV: `+text`, except '' and
 * whitespace (which give 0) and anything not a number; Parquet and JSON Lines: numbers as they are.
 */
export type NumberReader = (raw: unknown) => number | undefined;

const csvNumber: NumberReader = (raw) => {
  if (typeof raw !== 'string') return undefined;
  const n = +raw;
  return n === 0 || n !== n ? undefined : n;
};
const plainNumber: NumberReader = (raw) => (typeof raw === 'number' ? raw : undefined);

export const numberReaderFor = (format: InputFormat): NumberReader => (format === 'csv' ? csvNumber : plainNumber);

export const converterFor = (format: InputFormat): FieldConverter =>
  format === 'csv' ? csvField : format === 'parquet' ? parquetField : jsonField;

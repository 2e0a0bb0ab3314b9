import type { FeatureSlot } from '../feature-layout.ts';
import type { InputFormat } from './contracts.ts';
import { NOT_UTF8_STRING, NotUtf8String } from './formats/parquet-pages.ts';
import { POWERS_OF_TEN } from './powers-of-ten.ts';

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

/**
 * A decimal number as CSV writers spell one: `Number` alone would also take `0x10`, `0b11` and
 * `0o7` (as 16, 3 and 7) and `Infinity`, which no CSV means as numbers.
 */
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

const csvField: FieldConverter = (slot, raw) => {
  // A CSV read by columns holds its plain decimals as numbers already.
  if (typeof raw === 'number') return raw;
  const text = raw as string | undefined;
  if (text === undefined) return undefined;
  if (text === '' || text.trim() === '') return slot.feature.allowMissing ? null : new FieldProblem('empty value');
  if (slot.feature.type === 'categorical') return text;
  return DECIMAL.test(text) ? Number(text) : new FieldProblem(`not a number: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
};

const parquetField: FieldConverter = (_, raw) => (typeof raw === 'bigint' ? Number(raw) : raw instanceof NotUtf8String ? new FieldProblem(NOT_UTF8_STRING) : raw);

const jsonField: FieldConverter = (_, raw) => raw;

/** Why a converted field is not an acceptable value of `slot`'s feature, or undefined when it is. */
export function fieldProblem(slot: FeatureSlot, converted: unknown): string | undefined {
  return converted instanceof FieldProblem ? converted.message : slot.check(converted);
}

/**
 * The plain number a field holds, or undefined when it needs the full converter: the fast path of
 * the batch loops, where almost every field is an ordinary number. CSV: a plain decimal, else
 * `+text` of a decimal (exponent, sign, spaces) but 0, which the converter tells from blanks;
 * Parquet and JSON Lines: numbers as they are.
 */
export type NumberReader = (raw: unknown) => number | undefined;

/**
 * A plain decimal (`-12.5`, `0.1184`, `1001`) read from its characters, or undefined for anything
 * else. With at most 15 digits the digits form an integer that a double holds exactly, and 10^k is
 * exact up to 10^22, so one correctly rounded division gives exactly what `Number(text)` gives
 * (Clinger's fast path) at about half the cost: CSV number reading was the batch worker's top cost.
 */
export function plainDecimal(text: string): number | undefined {
  const length = text.length;
  // A sign, 15 digits and a point at most: anything longer needs the general reader.
  if (length === 0 || length > 17) return undefined;
  const negative = text.charCodeAt(0) === 45;
  const first = negative ? 1 : 0;
  let mantissa = 0;
  let point = -1;
  for (let i = first; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit >= 0 && digit <= 9) mantissa = mantissa * 10 + digit;
    else if (digit === -2 && point < 0) point = i;
    else return undefined;
  }
  const digits = length - first - (point < 0 ? 0 : 1);
  if (digits === 0 || digits > 15) return undefined;
  const value = point < 0 ? mantissa : mantissa / POWERS_OF_TEN[length - 1 - point]!;
  return negative ? -value : value;
}

const csvNumber: NumberReader = (raw) => {
  if (typeof raw !== 'string') return undefined;
  const plain = plainDecimal(raw);
  if (plain !== undefined) return plain;
  if (!DECIMAL.test(raw)) return undefined;
  const n = +raw;
  return n === 0 || n !== n ? undefined : n;
};
const plainNumber: NumberReader = (raw) => (typeof raw === 'number' ? raw : undefined);

export const numberReaderFor = (format: InputFormat): NumberReader => (format === 'csv' ? csvNumber : plainNumber);

export const converterFor = (format: InputFormat): FieldConverter =>
  format === 'csv' ? csvField : format === 'parquet' ? parquetField : jsonField;

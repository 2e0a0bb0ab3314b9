import type { FeatureSlot } from '../feature-layout.ts';
import type { InputFormat } from './contracts.ts';

/**
 * Turns a field as a format delivers it into the value the feature checks expect: CSV gives text
 * (numbers are parsed strictly; an empty field is missing), Parquet may give BigInt for int64,
 * JSON Lines gives JSON values that are checked as they are, exactly as the HTTP API does.
 */
export type FieldConverter = (slot: FeatureSlot, raw: unknown) => { value: unknown } | { problem: string };

const csvField: FieldConverter = (slot, raw) => {
  const text = raw as string | undefined;
  if (text === undefined) return { value: undefined };
  if (text === '' || text.trim() === '') return slot.feature.allowMissing ? { value: null } : { problem: 'empty value' };
  if (slot.feature.type === 'categorical') return { value: text };
  const n = Number(text);
  return Number.isNaN(n) ? { problem: `not a number: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}` } : { value: n };
};

const parquetField: FieldConverter = (_, raw) => ({ value: typeof raw === 'bigint' ? Number(raw) : raw });

const jsonField: FieldConverter = (_, raw) => ({ value: raw });

export const converterFor = (format: InputFormat): FieldConverter =>
  format === 'csv' ? csvField : format === 'parquet' ? parquetField : jsonField;

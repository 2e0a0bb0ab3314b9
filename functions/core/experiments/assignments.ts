import { readRecords } from '../capture/read-records.ts';
import type { Location } from '../storage/object-store.ts';
import type { AbColumns } from './read-rows.ts';

export interface AssignmentOptions {
  /** Only this model's captures. @default every model in the captures */
  readonly model?: string;
  /** A captured request without an outcome: dropped, or counted as 0 (conversions logged only when they happen). @default 'drop' */
  readonly missingOutcome?: 'drop' | 'zero';
}

const keyOf = (requestId: unknown, index: unknown) => `${String(requestId)}#${typeof index === 'number' ? index : 0}`;

/**
 * The rows of an A/B analysis from what serving recorded: each captured request's version is its
 * variant, and its outcome (records `{requestId, index?, value}`, as the outcome or label files
 * hold them) is its value.
 */
export async function assignmentsWithOutcomes(captures: Location, outcomes: Location, options: AssignmentOptions = {}): Promise<AbColumns> {
  const found = new Map<string, number>();
  let invalidValues = 0;
  const outcomeRecords = await readRecords(outcomes, ['']);
  for (const o of outcomeRecords.records) {
    if (typeof o.value === 'number' && Number.isFinite(o.value)) found.set(keyOf(o.requestId, o.index), o.value);
    else invalidValues++;
  }
  const variants: string[] = [];
  const values: number[] = [];
  const captured = await readRecords(captures, ['']);
  for (const c of captured.records) {
    if (options.model && c.model !== options.model) continue;
    const value = found.get(keyOf(c.requestId, c.index)) ?? (options.missingOutcome === 'zero' ? 0 : undefined);
    if (value === undefined || typeof c.version !== 'string') continue;
    variants.push(c.version);
    values.push(value);
  }
  return { variants, values: Float64Array.from(values), rejectedRows: captured.skipped + outcomeRecords.skipped, invalidValues };
}

import { BadInput } from '../job-errors.ts';

/** Columns a row cannot be scored without, each with what needs it (for the error naming it). */
export type RequiredColumns = ReadonlyMap<string, string>;

/** Names quoted in the error, at most `most`: enough to spot a typo, short enough for the manifest's 1,000 characters. */
function quoted(names: readonly string[], most: number): string {
  const listed = names.slice(0, most).map((n) => JSON.stringify(n)).join(', ');
  return names.length > most ? `${listed} and ${names.length - most} more` : listed;
}

/**
 * Fails the object when its header or schema lacks a required column. Its every row would be
 * rejected for the same reason, and a job that scored nothing would still have succeeded: a
 * mistyped id column, or a file of another schema, would pass unnoticed downstream.
 */
export function checkRequiredColumns(uri: string, where: string, present: readonly string[], required: RequiredColumns | undefined): void {
  if (!required) return;
  const have = new Set(present);
  const missing = new Map<string, string[]>();
  for (const [name, neededBy] of required) if (!have.has(name)) missing.set(neededBy, [...(missing.get(neededBy) ?? []), name]);
  if (missing.size === 0) return;
  const lacks = [...missing].map(([neededBy, names]) => `${quoted(names, 10)} (${neededBy})`).join(' nor ');
  throw new BadInput(`${uri}: the ${where} has no column ${lacks}; its columns are ${present.length ? quoted(present, 30) : 'none'}`);
}

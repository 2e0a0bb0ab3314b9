import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { type LineCount, NOT_UTF8, placeRow, readLines, startsObject } from './lines.ts';
import { BATCH_ROWS, type SourceRow } from './source-row.ts';
import { BadInput } from '../job-errors.ts';

const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/**
 * JSON Lines rows of a chunk: one JSON object per line, its values as JSON gives them (typing is the
 * validator's job). A line that is not JSON, or JSON but not an object, is a row with an error.
 * The chunk's lines are counted in `lines`.
 */
export async function* readJsonl(store: ObjectStore, chunk: Chunk, lines?: LineCount): AsyncGenerator<SourceRow[]> {
  let first = startsObject(chunk);
  for await (const batch of readLines(store, chunk, BATCH_ROWS, lines)) {
    const rows: SourceRow[] = [];
    for (const l of batch) {
      // A pretty-printed JSON document opens with a bracket alone: each of its lines would be a reject.
      if (first && (l.text.trim() === '[' || l.text.trim() === '{')) {
        throw new BadInput(`${store.uri(chunk.key)}: a JSON document, not JSON Lines: write one JSON object per line`);
      }
      first = false;
      let row: SourceRow;
      if (l.notUtf8) row = { offset: l.offset, error: NOT_UTF8, raw: l.text };
      else try {
        const value: unknown = JSON.parse(l.text);
        row =
          typeof value === 'object' && value !== null && !Array.isArray(value)
            ? { offset: l.offset, values: value as Record<string, unknown>, raw: l.text }
            : { offset: l.offset, error: `not a JSON object (got ${kind(value)})`, raw: l.text };
      } catch (err) {
        row = { offset: l.offset, error: `invalid JSON: ${(err as Error).message}`, raw: l.text };
      }
      placeRow(row, l);
      rows.push(row);
    }
    if (rows.length > 0) yield rows;
  }
}

import { planChunks } from '../batch/plan-chunks.ts';
import { readChunk } from '../batch/formats/read-chunk.ts';
import { rowsOf } from '../batch/formats/source-row.ts';
import { hiddenBelow, joinKey } from '../storage/location.ts';
import type { Location } from '../storage/object-store.ts';

/**
 * The JSON Lines records under some prefixes of a location (captured requests, label files), read
 * with the batch readers. A line that is not a JSON object is counted in `skipped`, not fatal:
 * one torn record must not stop a monitoring job. Hidden folders below a prefix are not read: under
 * a capture root, `_shadow/` holds a second record of the same requests, read only when named.
 */
export async function readRecords(location: Location, prefixes: readonly string[]): Promise<{ records: Record<string, unknown>[]; skipped: number }> {
  const records: Record<string, unknown>[] = [];
  let skipped = 0;
  for (const prefix of prefixes) {
    const under = joinKey(location.key, prefix);
    const objects = (await location.store.list(under)).filter((o) => /\.(jsonl|ndjson)(\.gz)?$/i.test(o.key) && !hiddenBelow(under, o.key));
    for (const chunk of await planChunks(location.store, objects, 64 * 1024 * 1024)) {
      for await (const batch of readChunk(location.store, chunk)) {
        for (const row of rowsOf(batch)) {
          if (row.values) records.push(row.values);
          else skipped++;
        }
      }
    }
  }
  return { records, skipped };
}

import type { UploadStream } from '../../storage/object-store.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

/** JSON has no BigInt: an integer that a double holds exactly is a number, a larger one a string (never a lossy number). */
const jsonValue = (v: unknown) =>
  typeof v === 'bigint' ? (v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v.toString()) : (v ?? null);

/**
 * JSON Lines: one object per row with the columns as keys, in column order; missing values are
 * null (so every line has every key), and so are NaN and infinities, which JSON cannot express.
 */
export function jsonlPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const names = columns.map((c) => c.name);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      let text = '';
      for (const row of rows) {
        const object: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) object[names[i]!] = jsonValue(row[i]);
        text += `${JSON.stringify(object)}\n`;
      }
      await writeTo(sink.stream, text);
    },
    end: () => endSink(sink),
  };
}

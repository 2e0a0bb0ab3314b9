import type { UploadStream } from '../../storage/object-store.ts';
import { float32Decimal } from './float32-decimal.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

/** JSON has no BigInt: an integer that a double holds exactly is a number, a larger one a string (never a lossy number). */
const jsonValue = (v: unknown) =>
  typeof v === 'bigint' ? (v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v.toString()) : (v ?? null);

/** float32 values at their shortest, as in CSV. */
const floatValue = (v: unknown) => (typeof v === 'number' ? float32Decimal(v) : jsonValue(v));

/**
 * JSON Lines: one object per row with the columns as keys, in column order; missing values are
 * null (so every line has every key), and so are NaN and infinities, which JSON cannot express.
 */
export function jsonlPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const names = columns.map((c) => c.name);
  const values = columns.map((c) => (c.type === 'float' ? floatValue : jsonValue));
  return {
    async write(block) {
      if (block.rows === 0) return;
      let text = '';
      for (let r = 0; r < block.rows; r++) {
        const object: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) object[names[i]!] = values[i]!(block.values[i]![r]);
        text += `${JSON.stringify(object)}\n`;
      }
      await writeTo(sink.stream, text);
    },
    end: () => endSink(sink),
  };
}

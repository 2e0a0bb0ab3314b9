import type { UploadStream } from '../../storage/object-store.ts';
import { compiledLines } from './compiled-lines.ts';
import { recentFloat32Text } from './float32-decimal.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

/**
 * A value as JSON text. JSON has no BigInt: an integer that a double holds exactly is a number, a
 * larger one a string (never a lossy number); missing values, NaN and infinities are null.
 */
const jsonText = (v: unknown): string => {
  if (typeof v === 'bigint') return v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? String(v) : `"${v}"`;
  return JSON.stringify(v ?? null);
};

/** A row's JSON object: keys as string literals of their JSON text, values through `json` or `float` (float32 at its shortest, as in CSV); made once per part. */
const jsonlLines = (columns: readonly PartColumn[]) => {
  const f32 = recentFloat32Text();
  const float = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? f32(v) : jsonText(v));
  return compiledLines(
    columns.length,
    (value) => `${columns.map((col, i) => `${JSON.stringify(`${i ? ',' : '{'}${JSON.stringify(col.name)}:`)} + ${col.type === 'float' ? 'float' : 'json'}(${value(i)})`).join(' + ')} + '}\\n'`,
    { json: jsonText, float },
  );
};

/**
 * JSON Lines: one object per row with the columns as keys, in column order; missing values are
 * null (so every line has every key), and so are NaN and infinities, which JSON cannot express.
 */
export function jsonlPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const lines = jsonlLines(columns);
  return {
    async write(block) {
      if (block.rows === 0) return;
      await writeTo(sink.stream, lines(block));
    },
    end: () => endSink(sink),
  };
}

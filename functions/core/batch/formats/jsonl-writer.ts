import type { UploadStream } from '../../storage/object-store.ts';
import { float32Text } from './float32-decimal.ts';
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

/** A float32 value at its shortest, as in CSV. */
const floatText = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? float32Text(v) : jsonText(v));

/** A block's lines, row by row. */
type Lines = (columns: readonly ArrayLike<unknown>[]) => (row: number) => string;

/**
 * The line of a row, compiled once per column list into one expression over the block's columns,
 * as the CSV writer does: the keys enter the code as string literals of their JSON text, the values
 * go through `json` or `float`. Building an object per row for JSON.stringify took twice as long.
 */
function linesOf(columns: readonly PartColumn[]): Lines {
  const load = columns.map((_, i) => `const c${i} = c[${i}];`).join(' ');
  const fields = columns.map((col, i) => `${JSON.stringify(`${i ? ',' : '{'}${JSON.stringify(col.name)}:`)} + ${col.type === 'float' ? 'float' : 'json'}(c${i}[r])`);
  return new Function('json', 'float', `return (c) => { ${load} return (r) => ${fields.join(' + ')} + '}\\n'; };`)(jsonText, floatText) as Lines;
}

/**
 * JSON Lines: one object per row with the columns as keys, in column order; missing values are
 * null (so every line has every key), and so are NaN and infinities, which JSON cannot express.
 */
export function jsonlPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const lines = linesOf(columns);
  return {
    async write(block) {
      if (block.rows === 0) return;
      const line = lines(block.values);
      let text = '';
      for (let r = 0; r < block.rows; r++) text += line(r);
      await writeTo(sink.stream, text);
    },
    end: () => endSink(sink),
  };
}

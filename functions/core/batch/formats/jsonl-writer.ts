import type { UploadStream } from '../../storage/object-store.ts';
import type { PartBlock, PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';
import { TextBytes } from './text-bytes.ts';

/**
 * A value as JSON text. JSON has no BigInt: an integer that a double holds exactly is a number, a
 * larger one a string (never a lossy number); missing values, NaN and infinities are null.
 */
const jsonText = (v: unknown): string => {
  if (typeof v === 'bigint') return v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? String(v) : `"${v}"`;
  return JSON.stringify(v ?? null);
};

/** The bytes of a block's rows: one object a line, keys as their JSON text made once, float32 values at their shortest (as in CSV). */
function jsonlBlocks(columns: readonly PartColumn[]): (block: PartBlock) => Buffer {
  const keys = columns.map((col, i) => `${i ? ',' : '{'}${JSON.stringify(col.name)}:`);
  const floats = columns.map((col) => col.type === 'float');
  const width = columns.length;
  const out = new TextBytes();
  return ({ rows, values }) => {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        out.utf8(keys[c]!);
        const v = values[c]![r];
        if (floats[c] && typeof v === 'number' && Number.isFinite(v)) out.float32(v);
        else out.utf8(jsonText(v));
      }
      out.utf8('}\n');
    }
    return out.take();
  };
}

/**
 * JSON Lines: one object per row with the columns as keys, in column order; missing values are
 * null (so every line has every key), and so are NaN and infinities, which JSON cannot express.
 */
export function jsonlPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const blocks = jsonlBlocks(columns);
  return {
    async write(block) {
      if (block.rows === 0) return;
      await writeTo(sink, blocks(block));
    },
    end: () => endSink(sink),
  };
}

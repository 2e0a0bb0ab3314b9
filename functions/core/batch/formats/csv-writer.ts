import type { UploadStream } from '../../storage/object-store.ts';
import type { PartBlock, PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';
import { stopsOf, TextBytes } from './text-bytes.ts';

const NEEDS_QUOTES = /[",\r\n]/;
const CSV_STOPS = stopsOf('",\r\n');
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** RFC 4180 text field: quoted (quotes doubled) only when it holds a comma, a quote or a line break. */
const textField = (s: string): string => (NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

const TEXT = 0;
const FLOAT = 1;
const NUMBER = 2;

/**
 * The bytes of a block's rows: numbers inline (missing ones empty, float32 ones at their shortest),
 * text quoted only when it must be. Made once per part, with the float decimals it remembers.
 */
function csvBlocks(columns: readonly PartColumn[]): (block: PartBlock) => Buffer {
  const kinds = columns.map((c) => (c.type === 'string' ? TEXT : c.type === 'float' ? FLOAT : NUMBER));
  const width = columns.length;
  const out = new TextBytes();
  return ({ rows, values }) => {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        if (c > 0) out.byte(COMMA);
        const v = values[c]![r];
        if (v === null || v === undefined) continue;
        const kind = kinds[c];
        if (kind === FLOAT) out.float32(v as number);
        else if (kind === NUMBER) out.utf8(String(v));
        else {
          const s = typeof v === 'string' ? v : String(v);
          if (!out.plain(s, CSV_STOPS)) out.utf8(textField(s));
        }
      }
      out.byte(NEWLINE);
    }
    return out.take();
  };
}

/**
 * CSV with a header row first (also when the part has no rows), written to the sink with
 * backpressure; missing values are empty fields. The columns' types are known, so numbers are
 * written as they are and only text is checked for quoting: a general-purpose stringifier spent
 * as long writing a part as the reader spent parsing the input.
 */
export function csvPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  let header = true;
  const blocks = csvBlocks(columns);
  const writeHeader = async () => {
    if (!header) return;
    header = false;
    await writeTo(sink, `${columns.map((c) => textField(c.name)).join(',')}\n`);
  };
  return {
    async write(block: PartBlock) {
      await writeHeader();
      if (block.rows === 0) return;
      await writeTo(sink, blocks(block));
    },
    async end() {
      await writeHeader();
      await endSink(sink);
    },
  };
}

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { ModelPackage } from '../functions/core/model-package.ts';
import { ROOT } from './child.ts';

/** The shipped rows the batch bench cycles through (the default model was trained on them). */
export const DATA_FILE = 'models/data/breast-cancer-wisconsin.csv';

/** The shipped data's rows as the model's features, in feature order: the CSV text as written there, and its numbers. */
export async function featureRows(pkg: ModelPackage): Promise<{ names: string[]; text: string[][]; numbers: number[][] }> {
  const [header, ...lines] = (await readFile(join(ROOT, DATA_FILE), 'utf8')).trim().split('\n');
  const columns = header!.split(',');
  const names = pkg.features.map((f) => f.name);
  const at = names.map((n) => {
    const i = columns.indexOf(n);
    if (i === -1) throw new Error(`${DATA_FILE} has no column ${n} (model ${pkg.name} needs it)`);
    return i;
  });
  const text = lines.map((line) => {
    const fields = line.split(',');
    return at.map((i) => fields[i]!);
  });
  return { names, text, numbers: text.map((r) => r.map(Number)) };
}

/** `rows` data rows (the shipped rows cycled in order) as a CSV file with a header of the feature names. */
export async function writeCsv(path: string, names: readonly string[], text: readonly string[][], rows: number): Promise<void> {
  const out = createWriteStream(path);
  const lines = text.map((r) => `${r.join(',')}\n`);
  let buffer = `${names.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    buffer += lines[i % lines.length]!;
    if (buffer.length >= 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/** The same rows as a Parquet file (snappy, DOUBLE columns, hyparquet-writer's default encodings), written a row group at a time. */
export function writeParquet(path: string, names: readonly string[], numbers: readonly number[][], rows: number, rowGroupRows: number): void {
  const schema = schemaFromColumnData({ columnData: names.map((name) => ({ name, data: [], type: 'DOUBLE', nullable: false })) });
  const writer = new ParquetWriter({ writer: fileWriter(path), schema });
  for (let from = 0; from < rows; from += rowGroupRows) {
    const n = Math.min(rowGroupRows, rows - from);
    const columnData = names.map((name, j) => {
      const data = new Float64Array(n);
      for (let r = 0; r < n; r++) data[r] = numbers[(from + r) % numbers.length]![j]!;
      return { name, data };
    });
    void writer.write({ columnData, rowGroupSize: n });
  }
  void writer.finish();
}

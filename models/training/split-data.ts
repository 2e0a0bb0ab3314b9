/**
 * Writes a shipped data set as the two training channels, with the seeded split the shipped
 * packages use: `<dir>/train/train.csv` and `<dir>/holdout/holdout.csv` (header row first, target included).
 * Upload the folders to the `retraining.data` S3 URIs, or point SM_CHANNEL_TRAIN/HOLDOUT at them.
 *
 *   npx tsx models/training/split-data.ts <dir>     # the breast-cancer data set
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '../build/data.ts';
import { loadClassification, SOURCES } from '../build/datasets.ts';

/** The shipped data sets hold numbers and plain labels only: no field needs quoting. */
const toCsv = (table: Table, rows: readonly number[]): string =>
  `${[table.columns.join(','), ...rows.map((r) => table.columns.map((c) => table.rows[r]![c]!).join(','))].join('\n')}\n`;

export function writeBreastCancerChannels(dir: string): { train: string; holdout: string } {
  const data = loadClassification(SOURCES.breastCancer, 'diagnosis', ['benign', 'malignant']);
  const train = join(dir, 'train');
  const holdout = join(dir, 'holdout');
  mkdirSync(train, { recursive: true });
  mkdirSync(holdout, { recursive: true });
  writeFileSync(join(train, 'train.csv'), toCsv(data.table, data.split.train));
  writeFileSync(join(holdout, 'holdout.csv'), toCsv(data.table, data.split.holdout));
  return { train, holdout };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: split-data.ts <dir>');
  console.log(writeBreastCancerChannels(dir));
}

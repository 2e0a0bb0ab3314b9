import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS, ROOT, readPackage } from './models.ts';

const pkg = readPackage(MODELS.breastCancer);
export const FEATURES = pkg.features.map((f) => f.name);

/** The shipped breast-cancer rows (features only), as numbers. */
const dataRows: number[][] = readFileSync(resolve(ROOT, 'models/data/breast-cancer-wisconsin.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').slice(0, FEATURES.length).map(Number));

/** A malformed CSV line and the reason a rejection must name. */
export interface BadLine {
  readonly line: (id: string, good: string) => string;
  readonly reason: RegExp;
}

export const BAD_LINES: readonly BadLine[] = [
  { line: (id, good) => `${id},${good.replace(/^[^,]+/, 'abc')}`, reason: /not a number: "abc"/ },
  { line: (id, good) => `${id},${good.split(',').slice(1).join(',')}`, reason: /fields/ },
  { line: (id, good) => `${id},${good},42`, reason: /fields/ },
  { line: (id, good) => `${id},"${good}`, reason: /quot/i },
  { line: (id, good) => `${id},${good.replace(/^[^,]+/, '')}`, reason: /empty value/ },
  { line: (id, good) => `${id},${good.replace(/^[^,]+/, '1e999')}`, reason: /finite/ },
];

export interface GeneratedCsv {
  readonly text: string;
  /** ids of the good rows, in input order. */
  readonly goodIds: string[];
  /** Good rows as named instances, by id. */
  readonly instances: Map<string, Record<string, number>>;
  /** ids of the bad rows with the reason their rejection must give. */
  readonly bad: Map<string, RegExp>;
  readonly rows: number;
}

/** `rows` data rows with an `id` column; every `badEvery`-th row is malformed, cycling through BAD_LINES. */
export function generateCsv(rows: number, badEvery = 0): GeneratedCsv {
  const lines = [['id', ...FEATURES].join(',')];
  const goodIds: string[] = [];
  const instances = new Map<string, Record<string, number>>();
  const bad = new Map<string, RegExp>();
  for (let i = 0; i < rows; i++) {
    const id = `r${i}`;
    const values = dataRows[i % dataRows.length]!;
    const good = values.join(',');
    if (badEvery && i % badEvery === badEvery - 1) {
      const kind = BAD_LINES[bad.size % BAD_LINES.length]!;
      lines.push(kind.line(id, good));
      bad.set(id, kind.reason);
    } else {
      lines.push(`${id},${good}`);
      goodIds.push(id);
      instances.set(id, Object.fromEntries(FEATURES.map((f, j) => [f, values[j]!])));
    }
  }
  return { text: `${lines.join('\n')}\n`, goodIds, instances, bad, rows };
}

import { Random } from './random.ts';

/** Row indexes of a holdout split, each list ascending so downstream order never depends on the shuffle. */
export interface Split {
  readonly train: number[];
  readonly holdout: number[];
}

const ascending = (a: number, b: number): number => a - b;

/** Holds out `fraction` of the rows of every class, so small classes are represented on both sides. */
export function stratifiedSplit(labels: readonly string[], fraction: number, seed: number): Split {
  const random = new Random(seed);
  const train: number[] = [];
  const holdout: number[] = [];
  for (const cls of [...new Set(labels)].sort()) {
    const rows = random.shuffle(labels.flatMap((l, i) => (l === cls ? [i] : [])));
    const cut = Math.round(rows.length * fraction);
    holdout.push(...rows.slice(0, cut));
    train.push(...rows.slice(cut));
  }
  return { train: train.sort(ascending), holdout: holdout.sort(ascending) };
}

/** Holds out `fraction` of `n` rows at random. */
export function randomSplit(n: number, fraction: number, seed: number): Split {
  const rows = new Random(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const cut = Math.round(n * fraction);
  return { train: rows.slice(cut).sort(ascending), holdout: rows.slice(0, cut).sort(ascending) };
}

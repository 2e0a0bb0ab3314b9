import { fileURLToPath } from 'node:url';
import { column, numericMatrix, readCsv, type Table } from './data.ts';
import { randomSplit, type Split, stratifiedSplit } from './split.ts';

const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** Every model holds out a fifth of its rows, drawn with this seed. */
export const HOLDOUT_FRACTION = 0.2;
export const SPLIT_SEED = 20261123;

/** Where a data set comes from; repeated in each model.json so a package stands on its own. */
export interface Source {
  readonly file: string;
  readonly citation: string;
}

export const SOURCES = {
  breastCancer: {
    file: 'breast-cancer-wisconsin.csv',
    citation: 'Breast Cancer Wisconsin (Diagnostic), W.H. Wolberg, W.N. Street, O.L. Mangasarian, UCI Machine Learning Repository, 1995 (CC BY 4.0)',
  },
  wine: { file: 'wine.csv', citation: 'Wine, M. Forina et al., UCI Machine Learning Repository, 1991 (CC BY 4.0)' },
  diabetes: {
    file: 'diabetes.csv',
    citation: 'B. Efron, T. Hastie, I. Johnstone, R. Tibshirani, "Least Angle Regression", Annals of Statistics, 2004 (raw, unscaled values)',
  },
} as const satisfies Record<string, Source>;

export interface Dataset {
  readonly source: Source;
  readonly table: Table;
  readonly target: string;
  readonly split: Split;
  /** A human-readable account of the split, for model.json. */
  readonly splitDescription: string;
}

export interface ClassificationData extends Dataset {
  readonly features: readonly string[];
  readonly x: number[][];
  /** Class index of each row into `classes`. */
  readonly y: number[];
  readonly classes: readonly string[];
}

export interface RegressionData extends Dataset {
  readonly y: number[];
}

const describeSplit = (split: Split, how: string): string =>
  `${how} ${100 - HOLDOUT_FRACTION * 100}/${HOLDOUT_FRACTION * 100} holdout (seed ${SPLIT_SEED}): ${split.train.length} training rows, ${split.holdout.length} holdout rows`;

/** Every column but the target is a numeric feature; `classes` fixes the class order (the last is the positive class of a binary task). */
export function loadClassification(source: Source, target: string, classes: readonly string[]): ClassificationData {
  const table = readCsv(DATA_DIR + source.file);
  const labels = column(table, target);
  const y = labels.map((l) => {
    const c = classes.indexOf(l);
    if (c < 0) throw new Error(`${source.file}: unknown ${target} "${l}"`);
    return c;
  });
  const features = table.columns.filter((c) => c !== target);
  const split = stratifiedSplit(labels, HOLDOUT_FRACTION, SPLIT_SEED);
  return { source, table, target, split, splitDescription: describeSplit(split, 'stratified'), features, x: numericMatrix(table, features), y, classes };
}

/** The caller picks and encodes the feature columns (they may be categorical). */
export function loadRegression(source: Source, target: string): RegressionData {
  const table = readCsv(DATA_DIR + source.file);
  const y = numericMatrix(table, [target]).map((row) => row[0]!);
  const split = randomSplit(y.length, HOLDOUT_FRACTION, SPLIT_SEED);
  return { source, table, target, split, splitDescription: describeSplit(split, 'random'), y };
}

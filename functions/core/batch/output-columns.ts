import type ort from 'onnxruntime-node';
import type { ModelPackage } from '../model-package.ts';
import { argmax, labelOf } from '../predictions.ts';

export interface OutputColumn {
  readonly name: string;
  readonly type: 'string' | 'double' | 'int';
}

/** The columns of an output part, and its rows made straight from a run's head tensor. */
export interface OutputShape {
  readonly columns: readonly OutputColumn[];
  /** One row per scored row: [id], prediction fields, model_version; `id(k)` is the k-th scored row's id. */
  rows(results: ort.InferenceSession.ReturnType, count: number, id: (k: number) => unknown): unknown[][];
}

/**
 * Output rows as the friendly prediction has them (label, probability, one probability per class;
 * or label; or value), flattened into columns. Built from the tensor directly: a batch job writes
 * millions of rows, and an object per prediction was a good share of its time.
 */
export function outputShape(pkg: ModelPackage, idColumn: string | undefined): OutputShape {
  const head = pkg.outputs[0]!;
  const version = pkg.version;
  const idColumns: OutputColumn[] = idColumn ? [{ name: idColumn, type: 'string' }] : [];
  const idOf = (id: (k: number) => unknown, k: number) => {
    const v = id(k);
    return v === undefined || v === null ? null : String(v);
  };
  const shape = (fields: OutputColumn[], row: (data: ArrayLike<number | bigint | string>, r: number) => unknown[]): OutputShape => ({
    columns: [...idColumns, ...fields, { name: 'model_version', type: 'string' }],
    rows: (results, count, id) => {
      const data = results[head.name]!.data as ArrayLike<number | bigint | string>;
      const out: unknown[][] = new Array(count);
      for (let r = 0; r < count; r++) out[r] = idColumn ? [idOf(id, r), ...row(data, r), version] : [...row(data, r), version];
      return out;
    },
  });
  switch (head.kind) {
    case 'probabilities': {
      const labels = head.labels!;
      const k = labels.length;
      return shape(
        [{ name: 'label', type: 'string' }, { name: 'probability', type: 'double' }, ...labels.map((l): OutputColumn => ({ name: `probability_${l}`, type: 'double' }))],
        (data, r) => {
          const p = data as ArrayLike<number>;
          const best = argmax(p, r, k);
          const row: unknown[] = [labels[best], p[r * k + best]];
          for (let c = 0; c < k; c++) row.push(p[r * k + c]);
          return row;
        },
      );
    }
    case 'label':
      return shape([{ name: 'label', type: 'string' }], (data, r) => [labelOf(head, data[r]!)]);
    case 'value':
      return shape([{ name: 'value', type: 'double' }], (data, r) => [data[r]]);
  }
}

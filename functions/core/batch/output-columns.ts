import type ort from 'onnxruntime-node';
import type { ModelPackage } from '../model-package.ts';
import { argmax, labelOf } from '../predictions.ts';

export interface OutputColumn {
  readonly name: string;
  readonly type: 'string' | 'double' | 'int';
  /** Never null (every prediction field and the version; not the id). */
  readonly required?: boolean;
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
    // A Parquet timestamp id keeps its milliseconds and zone (String(date) would drop both).
    return v === undefined || v === null ? null : v instanceof Date ? v.toISOString() : String(v);
  };
  /** `fill` writes a row's prediction fields into `row` from index `at`: one array per output row, nothing else allocated. */
  const shape = (fields: OutputColumn[], fill: (row: unknown[], at: number, data: ArrayLike<number | bigint | string>, r: number) => void): OutputShape => {
    const written = [...fields.map((f) => f.name), 'model_version'];
    // Two columns of one name: JSON Lines would keep one, Parquet and CSV readers would take the wrong one.
    if (idColumn !== undefined && written.includes(idColumn)) {
      throw new Error(`the id column "${idColumn}" has the name of an output column (${written.join(', ')}): pass another column through, or rename it in the input`);
    }
    return {
      columns: [...idColumns, ...fields.map((f) => ({ ...f, required: true })), { name: 'model_version', type: 'string', required: true }],
      rows: (results, count, id) => {
        const data = results[head.name]!.data as ArrayLike<number | bigint | string>;
        const at = idColumn ? 1 : 0;
        const width = at + fields.length + 1;
        const out: unknown[][] = new Array(count);
        for (let r = 0; r < count; r++) {
          const row = new Array<unknown>(width);
          if (idColumn) row[0] = idOf(id, r);
          fill(row, at, data, r);
          row[width - 1] = version;
          out[r] = row;
        }
        return out;
      },
    };
  };

  switch (head.kind) {
    case 'probabilities': {
      const labels = head.labels!;
      const k = labels.length;
      return shape(
        [{ name: 'label', type: 'string' }, { name: 'probability', type: 'double' }, ...labels.map((l): OutputColumn => ({ name: `probability_${l}`, type: 'double' }))],
        (row, at, data, r) => {
          const p = data as ArrayLike<number>;
          const best = argmax(p, r, k);
          row[at] = labels[best];
          row[at + 1] = p[r * k + best];
          for (let c = 0; c < k; c++) row[at + 2 + c] = p[r * k + c];
        },
      );
    }
    case 'label':
      return shape([{ name: 'label', type: 'string' }], (row, at, data, r) => {
        row[at] = labelOf(head, data[r]!);
      });
    case 'value':
      return shape([{ name: 'value', type: 'double' }], (row, at, data, r) => {
        row[at] = data[r];
      });
  }
}

import type ort from 'onnxruntime-node';
import type { Model } from '../model.ts';
import type { ModelPackage } from '../model-package.ts';
import { argmax, labelOf } from '../predictions.ts';
import type { PartBlock, PartColumn } from './formats/part-writer.ts';

/** How scores are written: `float` when the model answers in float32, as most do, `double` otherwise. */
export type ScoreType = 'float' | 'double';

/** The score type of the model's head output, from its graph. */
export function scoreTypeOf(model: Model): ScoreType {
  const head = model.session.outputMetadata.find((m) => m.name === model.pkg.outputs[0]!.name);
  return head?.isTensor && head.type === 'float32' ? 'float' : 'double';
}

/** The columns of an output part, and its rows made straight from a run's head tensor. */
export interface OutputShape {
  readonly columns: readonly PartColumn[];
  /** The `count` scored rows as a block: [id], prediction fields, model_version; `id(k)` is the k-th scored row's id. */
  block(results: ort.InferenceSession.ReturnType, count: number, id: (k: number) => unknown): PartBlock;
}

type Scores = Float32Array | Float64Array;

/**
 * Output rows as the friendly prediction has them (label, probability, one probability per class;
 * or label; or value), flattened into columns and built from the tensor directly: a batch job
 * writes millions of rows, and an object, then an array, per row was a good share of its time.
 */
export function outputShape(pkg: ModelPackage, idColumn: string | undefined, scoreType: ScoreType): OutputShape {
  const head = pkg.outputs[0]!;
  const version = pkg.version;
  const Typed = scoreType === 'float' ? Float32Array : Float64Array;
  const idColumns: PartColumn[] = idColumn ? [{ name: idColumn, type: 'string' }] : [];
  const idOf = (v: unknown) =>
    // A Parquet timestamp id keeps its milliseconds and zone (String(date) would drop both).
    v === undefined || v === null ? null : v instanceof Date ? v.toISOString() : String(v);
  /** `fill` returns the prediction fields' columns of rows [0, count): nothing is allocated per row. */
  const shape = (fields: PartColumn[], fill: (data: ArrayLike<number | bigint | string>, count: number) => ArrayLike<unknown>[]): OutputShape => {
    const written = [...fields.map((f) => f.name), 'model_version'];
    // Two columns of one name: JSON Lines would keep one, Parquet and CSV readers would take the wrong one.
    if (idColumn !== undefined && written.includes(idColumn)) {
      throw new Error(`the id column "${idColumn}" has the name of an output column (${written.join(', ')}): pass another column through, or rename it in the input`);
    }
    return {
      columns: [...idColumns, ...fields.map((f) => ({ ...f, required: true })), { name: 'model_version', type: 'string', required: true }],
      block: (results, count, id) => {
        const data = results[head.name]!.data as ArrayLike<number | bigint | string>;
        const ids = idColumn ? [Array.from({ length: count }, (_, k) => idOf(id(k)))] : [];
        return { rows: count, values: [...ids, ...fill(data, count), new Array<string>(count).fill(version)] };
      },
    };
  };

  switch (head.kind) {
    case 'probabilities': {
      const labels = head.labels!;
      const k = labels.length;
      return shape(
        [{ name: 'label', type: 'string' }, { name: 'probability', type: scoreType }, ...labels.map((l): PartColumn => ({ name: `probability_${l}`, type: scoreType }))],
        (data, count) => {
          const p = data as ArrayLike<number>;
          const label = new Array<string>(count);
          const best: Scores = new Typed(count);
          const perClass: Scores[] = labels.map(() => new Typed(count));
          for (let r = 0; r < count; r++) {
            const b = argmax(p, r, k);
            label[r] = labels[b]!;
            best[r] = p[r * k + b]!;
            for (let c = 0; c < k; c++) perClass[c]![r] = p[r * k + c]!;
          }
          return [label, best, ...perClass];
        },
      );
    }
    case 'label':
      return shape([{ name: 'label', type: 'string' }], (data, count) => [Array.from({ length: count }, (_, r) => labelOf(head, data[r]!))]);
    case 'value':
      // An int64 value stays a BigInt, written exactly; a float one is copied into the score type's array.
      return shape([{ name: 'value', type: scoreType }], (data, count) => [
        data instanceof Float32Array || data instanceof Float64Array ? new Typed(data.subarray(0, count)) : Array.prototype.slice.call(data, 0, count),
      ]);
  }
}

import type { ModelPackage } from '../model-package.ts';
import type { Prediction } from '../predictions.ts';

export interface OutputColumn {
  readonly name: string;
  readonly type: 'string' | 'double' | 'int';
}

/** The columns of an output part and how a prediction fills them: [id], prediction fields, model_version. */
export interface OutputShape {
  readonly columns: readonly OutputColumn[];
  row(id: unknown, prediction: Prediction): unknown[];
}

export function outputShape(pkg: ModelPackage, idColumn: string | undefined): OutputShape {
  const head = pkg.outputs[0]!;
  const idColumns: OutputColumn[] = idColumn ? [{ name: idColumn, type: 'string' }] : [];
  const version = pkg.version;
  const withId = (id: unknown, values: unknown[]) => (idColumn ? [id === undefined || id === null ? null : String(id), ...values, version] : [...values, version]);
  switch (head.kind) {
    case 'probabilities': {
      const labels = head.labels!;
      return {
        columns: [
          ...idColumns,
          { name: 'label', type: 'string' },
          { name: 'probability', type: 'double' },
          ...labels.map((l): OutputColumn => ({ name: `probability_${l}`, type: 'double' })),
          { name: 'model_version', type: 'string' },
        ],
        row: (id, p) => {
          const c = p as Extract<Prediction, { probabilities: unknown }>;
          return withId(id, [c.label, c.probability, ...labels.map((l) => c.probabilities[l])]);
        },
      };
    }
    case 'label':
      return {
        columns: [...idColumns, { name: 'label', type: 'string' }, { name: 'model_version', type: 'string' }],
        row: (id, p) => withId(id, [(p as { label: string }).label]),
      };
    case 'value':
      return {
        columns: [...idColumns, { name: 'value', type: 'double' }, { name: 'model_version', type: 'string' }],
        row: (id, p) => withId(id, [(p as { value: number }).value]),
      };
  }
}

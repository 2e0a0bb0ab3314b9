import type { ModelPackage } from '../model-package.ts';
import { argmax, labelOf } from '../predictions.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumbers = (v: unknown, length: number): v is number[] => Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number');

/** Class probabilities in label order, from an array or from an object keyed by label. */
function probabilitiesOf(value: unknown, labels: readonly string[]): number[] | undefined {
  if (isNumbers(value, labels.length)) return value;
  if (!isRecord(value)) return undefined;
  const ordered = labels.map((l) => value[l]);
  return isNumbers(ordered, labels.length) ? ordered : undefined;
}

/**
 * One row of a container's answer as the predict function's friendly prediction (`{label, probability,
 * probabilities}`, `{label}` or `{value}`, after the model.json head output), so that capture records of
 * both fronts read alike to the drift and label-quality jobs. Containers answer in their own form: the
 * friendly one, an object keyed by output name, or the head output's bare value. Any other answer is
 * returned as it came: the record keeps what the caller got.
 */
export function friendlyPrediction(pkg: Pick<ModelPackage, 'outputs'>, answer: unknown): unknown {
  const head = pkg.outputs[0]!;
  const value = isRecord(answer) && head.name in answer ? answer[head.name] : answer;
  switch (head.kind) {
    case 'probabilities': {
      const labels = head.labels ?? [];
      const p = probabilitiesOf(isRecord(value) && 'probabilities' in value ? value.probabilities : value, labels);
      if (p) {
        const best = argmax(p, 0, labels.length);
        return { label: labels[best]!, probability: p[best]!, probabilities: Object.fromEntries(labels.map((l, i) => [l, p[i]!])) };
      }
      if (isRecord(value) && typeof value.label === 'string') {
        return typeof value.probability === 'number' ? { label: value.label, probability: value.probability } : { label: value.label };
      }
      return answer;
    }
    case 'label': {
      const label = isRecord(value) ? value.label : value;
      return typeof label === 'string' || typeof label === 'number' ? { label: labelOf(head, label) } : answer;
    }
    case 'value': {
      const v = isRecord(value) ? value.value : Array.isArray(value) && value.length === 1 ? value[0] : value;
      return typeof v === 'number' ? { value: v } : answer;
    }
  }
}

import { describe, expect, it } from 'vitest';
import { RequestCapture } from '../../../../functions/core/capture/request-capture.ts';
import { assignmentsWithOutcomes } from '../../../../functions/core/experiments/assignments.ts';
import { loadModel } from '../../../../functions/core/load.ts';
import type { Model } from '../../../../functions/core/model.ts';
import { workspace } from '../../../support/batch-job.ts';
import { MODELS, ROOT, model, readPackage } from '../../../support/models.ts';

const example = readPackage(MODELS.breastCancer).examples[0]!;

/** Requests r0..r9 served by 1.0.0 (even) and 1.1.0 (odd), mirrored to a shadow version when asked, and outcomes for r0..r5. */
async function recorded({ shadow = false } = {}) {
  const { base, location } = await workspace('local');
  const captures = location(`${base}/captures`);
  const capture = new RequestCapture({ store: captures.store, prefix: captures.key, sampleRate: 1 });
  const versions = [await model(MODELS.breastCancer), await loadModel(`${ROOT}/models/breast-cancer/1.1.0`)];
  const candidate = { ...versions[0]!, version: '2.0.0' } as Model;
  for (let i = 0; i < 10; i++) {
    const primary = versions[i % 2]!;
    capture.add(primary, `r${i}`, [example.instance], [example.prediction as never]);
    // A shadow record carries the request's id, model and primary version, under the same capture root.
    if (shadow) capture.addShadow(`r${i}`, { primary, candidate, instances: [example.instance], predictions: [example.prediction as never], answers: [example.prediction as never], primaryLatencyMs: 1, latencyMs: 1 });
  }
  await capture.flush();
  const outcomes = location(`${base}/outcomes`);
  await outcomes.store.write(`${outcomes.key}/day.jsonl`, [0, 1, 2, 3, 4, 5].map((i) => JSON.stringify({ requestId: `r${i}`, value: i % 3 === 0 ? 1 : 0 })).join('\n'));
  return { captures, outcomes };
}

describe('A/B rows from captured requests and their outcomes', () => {
  it('takes each request\'s served version as its variant and its outcome as its value', async () => {
    const { captures, outcomes } = await recorded();
    const rows = await assignmentsWithOutcomes(captures, outcomes);
    const pairs = rows.variants.map((v, i) => `${v}:${rows.values[i]}`).sort();
    expect(pairs).toEqual(['1.0.0:0', '1.0.0:0', '1.0.0:1', '1.1.0:0', '1.1.0:0', '1.1.0:1'].sort());
  });

  it('counts a request without an outcome as 0 when asked', async () => {
    const { captures, outcomes } = await recorded();
    const rows = await assignmentsWithOutcomes(captures, outcomes, { missingOutcome: 'zero' });
    expect(rows.variants).toHaveLength(10);
    expect(Array.from(rows.values).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('counts a request once when a shadow version also scored it', async () => {
    const { captures, outcomes } = await recorded({ shadow: true });
    const rows = await assignmentsWithOutcomes(captures, outcomes, { missingOutcome: 'zero' });
    expect(rows.variants.filter((v) => v === '1.0.0')).toHaveLength(5);
    expect(rows.variants.filter((v) => v === '1.1.0')).toHaveLength(5);
    expect(rows.rejectedRows).toBe(0);
  });
});

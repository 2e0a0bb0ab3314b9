import { describe, expect, it } from 'vitest';
import { replay } from '../../../../functions/core/compare/replay.ts';
import { loadModel } from '../../../../functions/core/load.ts';
import { generateCsv } from '../../../support/batch-data.ts';
import { MODELS, ROOT, model } from '../../../support/models.ts';

const data = generateCsv(569);
const instances = data.goodIds.map((id) => data.instances.get(id)!);
const batches = (rows: readonly unknown[]) =>
  (async function* () {
    yield rows;
  })();

describe('replaying captured traffic through two versions', () => {
  it('finds no difference between a version and itself', async () => {
    const m = await model(MODELS.breastCancer);
    const r = await replay(m, m, batches(instances));
    expect(r).toMatchObject({ rows: 569, rejected: 0, transitions: {}, comparison: { agreement: 1, meanAbsDiff: 0, maxAbsDiff: 0 } });
  });

  it('counts the labels that move to the candidate, and agrees with scoring each version directly', async () => {
    const current = await model(MODELS.breastCancer);
    const candidate = await loadModel(`${ROOT}/models/breast-cancer/1.1.0`);
    const r = await replay(current, candidate, batches(instances));
    const a = await current.predict(instances);
    const b = await candidate.predict(instances);
    const moved = a.filter((p, i) => (p as { label: string }).label !== (b[i] as { label: string }).label).length;
    expect(Object.values(r.transitions).reduce((s, n) => s + n, 0)).toBe(moved);
    expect(r.comparison.agreement).toBeCloseTo(1 - moved / 569, 12);
    expect(r.comparison.meanAbsDiff).toBeGreaterThan(0);
  });

  it('leaves out only the rows that cannot be scored, with their reasons', async () => {
    const m = await model(MODELS.breastCancer);
    const rows = [instances[0], { ...instances[1], mean_radius: 'big' }, instances[2]];
    const r = await replay(m, m, batches(rows));
    expect(r.rows).toBe(2);
    expect(r.rejected).toBe(1);
    expect(r.rejectReasons).toEqual(['instances[0].mean_radius: expected a number, got the string "big"']);
  });
});

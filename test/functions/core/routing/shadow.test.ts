import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../../functions/core/load.ts';
import { Shadow, type ShadowOutcome } from '../../../../functions/core/routing/shadow.ts';
import { MODELS, ROOT, model, readPackage } from '../../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
const instances = pkg.examples.map((e) => e.instance);
const predictions = pkg.examples.map((e) => e.prediction) as never[];

type Loaded = Awaited<ReturnType<typeof model>>;
const request = (primary: Loaded) => ({ primary, instances, predictions, primaryLatencyMs: 1.5 });

const outcome = (shadow: Shadow, primary: Loaded) => new Promise<ShadowOutcome>((resolve) => shadow.mirror(request(primary), resolve));

describe('shadow scoring', () => {
  it('returns at once and scores the mirror later, comparing with the primary', async () => {
    const primary = await model(MODELS.breastCancer);
    const outcomes: ShadowOutcome[] = [];
    const shadow = new Shadow(await loadModel(`${ROOT}/models/breast-cancer/1.1.0`), (o) => outcomes.push(o));
    shadow.mirror(request(primary));
    expect(outcomes).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(outcomes).toHaveLength(1);
    const { comparison, latencyMs, error, answers, primaryLatencyMs } = outcomes[0]!;
    expect(error).toBeUndefined();
    expect(answers).toHaveLength(instances.length);
    expect(primaryLatencyMs).toBe(1.5);
    expect(comparison!.rows).toBe(instances.length);
    expect(comparison!.agreement).toBeGreaterThanOrEqual(0);
    expect(comparison!.meanAbsDiff).toBeGreaterThan(0);
    expect(latencyMs).toBeGreaterThan(0);
  });

  it('reports a failing candidate as an error, and nothing reaches the caller', async () => {
    const primary = await model(MODELS.breastCancer);
    const broken = await loadModel(`${ROOT}/models/breast-cancer/1.1.0`);
    await broken.session.release();
    const result = await outcome(new Shadow(broken, () => {}), primary);
    expect(result.error).toBeInstanceOf(Error);
    expect(result.comparison).toBeUndefined();
  });

  it('swallows a report that throws, and still tells the request its outcome', async () => {
    const primary = await model(MODELS.breastCancer);
    const shadow = new Shadow(await loadModel(`${ROOT}/models/breast-cancer/1.1.0`), () => {
      throw new Error('metrics backend down');
    });
    const told = await outcome(shadow, primary);
    expect(told.comparison!.rows).toBe(instances.length);
  });
});

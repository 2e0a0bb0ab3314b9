import { describe, expect, it } from 'vitest';
import { analyze, type Row } from '../../../../functions/core/experiments/analyze.ts';
import { decide, promoteWinner } from '../../../../functions/core/experiments/winner.ts';
import { Random } from '../../../../models/build/random.ts';
import { twoVersionRegistry } from '../../../support/registry.ts';

/** `perVariant` users per variant, interleaved, each converting with its variant's rate (seeded). */
function rows(perVariant: number, rates: Record<string, number>, seed = 7): Row[] {
  const random = new Random(seed);
  const out: Row[] = [];
  for (let i = 0; i < perVariant; i++) for (const [variant, rate] of Object.entries(rates)) out.push({ variant, value: random.next() < rate ? 1 : 0 });
  return out;
}

describe('the sequential winner', () => {
  it('names the treatment when the sequential test finds it conclusively better', () => {
    const decision = decide(analyze(rows(20_000, { '1.0.0': 0.1, '1.1.0': 0.13 })));
    expect(decision.winner).toBe('1.1.0');
    expect(decision.reason).toMatch(/^1\.1\.0 is conclusively better than 1\.0\.0 \(always-valid p = /);
  });

  it('names no winner while the test is not conclusive', () => {
    const decision = decide(analyze(rows(2_000, { '1.0.0': 0.1, '1.1.0': 0.1 })));
    expect(decision).toEqual({ reason: 'the sequential test is not conclusive yet: keep the experiment running' });
  });

  it('keeps the control when the treatment is conclusively worse, and flips with a metric meant to decrease', () => {
    const analysis = analyze(rows(20_000, { '1.0.0': 0.13, '1.1.0': 0.1 }));
    expect(decide(analysis).winner).toBe('1.0.0');
    expect(decide(analysis, 'decrease').winner).toBe('1.1.0');
  });

  it('names no winner when the split is broken, however strong the evidence', () => {
    const skewed = [...rows(20_000, { '1.0.0': 0.1, '1.1.0': 0.13 }), ...rows(3_000, { '1.0.0': 0.1 }, 8)];
    const analysis = analyze(skewed);
    expect(analysis.srm.mismatch).toBe(true);
    expect(decide(analysis).winner).toBeUndefined();
    expect(decide(analysis).reason).toMatch(/^sample ratio mismatch/);
  });

  it('names no winner when two treatments each beat the control', () => {
    const decision = decide(analyze(rows(20_000, { '1.0.0': 0.1, '1.1.0': 0.13, '1.2.0': 0.13 })));
    expect(decision).toEqual({ reason: '1.1.0 and 1.2.0 each beat 1.0.0; they were not compared with each other, so none is declared the winner' });
  });
});

describe('promoting the winner through the registry', () => {
  const registry = async () => (await twoVersionRegistry()).registry;

  it('moves production to the winner and says what changed', async () => {
    const r = await registry();
    const promotion = await promoteWinner(r, 'breast-cancer', { winner: '1.1.0', reason: '1.1.0 is conclusively better than 1.0.0' });
    expect(promotion).toMatchObject({ promoted: true, change: { from: '1.0.0', to: '1.1.0' } });
    expect(promotion.reason).toBe('1.1.0 is conclusively better than 1.0.0; breast-cancer: production 1.0.0 -> 1.1.0');
    expect((await r.production('breast-cancer'))!.version).toBe('1.1.0');
  });

  it('leaves production alone without a winner, or when the winner is already production', async () => {
    const r = await registry();
    expect(await promoteWinner(r, 'breast-cancer', { reason: 'not conclusive' })).toEqual({ promoted: false, reason: 'not conclusive' });
    expect(await promoteWinner(r, 'breast-cancer', { winner: '1.0.0', reason: 'control holds' })).toMatchObject({ promoted: false, reason: 'control holds; breast-cancer: production is already 1.0.0 (unchanged)' });
    expect((await r.production('breast-cancer'))!.version).toBe('1.0.0');
  });

  it('refuses a winner that is not a registered version', async () => {
    await expect(promoteWinner(await registry(), 'breast-cancer', { winner: 'treatment', reason: 'x' })).rejects.toThrow(/breast-cancer treatment is not registered/);
  });
});

import { describe, expect, it } from 'vitest';
import { Random } from '../../../models/build/random.ts';
import { randomSplit, stratifiedSplit } from '../../../models/build/split.ts';

const labels = [...Array(90).fill('a'), ...Array(10).fill('b')] as string[];

describe('holdout splits', () => {
  it('draws the same stream from the same seed and a different one from another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((r) => () => r.next())(new Random(seed)));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('holds out the same fraction of every class, disjoint from training and covering all rows', () => {
    const { train, holdout } = stratifiedSplit(labels, 0.2, 1);
    expect(holdout.filter((i) => labels[i] === 'a')).toHaveLength(18);
    expect(holdout.filter((i) => labels[i] === 'b')).toHaveLength(2);
    expect([...train, ...holdout].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
  });

  it('returns ascending indexes and repeats itself for a seed', () => {
    const a = stratifiedSplit(labels, 0.2, 7);
    expect(a).toEqual(stratifiedSplit(labels, 0.2, 7));
    expect(a.holdout).toEqual([...a.holdout].sort((x, y) => x - y));
    expect(a).not.toEqual(stratifiedSplit(labels, 0.2, 8));
  });

  it('splits unlabelled rows at random by fraction', () => {
    const { train, holdout } = randomSplit(442, 0.2, 3);
    expect(holdout).toHaveLength(88);
    expect(new Set([...train, ...holdout]).size).toBe(442);
  });
});

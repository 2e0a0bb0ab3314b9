import { describe, expect, it } from 'vitest';
import { assignVariant } from '../../../../functions/core/routing/traffic-split.ts';

const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
const shares = (weights: Record<string, number>, model = 'm') => {
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const v = assignVariant({ model, weights }, key);
    counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
};

describe('sticky traffic split', () => {
  it.each([
    [{ a: 50, b: 50 }],
    [{ a: 90, b: 10 }],
    [{ a: 1, b: 1, c: 1 }],
  ])('holds the weights %j within 4 standard deviations over 100,000 keys', (weights) => {
    const total = Object.values(weights).reduce((s, w) => s + w, 0);
    const counts = shares(weights);
    for (const [version, weight] of Object.entries(weights)) {
      const p = weight / total;
      const sd = Math.sqrt(keys.length * p * (1 - p));
      expect(Math.abs(counts[version]! - keys.length * p), `${version}: ${counts[version]} of ${keys.length}`).toBeLessThan(4 * sd);
    }
  });

  it('gives a key the same variant every time, and splits two models independently', () => {
    const first = keys.slice(0, 1000).map((k) => assignVariant({ model: 'm', weights: { a: 50, b: 50 } }, k));
    expect(keys.slice(0, 1000).map((k) => assignVariant({ model: 'm', weights: { a: 50, b: 50 } }, k))).toEqual(first);
    const other = keys.slice(0, 1000).map((k) => assignVariant({ model: 'other', weights: { a: 50, b: 50 } }, k));
    const same = other.filter((v, i) => v === first[i]).length;
    expect(same).toBeGreaterThan(400);
    expect(same).toBeLessThan(600);
  });

  it('keeps most callers on their variant when a third variant takes a share', () => {
    const before = keys.map((k) => assignVariant({ model: 'm', weights: { a: 90, b: 10 } }, k));
    const after = keys.map((k) => assignVariant({ model: 'm', weights: { a: 80, b: 10, c: 10 } }, k));
    expect(after.filter((v, i) => v !== before[i]).length / keys.length).toBeLessThan(0.25);
  });

  it('draws a request without a key at random', () => {
    expect(assignVariant({ model: 'm', weights: { a: 50, b: 50 } }, undefined, () => 0.2)).toBe('a');
    expect(assignVariant({ model: 'm', weights: { a: 50, b: 50 } }, undefined, () => 0.7)).toBe('b');
  });
});

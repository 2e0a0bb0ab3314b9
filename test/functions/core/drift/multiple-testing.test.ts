import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../../../functions/core/drift/multiple-testing.ts';

describe('benjaminiHochberg', () => {
  it('reproduces the example of Benjamini & Hochberg (1995), §4', () => {
    // The paper's 15 p-values; at q = 0.05 the procedure rejects the 4 smallest.
    const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];
    // Adjusted by hand: 15·p(i)/i, then the running minimum from the largest down
    // (e.g. the 6th: min(15·.0278/6 = .0695, 15·.0298/7 = .063857) = .063857). Same as R's p.adjust(p, "BH").
    const expected = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.063857, 0.063857, 0.0645, 0.0765, 0.486, 0.581182, 0.714875, 0.753231, 0.813214, 1];
    const adjusted = benjaminiHochberg(p);
    adjusted.forEach((a, i) => expect(a, `p(${i + 1})`).toBeCloseTo(expected[i]!, 6));
    expect(adjusted.filter((a) => a < 0.05)).toHaveLength(4);
  });

  it('keeps the input order and caps at 1', () => {
    expect(benjaminiHochberg([0.04, 0.01, 0.9])).toEqual([0.06, 0.03, 0.9]);
    expect(benjaminiHochberg([0.8, 0.9])).toEqual([0.9, 0.9]);
    expect(benjaminiHochberg([])).toEqual([]);
  });
});

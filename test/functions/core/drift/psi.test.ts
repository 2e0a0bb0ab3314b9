import { describe, expect, it } from 'vitest';
import { psi, PSI_EPSILON } from '../../../../functions/core/drift/psi.ts';

describe('psi', () => {
  it('is computed by hand on four bins', () => {
    // Reference shares .25 each, current .1, .2, .3, .4:
    //   (.1−.25)·ln(.1/.25) = −.15·−0.9162907 = 0.1374436
    //   (.2−.25)·ln(.2/.25) = −.05·−0.2231436 = 0.0111572
    //   (.3−.25)·ln(.3/.25) =  .05· 0.1823216 = 0.0091161
    //   (.4−.25)·ln(.4/.25) =  .15· 0.4700036 = 0.0705005
    // PSI = 0.2282174
    expect(psi([25, 25, 25, 25], [10, 20, 30, 40])).toBeCloseTo(0.2282174, 6);
    expect(psi([5, 5, 5, 5], [1, 2, 3, 4])).toBeCloseTo(0.2282174, 6);
  });

  it('is symmetric in its arguments and 0 for equal shares', () => {
    expect(psi([10, 20, 30, 40], [25, 25, 25, 25])).toBeCloseTo(psi([25, 25, 25, 25], [10, 20, 30, 40]), 12);
    expect(psi([1, 2, 3], [10, 20, 30])).toBe(0);
  });

  it('puts epsilon in place of an empty bin', () => {
    // Reference .5, .5, 0 → .5, .5, 1e-4; current .4, .4, .2:
    //   2·(−.1)·ln(.8) = 0.044629;  (.2 − 1e-4)·ln(.2/1e-4) = 0.1999·7.600902 = 1.519420.  PSI = 1.564049
    expect(PSI_EPSILON).toBe(1e-4);
    expect(psi([50, 50, 0], [40, 40, 20])).toBeCloseTo(1.564049, 5);
    expect(psi([0, 0], [1, 1])).toBe(0);
  });
});

import { Random } from '../../../../models/build/random.ts';

/** Seeded data for the drift specifications: the same numbers on every machine and every run. */

/** The build's seeded generator, with a normal draw that uses both halves of each Box–Muller pair. */
export class Rng extends Random {
  private spare = NaN;

  /** Standard normal by Box–Muller, using both the cosine and the sine of each pair. */
  override normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** n normals with mean `shift` (in SDs) and SD 1. */
  normals(n: number, shift = 0): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() + shift;
    return out;
  }
}

/** `features` independent standard-normal columns x0..x{k-1}; `shifts` moves some of them by a number of SDs. */
export function normalColumns(rng: Rng, rows: number, features: number, shifts: Readonly<Record<string, number>> = {}): Map<string, Float64Array> {
  const columns = new Map<string, Float64Array>();
  for (let f = 0; f < features; f++) columns.set(`x${f}`, rng.normals(rows, shifts[`x${f}`] ?? 0));
  return columns;
}

export const numericSpecs = (features: number) => Array.from({ length: features }, (_, f) => ({ name: `x${f}`, type: 'numeric' as const }));

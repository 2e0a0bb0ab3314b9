import { describeChange, type PointerChange, type Registry } from '../registry/registry.ts';
import { formatP } from '../reports/html-page.ts';
import type { Analysis } from './analyze.ts';

/** Which way the metric should move: up for conversions and revenue, down for e.g. latency or churn. */
export type Goal = 'increase' | 'decrease';

/** What the sequential test allows one to conclude now. */
export interface Decision {
  /** The variant to ship, when the evidence names one. */
  readonly winner?: string;
  readonly reason: string;
}

/**
 * The winner by the sequential (always-valid) test only, since it is the one that stays valid when
 * the results are checked every day: the single treatment conclusively better than the control, or
 * the control when every treatment is conclusively worse. A broken split (sample ratio mismatch)
 * names no winner, whatever the test says; nor do several treatments that each beat the control,
 * as they were never compared with each other.
 */
export function decide(analysis: Analysis, goal: Goal = 'increase'): Decision {
  if (analysis.srm.mismatch) return { reason: `sample ratio mismatch (p = ${formatP(analysis.srm.pValue)}): the split is broken, no variant can be declared the winner` };
  const better = (d: number) => (goal === 'increase' ? d > 0 : d < 0);
  const control = analysis.comparisons[0]!.control;
  const beat = analysis.comparisons.filter((c) => c.sequential.conclusive && better(c.difference));
  const lost = analysis.comparisons.filter((c) => c.sequential.conclusive && !better(c.difference));
  if (beat.length === 1) return { winner: beat[0]!.treatment, reason: `${beat[0]!.treatment} is conclusively better than ${control} (always-valid p = ${formatP(beat[0]!.sequential.pValue)})` };
  if (beat.length > 1) return { reason: `${beat.map((c) => c.treatment).join(' and ')} each beat ${control}; they were not compared with each other, so none is declared the winner` };
  if (lost.length === analysis.comparisons.length) return { winner: control, reason: `every treatment is conclusively worse than ${control}` };
  return { reason: 'the sequential test is not conclusive yet: keep the experiment running' };
}

/** A decision as one line: `1.1.0 wins: …` or `no winner: …`. */
export const describeDecision = (d: Decision): string => `${d.winner ? `${d.winner} wins` : 'no winner'}: ${d.reason}`;

export interface Promotion {
  readonly promoted: boolean;
  readonly reason: string;
  readonly change?: PointerChange;
}

/** Points the model's production at the winner, when there is one; the variants are the model's versions. */
export async function promoteWinner(registry: Registry, model: string, decision: Decision): Promise<Promotion> {
  if (!decision.winner) return { promoted: false, reason: decision.reason };
  const change = await registry.promote(model, decision.winner);
  return { promoted: change.changed, reason: `${decision.reason}; ${describeChange(change)}`, change };
}

/** A promotion as one line: `done: …` or `none: …`. */
export const describePromotion = (p: Promotion): string => `${p.promoted ? 'done' : 'none'}: ${p.reason}`;

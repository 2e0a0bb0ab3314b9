import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openLocation } from '../functions/core/storage/location.ts';
import { Command, InvalidArgumentError } from 'commander';
import type { Analysis } from '../functions/core/experiments/analyze.ts';
import type { Goal, Promotion } from '../functions/core/experiments/winner.ts';
import { parseCommandLine } from '../local/command-line.ts';

/**
 * `npm run ab`: an A/B test's statistics from its rows (variant, value) in a file or under an S3
 * prefix: the fixed-horizon test, intervals of the difference and the lift, the sequential (always
 * valid) verdict and the sample-ratio check, as a table, JSON or an HTML report; or, with --plan, the
 * sample size to plan for. With --promote (off by default), the sequential test's winner becomes the
 * model's production version in the registry.
 */

/** A problem with the arguments or the inputs: exit status 2, with the message. */
class UsageError extends Error {}

const probability = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number between 0 and 1`);
  return n;
};

const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

const positive = (name: string) => (value: string) => {
  const n = number(name)(value);
  if (!(n > 0)) throw new InvalidArgumentError(`${name} must be positive`);
  return n;
};

/** `50,50` (in the order of the variants as reported, control first) or `control=50,b=50`. */
function weights(value: string): number[] | Record<string, number> {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length < 2) throw new InvalidArgumentError('--weights needs one weight per variant, e.g. 50,50 or control=90,treatment=10');
  const named = parts.every((p) => p.includes('='));
  if (!named && parts.some((p) => p.includes('='))) throw new InvalidArgumentError('--weights: give all weights by name or none');
  const weight = (s: string) => {
    const n = Number(s);
    if (!(n > 0) || s === '') throw new InvalidArgumentError(`--weights: "${s}" is not a positive number`);
    return n;
  };
  if (!named) return parts.map(weight);
  return Object.fromEntries(parts.map((p) => [p.slice(0, p.lastIndexOf('=')).trim(), weight(p.slice(p.lastIndexOf('=') + 1).trim())]));
}

const program = new Command('ab')
  .description(
    'Analyze an A/B test from rows "variant,value" (CSV with a header, JSON Lines, Parquet, gzip; a file, folder or s3:// prefix): ' +
      'two-proportion z-test (conversion, values 0/1) or Welch t-test (mean), intervals of the difference and relative lift, ' +
      'a sample-ratio-mismatch check, and the mixture SPRT whose always-valid p-value may be checked at any time. ' +
      'Or, with --plan, the sample size per variant.',
  )
  .option('--input <path>', 'rows: file, folder or s3://bucket/prefix')
  .option('--captures <path>', 'instead of --input: captured requests (their version is the variant), joined with --outcomes by request id')
  .option('--outcomes <path>', 'with --captures: outcome records {requestId, index?, value}')
  .option('--model <name>', 'with --captures: only this model\'s requests; with --promote: the model whose versions the variants are')
  .option('--missing-outcome <how>', "with --captures: a request without an outcome is dropped ('drop') or counts as 0 ('zero')", 'drop')
  .option('--metric <kind>', 'conversion (0/1 values) or mean (any number); default: conversion when every value is 0 or 1')
  .option('--control <name>', 'the control variant (default: the first variant in the rows)')
  .option('--weights <list>', 'expected traffic shares for the sample-ratio check: 50,50 (control first, then in order of appearance) or a=50,b=50 (default: equal)', weights)
  .option('--alpha <p>', 'significance level, two-sided (default 0.05)', probability('--alpha'))
  .option('--variant-column <name>', 'column naming the variant (default "variant")')
  .option('--value-column <name>', 'column holding the value (default "value")')
  .option('--time-column <name>', 'order rows by this column (numbers or ISO dates) for the sequential evidence; file order otherwise')
  .option('--tuning <n>', 'rows per variant at which the sequential test is most sensitive; the planned sample size is a good choice (default 5000)', positive('--tuning'))
  .option('--report <file>', 'write a self-contained HTML report with plots')
  .option('--json', 'print the analysis as JSON on stdout, nothing else')
  .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// locations (MinIO, moto, LocalStack...)')
  .option('--goal <direction>', "which way the metric should move: 'increase' (conversions, revenue) or 'decrease' (latency, churn)", 'increase')
  .option('--promote', 'when the sequential test names a winner, make it production in the registry (variants are versions of --model); off by default')
  .option('--registry <location>', 'with --promote: registry root, a folder or s3://bucket/prefix (default: $MODEL_REGISTRY)')
  .option('--plan', 'plan a sample size instead of analyzing: --baseline and --mde (conversion) or --sd and --mde (mean)')
  .option('--baseline <rate>', 'with --plan: the control conversion rate, e.g. 0.10', probability('--baseline'))
  .option('--mde <delta>', 'with --plan: minimum detectable effect as an ABSOLUTE difference (0.01 = 10% → 11%; not relative)', number('--mde'))
  .option('--sd <sigma>', 'with --plan --metric mean: standard deviation of one value', positive('--sd'))
  .option('--power <p>', 'with --plan: power (default 0.8)', probability('--power'))
  .addHelpText(
    'after',
    '\nExit status: 0 when the analysis ran, whatever it found (read "significant", "sequential.conclusive", "srm.mismatch" and "decision");\n' +
      '2 for bad arguments, inputs that cannot be read or analyzed, or a winner the registry cannot promote.\n\n' +
      'The fixed-horizon p-value is valid once, at a sample size planned in advance; the sequential (mSPRT) p-value stays valid\n' +
      'when the results are checked every day and the test stopped as soon as it is below alpha.\n\n' +
      'Examples:\n' +
      '  npm run ab -- --input results.csv\n' +
      '  npm run ab -- --input s3://bucket/experiments/checkout/ --control old --report ab.html\n' +
      '  npm run ab -- --input revenue.parquet --metric mean --time-column ts --json\n' +
      '  npm run ab -- --captures s3://bucket/captures/ --outcomes s3://bucket/outcomes/ --model breast-cancer --promote --registry s3://bucket/registry\n' +
      '  npm run ab -- --plan --baseline 0.10 --mde 0.01\n' +
      '  npm run ab -- --plan --metric mean --sd 12.5 --mde 0.5 --power 0.9',
  );

interface Options {
  input?: string;
  captures?: string;
  outcomes?: string;
  model?: string;
  missingOutcome: string;
  metric?: string;
  control?: string;
  weights?: number[] | Record<string, number>;
  alpha?: number;
  variantColumn?: string;
  valueColumn?: string;
  timeColumn?: string;
  tuning?: number;
  report?: string;
  json?: boolean;
  endpointUrl?: string;
  goal: string;
  promote?: boolean;
  registry?: string;
  plan?: boolean;
  baseline?: number;
  mde?: number;
  sd?: number;
  power?: number;
}

parseCommandLine(program);
const opts = program.opts<Options>();

const p = (x: number) => (x === 0 ? '< 1e-300' : x < 1e-4 ? x.toExponential(1) : String(Number(x.toPrecision(3))));
const num = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');

async function plan(): Promise<void> {
  const { planMeans, planProportions } = await import('../functions/core/experiments/plan.ts');
  if (opts.input) throw new UsageError('--plan plans a sample size; it reads no --input');
  if (opts.mde === undefined) throw new UsageError('--plan needs --mde (the minimum detectable effect, an absolute difference)');
  const levels = { alpha: opts.alpha, power: opts.power };
  const metric = opts.metric ?? (opts.sd !== undefined ? 'mean' : 'conversion');
  let result: object;
  let text: string;
  try {
    if (metric === 'mean') {
      if (opts.sd === undefined) throw new UsageError('--plan --metric mean needs --sd (the standard deviation of one value)');
      const r = planMeans(opts.sd, opts.mde, levels);
      result = { metric, ...r };
      text = `${r.perArm.toLocaleString('en-US')} per variant (${r.total.toLocaleString('en-US')} total) to detect a change of ${opts.mde} in the mean (SD ${opts.sd}) with ${r.power * 100}% power at alpha ${r.alpha} (two-sided)`;
    } else {
      if (opts.baseline === undefined) throw new UsageError('--plan needs --baseline (the control conversion rate, e.g. 0.10)');
      const r = planProportions(opts.baseline, opts.mde, levels);
      result = { metric: 'conversion', ...r };
      text =
        `${r.perArm.toLocaleString('en-US')} per variant (${r.total.toLocaleString('en-US')} total) to detect ${pct(r.baseline)} → ${pct(r.target)} ` +
        `(absolute MDE ${opts.mde}) with ${r.power * 100}% power at alpha ${r.alpha} (two-sided)\n` +
        `sequential test: pass --tuning ${r.perArm} to make the mSPRT most sensitive at that size (it needs somewhat more rows than the fixed test to conclude)`;
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
  console.log(opts.json ? JSON.stringify(result, null, 2) : text);
}

function table(a: Analysis): string {
  const f = a.metric === 'conversion' ? pct : num;
  const head = ['variant', 'rows', 'expected', a.metric === 'conversion' ? 'rate' : 'mean', `${(1 - a.alpha) * 100}% interval`, 'SD'];
  const rows = a.variants.map((v, i) => [`${v.name}${i === 0 ? ' (control)' : ''}`, String(v.n), num(a.srm.expected[i]!), f(v.mean), `[${f(v.ci[0])}, ${f(v.ci[1])}]`, num(v.sd)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const comparisons = a.comparisons.flatMap((c) => [
    '',
    `${c.treatment} vs ${c.control}: ${c.test}${c.df !== undefined ? ` (df ${num(c.df)})` : ''}, statistic ${num(c.statistic)}`,
    `  difference ${f(c.difference)} [${f(c.ci[0])}, ${f(c.ci[1])}], lift ${pct(c.lift)} [${pct(c.liftCi[0])}, ${pct(c.liftCi[1])}]`,
    `  p-value ${p(c.pValue)}${a.correction === 'holm' ? ' (Holm)' : ''}: ${c.significant ? 'significant' : 'not significant'} at alpha ${a.alpha} (valid at a sample size fixed in advance)`,
    `  sequential (mSPRT): always-valid p ${p(c.sequential.pValue)}, interval [${f(c.sequential.ci[0])}, ${f(c.sequential.ci[1])}]: ${c.sequential.conclusive ? 'CONCLUSIVE, may stop' : 'not conclusive, keep running'}`,
  ]);
  return [
    `${a.metric === 'conversion' ? 'conversion' : 'mean'}, ${a.rows} rows${a.dropped ? ` (${a.dropped} without a variant or value left out)` : ''}`,
    `sample ratio: chi-square ${num(a.srm.statistic)} on ${a.srm.df} df, p ${p(a.srm.pValue)}: ${a.srm.mismatch ? 'MISMATCH (p < 0.001), the split is broken: do not trust the comparison' : 'ok'}`,
    '',
    line(head),
    ...rows.map(line),
    ...comparisons,
  ].join('\n');
}

async function analyzeInput(): Promise<void> {
  if (!opts.input && !opts.captures) throw new UsageError('give --input FILE|s3://... (or --captures and --outcomes) to analyze, or --plan (see --help)');
  if (opts.input && opts.captures) throw new UsageError('give --input or --captures, not both');
  if (Boolean(opts.captures) !== Boolean(opts.outcomes)) throw new UsageError('--captures and --outcomes go together');
  if (!['drop', 'zero'].includes(opts.missingOutcome)) throw new UsageError(`--missing-outcome must be drop or zero, got ${opts.missingOutcome}`);
  for (const o of ['baseline', 'sd', 'power'] as const) if (opts[o] !== undefined) throw new UsageError(`--${o} goes with --plan`);
  if (opts.mde !== undefined) throw new UsageError('--mde goes with --plan');
  if (opts.goal !== 'increase' && opts.goal !== 'decrease') throw new UsageError(`--goal must be increase or decrease, not "${opts.goal}"`);
  const registry = opts.registry ?? process.env.MODEL_REGISTRY;
  if (opts.promote && !opts.model) throw new UsageError('--promote needs --model (the variants are its versions)');
  if (opts.promote && !registry) throw new UsageError('--promote needs --registry DIR|s3://bucket/prefix (or MODEL_REGISTRY)');
  if (opts.registry && !opts.promote) throw new UsageError('--registry goes with --promote');
  const { readAbColumns } = await import('../functions/core/experiments/read-rows.ts');
  const { analyzeColumns } = await import('../functions/core/experiments/analyze.ts');
  let columns;
  try {
    columns = opts.captures
      ? await (await import('../functions/core/experiments/assignments.ts')).assignmentsWithOutcomes(
          openLocation(opts.captures, { endpointUrl: opts.endpointUrl }),
          openLocation(opts.outcomes!, { endpointUrl: opts.endpointUrl }),
          { model: opts.model, missingOutcome: opts.missingOutcome as 'drop' | 'zero' },
        )
      : await readAbColumns(opts.input!, { endpointUrl: opts.endpointUrl, variantColumn: opts.variantColumn, valueColumn: opts.valueColumn, timeColumn: opts.timeColumn });
  } catch (err) {
    throw new UsageError(`cannot read ${opts.input ?? `${opts.captures} and ${opts.outcomes}`}: ${(err as Error).message}`);
  }
  if (columns.rejectedRows) console.error(`ab: ${columns.rejectedRows} lines could not be parsed and were left out`);
  if (columns.invalidValues) console.error(`ab: ${columns.invalidValues} values are not numbers; their rows were left out`);
  let analysis: Analysis;
  try {
    analysis = analyzeColumns(columns.variants, columns.values, {
      metric: opts.metric as 'conversion' | 'mean' | undefined,
      control: opts.control,
      weights: opts.weights,
      alpha: opts.alpha,
      tuning: opts.tuning,
    });
  } catch (err) {
    throw new UsageError(`${opts.input ?? opts.captures}: ${(err as Error).message}`);
  }
  const { decide, describeDecision, describePromotion, promoteWinner } = await import('../functions/core/experiments/winner.ts');
  const decision = decide(analysis, opts.goal as Goal);
  let promotion: Promotion | undefined;
  if (opts.promote) {
    const { openRegistry } = await import('../functions/core/registry/registry.ts');
    try {
      promotion = await promoteWinner(openRegistry(registry!, { endpointUrl: opts.endpointUrl }), opts.model!, decision);
    } catch (err) {
      throw new UsageError(`cannot promote ${decision.winner} of ${opts.model}: ${(err as Error).message}`);
    }
  }
  if (opts.report) {
    const { renderAbReport } = await import('../functions/core/experiments/html-report.ts');
    await writeFile(opts.report, renderAbReport(analysis, { input: opts.input ?? opts.captures, createdAt: new Date().toISOString(), decision, promotion }));
    if (!opts.json) console.error(`report: ${resolve(opts.report)}`);
  }
  const verdicts = [`decision: ${describeDecision(decision)}`, ...(promotion ? [`promotion: ${describePromotion(promotion)}`] : [])];
  console.log(opts.json ? JSON.stringify({ ...analysis, decision, ...(promotion ? { promotion } : {}) }, null, 2) : [table(analysis), '', ...verdicts].join('\n'));
}

try {
  if (opts.metric !== undefined && opts.metric !== 'conversion' && opts.metric !== 'mean') throw new UsageError(`--metric must be conversion or mean, not "${opts.metric}"`);
  await (opts.plan ? plan() : analyzeInput());
  process.exitCode = 0;
} catch (err) {
  console.error(`ab: ${(err as Error).message}`);
  process.exitCode = 2;
}

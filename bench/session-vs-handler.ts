import { runWorker, tsx } from './child.ts';
import { mark, type Percentiles, type Section, us } from './stats.ts';

type Series = 'raw' | 'predict' | 'handler' | 'captured';

/** Batch-1 latency of the bare session, of Model.predict, and of the full middy handler, in one fresh process. */
export async function sessionVsHandler(modelDir: string, iterations: number): Promise<Section> {
  const warmup = Math.min(2000, iterations);
  const r = await runWorker<Record<Series, Percentiles>>(tsx('bench/workers/latency.ts', modelDir, String(iterations), String(warmup)), {
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_SERVICE_NAME: 'predict',
  });
  const overhead = r.handler.p50 - r.raw.p50;
  const capture = r.captured.p50 - r.handler.p50;
  const checks = [
    { what: 'handler p50 - raw p50', measured: us(overhead), target: '≤ 100 µs', pass: overhead <= 100 },
    { what: 'handler p99', measured: us(r.handler.p99), target: '≤ 1000 µs', pass: r.handler.p99 <= 1000 },
    { what: 'request capture on the hot path (p50)', measured: us(capture), target: '≤ 5 µs', pass: capture <= 5 },
  ];
  const row = (label: string, p: Percentiles) => `${label.padEnd(44)} p50 ${us(p.p50).padStart(10)}   p99 ${us(p.p99).padStart(10)}   max ${us(p.max).padStart(10)}`;
  return {
    title: `1. session.run vs handler, batch 1 (${iterations.toLocaleString('en-US')} iterations each after ${warmup} warm-up)`,
    lines: [
      row('raw session.run (prepared tensor)', r.raw),
      row('Model.predict (validate + pack + run)', r.predict),
      row('handler (proxy event -> middy -> response)', r.handler),
      row('handler capturing every request', r.captured),
      `handler overhead at p50: ${us(overhead)} (target ≤ 100 µs) ${mark(checks[0]!.pass)}; handler p99 ${us(r.handler.p99)} (target ≤ 1 ms) ${mark(checks[1]!.pass)}`,
      `request capture adds ${us(capture)} at p50 (target ≤ 5 µs) ${mark(checks[2]!.pass)}: sampling and buffering on the request path, serialisation every 500 records; the upload itself is off the path.`,
      'Powertools Metrics ON (one EMF line per call, to the child process stdout = /dev/null); Tracer is inactive outside Lambda.',
    ],
    checks,
    figures: { iterations, warmup, microseconds: r },
  };
}

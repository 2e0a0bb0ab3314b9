import { memory } from './child.ts';
import { post, startLocalServer } from './load.ts';
import { int, mark, mb, ms, type Section } from './stats.ts';

const CONNECTIONS = 64;
const GROWTH_LIMIT = 0.05;
const PEAK_LIMIT = 256e6;

/** A fixed number of requests against one local server process: errors, and its memory before and after. */
export async function soak(modelDir: string, path: string, body: string, requests: number): Promise<Section> {
  const server = await startLocalServer(modelDir);
  try {
    const url = `${server.url}${path}`;
    const warmup = Math.ceil(requests / 10);
    await post(url, body, { connections: CONNECTIONS, amount: warmup });
    const before = await memory(server.pid);
    const r = await post(url, body, { connections: CONNECTIONS, amount: requests });
    const after = await memory(server.pid);

    const errors = r.non2xx + r.connectionErrors;
    const growth = (after.rss - before.rss) / before.rss;
    const checks = [
      { what: `soak errors (${int(requests)} req)`, measured: String(errors), target: '0', pass: errors === 0 },
      { what: 'soak RSS growth', measured: `${(growth * 100).toFixed(1)}% (${mb(before.rss)} -> ${mb(after.rss)})`, target: '< 5%', pass: growth < GROWTH_LIMIT },
      { what: 'server peak RSS', measured: mb(after.peak), target: `≤ ${mb(PEAK_LIMIT)}`, pass: after.peak <= PEAK_LIMIT },
    ];
    return {
      title: `5. soak: ${int(requests)} requests at concurrency ${CONNECTIONS} against one local server (npm start), after ${int(warmup)} warm-up`,
      lines: [
        `${int(r.requests)} requests in ${(r.requests / r.requestsPerSecond).toFixed(1)} s (${int(r.requestsPerSecond)} req/s, p50 ${ms(r.p50ms)}, p99 ${ms(r.p99ms)}); non-2xx ${r.non2xx}, connection errors ${r.connectionErrors} (timeouts ${r.timeouts}) ${mark(checks[0]!.pass)}`,
        `server VmRSS ${mb(before.rss)} after warm-up -> ${mb(after.rss)} after soak: ${(growth * 100).toFixed(1)}% (target < 5%) ${mark(checks[1]!.pass)}`,
        `server peak VmHWM ${mb(after.peak)} (budget ≤ ${mb(PEAK_LIMIT)}) ${mark(checks[2]!.pass)}`,
      ],
      checks,
      figures: { requests, warmup, connections: CONNECTIONS, result: r, memoryBytes: { before, after }, growth },
    };
  } finally {
    await server.stop();
  }
}

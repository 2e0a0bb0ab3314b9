import autocannon from 'autocannon';
import { freePort, ROOT, type RunningServer, startServer, tsx } from './child.ts';

/** The local server started as `npm start` starts it (tsx bin/serve.ts, metrics off), with PORT set. */
export async function startLocalServer(modelDir: string): Promise<RunningServer> {
  return startServer(tsx('bin/serve.ts'), { PORT: String(await freePort()), HOST: '127.0.0.1', MODELS: JSON.stringify([`${ROOT}${modelDir}`]) });
}

export interface Load {
  readonly connections: number;
  readonly duration?: number;
  readonly amount?: number;
}

/** POSTs the same predict body at `url`, from this process, and sums up what came back. */
export async function post(url: string, body: string, load: Load) {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, ...load });
  return {
    requestsPerSecond: r.requests.total / r.duration,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    connectionErrors: r.errors,
    timeouts: r.timeouts,
  };
}

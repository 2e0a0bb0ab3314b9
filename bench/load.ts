import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, ROOT, type RunningServer, startServer } from './child.ts';

/** The Node arguments of package.json's start script (`node <args>`), so the bench runs what `npm start` runs. */
const startArgs = (): string[] => {
  const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const [command, ...args] = start.split(/\s+/);
  if (command !== 'node') throw new Error(`package.json start script no longer starts with node: ${start}`);
  return args;
};

/** The local server started as `npm start` starts it (metrics off), with PORT set. */
export async function startLocalServer(modelDir: string): Promise<RunningServer> {
  return startServer(startArgs(), { PORT: String(await freePort()), HOST: '127.0.0.1', MODELS: JSON.stringify([`${ROOT}${modelDir}`]) });
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

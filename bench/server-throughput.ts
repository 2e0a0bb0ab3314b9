import { startServer, tsx } from './child.ts';
import { post, startLocalServer } from './load.ts';
import { int, mark, ms, type Section } from './stats.ts';

const CONNECTIONS = 16;

/** Requests/s of the local API server against a bare node:http server, each alone in its own process, same load. */
export async function serverThroughput(modelDir: string, path: string, body: string, seconds: number): Promise<Section> {
  const measure = async (server: Awaited<ReturnType<typeof startLocalServer>>, url: string) => {
    try {
      await post(url, body, { connections: CONNECTIONS, duration: Math.max(1, seconds / 5) });
      return await post(url, body, { connections: CONNECTIONS, duration: seconds });
    } finally {
      await server.stop();
    }
  };
  const bareServer = await startServer(tsx('bench/workers/bare-server.ts'));
  const bare = await measure(bareServer, `${bareServer.url}${path}`);
  const localServer = await startLocalServer(modelDir);
  const local = await measure(localServer, `${localServer.url}${path}`);

  const ratio = local.requestsPerSecond / bare.requestsPerSecond;
  const pass = ratio >= 0.5 && local.non2xx + local.connectionErrors === 0;
  const row = (label: string, r: typeof local) =>
    `${label.padEnd(44)} ${int(r.requestsPerSecond).padStart(7)} req/s   p50 ${ms(r.p50ms).padStart(8)}   p99 ${ms(r.p99ms).padStart(8)}   errors ${r.non2xx + r.connectionErrors}`;
  return {
    title: `2. local server vs bare node:http: POST ${path}, autocannon, ${CONNECTIONS} connections, ${seconds} s after ${Math.max(1, seconds / 5)} s warm-up`,
    lines: [
      row('bare node:http, constant JSON', bare),
      row('local API server (npm start)', local),
      `local / bare: ${(ratio * 100).toFixed(0)}% of requests/s (target ≥ 50%, no errors) ${mark(pass)}`,
      'Each server runs alone in its own process; autocannon runs in the bench process on the same machine and reports whole milliseconds.',
    ],
    checks: [{ what: 'server req/s vs bare node:http', measured: `${(ratio * 100).toFixed(0)}% (${int(local.requestsPerSecond)}/${int(bare.requestsPerSecond)})`, target: '≥ 50%', pass }],
    figures: { connections: CONNECTIONS, seconds, bare, local, ratio },
  };
}

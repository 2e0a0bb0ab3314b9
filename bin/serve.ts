import { resolve } from 'node:path';
import { createLocalApi } from '../local/api-gateway-server.ts';
import { flushCaptureWhenDue } from '../local/capture-timer.ts';

/**
 * `npm start`: the inference API on localhost, running the very predict handler that Lambda runs.
 * Models come from MODELS (a JSON array of folders or s3:// URIs) or else from inference.config.ts.
 */
const root = resolve(import.meta.dirname, '..');

if (!process.env.MODELS) {
  const { default: config } = await import('../inference.config.ts');
  process.env.MODELS = JSON.stringify(config.models.map((m) => (m.source.startsWith('s3://') ? m.source : resolve(root, m.source))));
}
// EMF metric lines are meant for CloudWatch; set POWERTOOLS_METRICS_DISABLED=false to see them locally.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** A mistake in the settings, a model that cannot load or a busy port is one line and exit status 2, not a stack trace. */
function fail(err: unknown): never {
  console.error(`npm start: ${(err as Error).message}`);
  process.exit(2);
}

const { handler, capture } = await import('../functions/predict/handler.ts').catch(fail);
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const server = createLocalApi(handler);
server.once('error', fail);
server.listen(port, host, () => {
  server.off('error', fail);
  console.log(`inference API on http://${host}:${port} serving ${JSON.parse(process.env.MODELS!).join(', ')}`);
});

if (capture) flushCaptureWhenDue(capture);

/**
 * Stops taking requests, lets those in flight finish, then writes what the capture still buffers, so
 * that stopping the server loses no captured request. A second signal exits at once, should a write hang.
 */
let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  server.close(async () => {
    await capture?.flush();
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

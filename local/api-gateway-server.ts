import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { localContext, toProxyEvent } from './api-gateway-event.ts';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface LocalApiOptions {
  /** API Gateway's own payload limit; larger bodies get its 413 without reaching the handler. @default 10 MiB */
  readonly maxPayloadBytes?: number;
  /** Lambda timeout given to the handler's context. @default 30000 */
  readonly timeoutMs?: number;
  /** Invocations in flight at once; more wait their turn. @default 64 */
  readonly maxConcurrency?: number;
}

const send = (res: ServerResponse, status: number, headers: Record<string, string | number | boolean>, body: string | Buffer) => {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
};

const jsonError = (res: ServerResponse, status: number, error: string) =>
  send(res, status, { 'Content-Type': 'application/json' }, JSON.stringify({ error, issues: [] }));

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Serves a Lambda proxy handler over HTTP the way API Gateway does: each request becomes a REST
 * proxy event. The process acts as one multi-concurrency execution environment, as Lambda Managed
 * Instances run: each invocation runs inside the runtime's InvokeStore, where Powertools keeps
 * per-invocation state (log keys, metric dimensions) once AWS_LAMBDA_MAX_CONCURRENCY is set.
 */
export function createLocalApi(handler: ProxyHandler, options: LocalApiOptions = {}): Server {
  const maxPayload = options.maxPayloadBytes ?? 10 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxConcurrency = options.maxConcurrency ?? 64;
  process.env.AWS_LAMBDA_MAX_CONCURRENCY = String(maxConcurrency);
  const store = InvokeStore.getInstanceAsync();
  let inFlight = 0;
  const waiting: (() => void)[] = [];

  const invoke = async (event: APIGatewayProxyEvent) => {
    if (inFlight >= maxConcurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight++;
    try {
      const { requestId } = event.requestContext;
      return await (await store).run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, () => handler(event, localContext(requestId, timeoutMs)));
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  };

  return createServer(async (req, res) => {
    try {
      const body = await readBody(req, maxPayload);
      if (body === undefined) return jsonError(res, 413, `body exceeds API Gateway's payload limit of ${maxPayload} bytes`);
      const result = await invoke(toProxyEvent(req, body));
      const payload = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : (result.body ?? '');
      send(res, result.statusCode, { ...result.headers }, payload);
    } catch (err) {
      // API Gateway answers a failed Lambda invocation with 502; so do we, and say why on stderr.
      console.error(err);
      if (!res.headersSent) jsonError(res, 502, 'internal server error');
    }
  });
}

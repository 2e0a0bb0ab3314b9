import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Issue } from '../errors.ts';

/**
 * A failed endpoint call, classified for the caller: never an opaque 500. `kind` labels the error
 * metric; `retryAfterSeconds` is set when trying again later may work.
 */
export class EndpointError extends Error {
  constructor(
    readonly status: 502 | 503 | 504,
    readonly kind: string,
    message: string,
    readonly issues: readonly Issue[] = [],
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'EndpointError';
  }
}

/** The variant lib/sagemaker-endpoint.ts gives the model.json's own model; others are challengers. */
export const PRIMARY_VARIANT = 'primary';

/** Seconds a throttled caller is told to wait. */
export const RETRY_AFTER_SECONDS = 2;

const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'ModelNotReadyException', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalDependencyException']);
const TIMEOUTS = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

/** Maps what InvokeEndpoint threw to an EndpointError: model errors 502, throttling 503, timeouts 504, anything else 502. */
export function classifyInvokeError(error: unknown, endpoint: string): EndpointError {
  const err = error as { name?: string; message?: string; code?: string; OriginalMessage?: string; OriginalStatusCode?: number; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  if (name === 'ModelError') {
    const message = err.OriginalMessage || err.message || 'the model container failed';
    const issues = err.OriginalStatusCode ? [{ path: '', message: `container answered HTTP ${err.OriginalStatusCode}` }] : [];
    return new EndpointError(502, 'ModelError', `model error: ${message}`, issues, undefined, { cause: error });
  }
  if (THROTTLED.has(name) || status === 429 || status === 503) {
    return new EndpointError(503, 'Throttled', `endpoint ${endpoint} is busy (${name}); retry after ${RETRY_AFTER_SECONDS} s`, [], RETRY_AFTER_SECONDS, { cause: error });
  }
  if (TIMEOUTS.has(name) || err?.code === 'ETIMEDOUT' || status === 504) {
    return new EndpointError(504, 'Timeout', `endpoint ${endpoint} did not answer in time`, [], undefined, { cause: error });
  }
  return new EndpointError(502, 'EndpointFailure', `endpoint ${endpoint} call failed: ${name}: ${err?.message ?? String(error)}`, [], undefined, { cause: error });
}

export interface InvokeOptions {
  /** Milliseconds before the call is abandoned (504). */
  readonly timeoutMs: number;
  /** Production variant to call, bypassing the weights. @default - SageMaker picks by weight */
  readonly variant?: string;
}

export interface EndpointAnswer {
  /** One prediction per row, as the container returned them. */
  readonly predictions: unknown[];
  /** The production variant that answered. */
  readonly variant?: string;
}

/**
 * Sends rows (values in feature order) as `{"instances": [...]}` to an endpoint and reads
 * `{"predictions": [...]}` (or a bare array) back, one per row.
 */
export async function invokeEndpoint(client: SageMakerRuntimeClient, endpoint: string, rows: unknown[][], options: InvokeOptions): Promise<EndpointAnswer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let output;
  try {
    const call = client.send(
      new InvokeEndpointCommand({
        EndpointName: endpoint,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: new TextEncoder().encode(JSON.stringify({ instances: rows })),
        ...(options.variant && { TargetVariant: options.variant }),
      }),
      { abortSignal: signal },
    );
    // The SDK aborts the request on the signal; the race also bounds a call that ignores it.
    output = await Promise.race([
      call,
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), { once: true })),
    ]);
  } catch (error) {
    throw classifyInvokeError(error, endpoint);
  }
  const text = output?.Body ? new TextDecoder().decode(output.Body) : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EndpointError(502, 'BadResponse', `endpoint ${endpoint} answered something that is not JSON`, [{ path: '', message: text.slice(0, 200) }]);
  }
  const predictions = Array.isArray(parsed) ? parsed : (parsed as { predictions?: unknown })?.predictions;
  if (!Array.isArray(predictions) || predictions.length !== rows.length) {
    throw new EndpointError(502, 'BadResponse', `endpoint ${endpoint} answered ${Array.isArray(predictions) ? predictions.length : 'no'} predictions for ${rows.length} rows`, [
      { path: 'predictions', message: 'expected {"predictions": [...]} with one prediction per instance' },
    ]);
  }
  return { predictions, ...(output?.InvokedProductionVariant && { variant: output.InvokedProductionVariant }) };
}

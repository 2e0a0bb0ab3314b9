import { httpError } from './http-error.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export interface RawRequest {
  readonly headers: Record<string, string | undefined>;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

const header = (headers: RawRequest['headers'], name: string): string | undefined => {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
};

/** Parses a JSON request body: 415 for another content type, 413 past `maxBytes`, 400 for empty or malformed JSON. */
export function readJsonBody(request: RawRequest, maxBytes: number): unknown {
  const type = header(request.headers ?? {}, 'content-type');
  if (!type || !JSON_TYPE.test(type)) {
    throw httpError(415, `expected Content-Type: application/json, got ${type ? JSON.stringify(type) : 'none'}`);
  }
  const raw = request.isBase64Encoded && request.body ? Buffer.from(request.body, 'base64').toString('utf8') : (request.body ?? '');
  const size = raw.length > maxBytes ? raw.length : Buffer.byteLength(raw, 'utf8');
  if (size > maxBytes) throw httpError(413, `body exceeds the limit of ${maxBytes} bytes`);
  if (raw.trim() === '') throw httpError(400, 'empty body', [{ path: '', message: 'expected a JSON object' }]);
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw httpError(400, 'malformed JSON', [{ path: '', message: (err as Error).message }]);
  }
}

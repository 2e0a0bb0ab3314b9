import createError from 'http-errors';
import type { Issue } from '../core/errors.ts';

/**
 * An http-errors error whose message is the JSON body `{error, issues}`: middy's error handler
 * sends a JSON-structured message as an application/json body with the error's status.
 */
export const httpError = (status: number, error: string, issues: readonly Issue[] = [], headers?: Record<string, string>) =>
  createError(status, JSON.stringify({ error, issues }), headers ? { headers } : {});

import type middy from '@middy/core';
import { InvalidInputError } from '../core/errors.ts';
import { httpError } from './http-error.ts';

/** Turns the core's InvalidInputError into a 400 that middy's error handler answers as JSON. */
export const coreErrors = (): middy.MiddlewareObj => ({
  onError: (request) => {
    const error = request.error;
    if (error instanceof InvalidInputError) request.error = httpError(400, error.message, error.issues);
  },
});

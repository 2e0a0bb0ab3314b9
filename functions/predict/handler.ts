import { captureFrom } from '../shared/capture.ts';
import { loadServedModels } from '../shared/served-models.ts';
import { createHandler } from './app.ts';

// Loaded during Lambda init (top-level await), once per execution environment.
const { settings, models } = await loadServedModels(process.env);

/** Exported for the local server, which also writes the buffer while idle and when it stops. */
export const capture = captureFrom(settings);

export const handler = createHandler(models, {
  maxBodyBytes: settings.MAX_BODY_BYTES,
  capture,
  experiments: settings.EXPERIMENTS,
});

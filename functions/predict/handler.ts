import { captureFrom } from '../shared/capture.ts';
import { loadServedModels } from '../shared/served-models.ts';
import { createHandler } from './app.ts';

// Loaded during Lambda init (top-level await), once per execution environment.
const { settings, models } = await loadServedModels(process.env);

export const handler = createHandler(models, {
  maxBodyBytes: settings.MAX_BODY_BYTES,
  capture: captureFrom(settings),
  experiments: settings.EXPERIMENTS,
});

import { captureFrom } from '../shared/capture.ts';
import { createInvokeHandler } from './app.ts';
import { loadEndpointModels } from './load.ts';

// Loaded during Lambda init (top-level await), once per execution environment.
const { settings, models } = await loadEndpointModels(process.env);

export const handler = createInvokeHandler(models, { maxBodyBytes: settings.MAX_BODY_BYTES, capture: captureFrom(settings) });

import { ModelSet } from '../core/model-set.ts';
import { createHandler } from './app.ts';
import { readSettings } from './settings.ts';

// Loaded during Lambda init (top-level await), once per execution environment.
const settings = readSettings(process.env);
const models = await ModelSet.load(settings.MODELS, {
  cacheDir: settings.MODEL_CACHE_DIR,
  intraOpNumThreads: settings.INTRA_OP_NUM_THREADS,
  maxBatch: settings.MAX_BATCH,
});

export const handler = createHandler(models, { maxBodyBytes: settings.MAX_BODY_BYTES });

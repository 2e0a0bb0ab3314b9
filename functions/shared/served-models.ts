import { ModelSet } from '../core/model-set.ts';
import { readSettings, type Settings } from './settings.ts';

/** Reads the environment and loads its models: what every model-serving function does at init. */
export async function loadServedModels(env: NodeJS.ProcessEnv): Promise<{ settings: Settings; models: ModelSet }> {
  const settings = readSettings(env);
  const models = await ModelSet.load(settings.MODELS, {
    cacheDir: settings.MODEL_CACHE_DIR,
    intraOpNumThreads: settings.INTRA_OP_NUM_THREADS,
    maxBatch: settings.MAX_BATCH,
  });
  return { settings, models };
}

import { loadModel, type LoadOptions } from './load.ts';
import type { Model } from './model.ts';

/**
 * The models one process serves, loaded once at init. A name may be served in several versions
 * (an A/B test, a shadow candidate): the first one listed is the name's primary version.
 */
export class ModelSet {
  private readonly primary = new Map<string, Model>();
  private readonly byVersion = new Map<string, Model>();

  constructor(models: readonly Model[]) {
    for (const model of models) {
      const key = `${model.name}@${model.version}`;
      if (this.byVersion.has(key)) throw new Error(`model ${key} is listed twice`);
      this.byVersion.set(key, model);
      if (!this.primary.has(model.name)) this.primary.set(model.name, model);
    }
  }

  static async load(sources: readonly string[], options: LoadOptions = {}): Promise<ModelSet> {
    return new ModelSet(await Promise.all(sources.map((s) => loadModel(s, options))));
  }

  /** The primary version of a model. */
  get(name: string): Model | undefined {
    return this.primary.get(name);
  }

  /** One version of a model. */
  version(name: string, version: string): Model | undefined {
    return this.byVersion.get(`${name}@${version}`);
  }

  /** The versions served of a model, its primary first. */
  versionsOf(name: string): string[] {
    return this.list()
      .filter((m) => m.name === name)
      .map((m) => m.version);
  }

  get names(): string[] {
    return [...this.primary.keys()];
  }

  /** Every served version, primaries first in the order listed. */
  list(): Model[] {
    return [...this.byVersion.values()];
  }
}

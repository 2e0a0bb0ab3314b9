import { loadModel, type LoadOptions } from './load.ts';
import type { Model } from './model.ts';

/** The models one process serves, by name; loaded once at init. */
export class ModelSet {
  private readonly byName = new Map<string, Model>();

  constructor(models: readonly Model[]) {
    for (const model of models) {
      if (this.byName.has(model.name)) throw new Error(`model "${model.name}" is served twice; serve one version per name`);
      this.byName.set(model.name, model);
    }
  }

  static async load(sources: readonly string[], options: LoadOptions = {}): Promise<ModelSet> {
    return new ModelSet(await Promise.all(sources.map((s) => loadModel(s, options))));
  }

  get(name: string): Model | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  list(): Model[] {
    return [...this.byName.values()];
  }
}

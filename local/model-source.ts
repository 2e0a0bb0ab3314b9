import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** An unknown model name: the CLIs answer it as a usage error. */
export class UnknownModelError extends Error {}

/**
 * Where a CLI's `--model` points: a model name served by inference.config.ts (its source), or a
 * package folder or s3:// URI given directly.
 */
export async function modelSource(model: string): Promise<string> {
  if (model.startsWith('s3://')) return model;
  if (model.includes('/') || model.startsWith('.')) return resolve(model);
  const { default: config } = await import('../inference.config.ts');
  const served = config.models.find((m) => m.name === model);
  if (!served) {
    throw new UnknownModelError(`unknown model "${model}": inference.config.ts serves ${config.models.map((m) => m.name).join(', ')}; or pass a package folder`);
  }
  return served.source.startsWith('s3://') ? served.source : resolve(root, served.source);
}

/** A version of a served model (`models/<name>/<version>` in this repository), or a package folder or s3:// URI given directly. */
export function versionSource(name: string, version: string): string {
  if (version.startsWith('s3://')) return version;
  if (version.includes('/') || version.startsWith('.')) return resolve(version);
  return resolve(root, 'models', name, version);
}

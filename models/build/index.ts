import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelPackage } from '../../functions/core/model-package.ts';
import { buildBreastCancer } from './packages/breast-cancer.ts';
import { buildDiabetesCategorical } from './packages/diabetes-categorical.ts';
import { buildDiabetesTrees } from './packages/diabetes-trees.ts';
import { buildWine } from './packages/wine-mlp.ts';

/** Each package and where it lives under the repository root. */
export const PACKAGES: readonly { readonly dir: string; readonly build: (outDir: string) => Promise<ModelPackage> }[] = [
  { dir: 'models/breast-cancer/1.0.0', build: (dir) => buildBreastCancer(dir, '1.0.0') },
  { dir: 'models/breast-cancer/1.1.0', build: (dir) => buildBreastCancer(dir, '1.1.0') },
  { dir: 'test/fixtures/models/wine-mlp/1.0.0', build: buildWine },
  { dir: 'test/fixtures/models/diabetes-trees/1.0.0', build: buildDiabetesTrees },
  { dir: 'test/fixtures/models/diabetes-categorical/1.0.0', build: buildDiabetesCategorical },
];

/** Builds every package under `root`; the same inputs always give the same bytes. */
export async function buildAll(root: string): Promise<ModelPackage[]> {
  const built: ModelPackage[] = [];
  for (const p of PACKAGES) built.push(await p.build(join(root, p.dir)));
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  for (const pkg of await buildAll(root)) console.log(`${pkg.name}@${pkg.version}`, JSON.stringify(pkg.metrics.holdout));
}

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, type Registry } from '../../functions/core/registry/registry.ts';
import { ROOT } from './models.ts';

/** A fresh folder registry holding breast-cancer 1.0.0 (production) and 1.1.0: an A/B test's two versions. */
export async function twoVersionRegistry(): Promise<{ root: string; registry: Registry }> {
  const root = await mkdtemp(join(tmpdir(), 'registry-'));
  const registry = openRegistry(root);
  for (const version of ['1.0.0', '1.1.0']) await registry.register(`${ROOT}/models/breast-cancer/${version}`);
  await registry.promote('breast-cancer', '1.0.0');
  return { root, registry };
}

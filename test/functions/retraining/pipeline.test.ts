import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRegistry } from '../../../functions/core/registry/registry.ts';
import { prepareRun, restorePointer } from '../../../functions/core/retraining/pipeline.ts';

async function registryWith(...versions: string[]) {
  const root = mkdtempSync(join(tmpdir(), 'registry-'));
  const registry = openRegistry(root);
  // The shipped packages, registered under their own versions.
  for (const version of versions) await registry.register(`models/breast-cancer/${version}`);
  return { root, registry };
}

describe('retraining steps over a folder registry', () => {
  it('prepare names the next minor version above every registered one, and a job name SageMaker accepts', async () => {
    const { root, registry } = await registryWith('1.0.0', '1.1.0');
    await registry.promote('breast-cancer', '1.0.0');
    const prepared = await prepareRun({ model: 'breast-cancer', registryUri: root, now: new Date('2026-11-23T18:00:00Z') });
    expect(prepared).toMatchObject({ candidateVersion: '1.2.0', trainingJobName: 'breast-cancer-1-2-0-20261123180000', production: { version: '1.0.0' } });
    expect(prepared.productionUri).toBe(join(root, 'breast-cancer/versions/1.0.0'));
    const empty = await prepareRun({ model: 'breast-cancer', registryUri: mkdtempSync(join(tmpdir(), 'registry-')) });
    expect(empty).toMatchObject({ candidateVersion: '0.1.0', production: null, productionUri: null });
  });

  it('rollback restores only while the pointer names the candidate, and refuses when there was no production before', async () => {
    const { root, registry } = await registryWith('1.0.0', '1.1.0');
    const before = (await registry.promote('breast-cancer', '1.0.0')).pointer;
    // Someone promoted another version in the meantime: left as is.
    const untouched = await restorePointer({ registryUri: root, model: 'breast-cancer', candidateVersion: '1.1.0', before });
    expect(untouched).toMatchObject({ restored: false, reason: 'the pointer was never moved' });
    await registry.promote('breast-cancer', '1.1.0');
    const restored = await restorePointer({ registryUri: root, model: 'breast-cancer', candidateVersion: '1.1.0', before });
    expect(restored).toMatchObject({ restored: true, reason: 'production is 1.0.0 again' });
    expect((await registry.production('breast-cancer'))?.version).toBe('1.0.0');

    const first = await registryWith('1.0.0');
    await first.registry.promote('breast-cancer', '1.0.0');
    await expect(restorePointer({ registryUri: first.root, model: 'breast-cancer', candidateVersion: '1.0.0', before: null })).rejects.toThrow(/no production version before this run/);
  });
});

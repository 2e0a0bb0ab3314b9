import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalizeTransform } from '../../../../functions/core/batch/finalize-transform.ts';
import { openLocation } from '../../../../functions/core/storage/location.ts';

const model = { name: 'tumor-ensemble', version: '1.0.0', sha256: 'ab'.repeat(32) };

/** Input rows (duplicates allowed, as real data has them) and which of them the job answered. */
const run = fc.array(fc.record({ id: fc.integer({ min: 0, max: 5 }), answered: fc.boolean() }), { minLength: 1, maxLength: 40 });

describe('Batch Transform accounting', () => {
  it('rejects exactly the rows without an output line, wherever they are, and keeps them with their line numbers', async () => {
    await fc.assert(
      fc.asyncProperty(run, fc.constantFrom('csv' as const, 'jsonl' as const), async (rows, format) => {
        const root = await mkdtemp(join(tmpdir(), 'transform-'));
        const input = openLocation(join(root, 'in', `rows.${format}`));
        const output = openLocation(join(root, 'out'));
        const text = (r: { id: number }, i: number) => (format === 'csv' ? `r${r.id},${i % 3}` : JSON.stringify({ id: `r${r.id}`, n: i % 3 }));
        const lines = rows.map(text);
        await input.store.write(input.key, `${lines.join('\n')}\n`);
        const joined = rows.flatMap((r, i) => (r.answered ? [format === 'csv' ? `${lines[i]},0.5` : JSON.stringify({ ...JSON.parse(lines[i]!), SageMakerOutput: { score: 0.5 } })] : []));
        await output.store.write(`${output.key}/rows.${format}.out`, joined.length ? `${joined.join('\n')}\n` : '');

        const { manifest } = await finalizeTransform(
          { job: { model: model.name, input: join(root, 'in', `rows.${format}`), output: join(root, 'out'), format }, transformJob: 'job-1', model, startedAt: '2026-12-01T00:00:00.000Z', status: 'Completed' },
          input,
          output,
        );
        const missing = rows.flatMap((r, i) => (r.answered ? [] : [i + 1]));
        expect(manifest.rowsIn).toBe(rows.length);
        expect(manifest.rowsScored + manifest.rowsRejected).toBe(manifest.rowsIn);
        expect(manifest.status).toBe(missing.length ? 'failed' : 'succeeded');
        if (!missing.length) {
          expect(manifest.rejects).toEqual([]);
          return;
        }
        const kept = new TextDecoder().decode(await output.store.readBytes(`${output.key}/${manifest.rejects[0]}`)).trim().split('\n').map((l) => JSON.parse(l));
        // With duplicate rows, which copy went unanswered is ambiguous; what was kept must be the same rows.
        expect(kept.map((r) => r.raw).sort()).toEqual(missing.map((n) => lines[n - 1]).sort());
        expect(kept).toHaveLength(manifest.rowsRejected);
        for (const r of kept) expect(lines[r.line - 1]).toBe(r.raw);
      }),
      { numRuns: 60 },
    );
  });
});

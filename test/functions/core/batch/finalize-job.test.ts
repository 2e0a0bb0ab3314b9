import { describe, expect, it } from 'vitest';
import { type ChunkResult, JobSpec, OUTPUT_LAYOUT, type PlanResult } from '../../../../functions/core/batch/contracts.ts';
import { finalizeJob } from '../../../../functions/core/batch/finalize-job.ts';
import { PLAN_OBJECTS } from '../../../../functions/core/batch/plan-job.ts';
import { joinKey } from '../../../../functions/core/storage/location.ts';
import { workspace } from '../../../support/batch-job.ts';

const model = { name: 'm', version: '1.0.0', sha256: 'a'.repeat(64) };
const result = (index: number, rows: Partial<ChunkResult> = {}): ChunkResult => ({
  index,
  key: 'in/data.csv',
  rowsIn: 10,
  rowsScored: 8,
  rowsRejected: 2,
  part: OUTPUT_LAYOUT.part(index, 'csv'),
  rejects: OUTPUT_LAYOUT.rejects(index),
  model,
  startedAt: '2026-11-23T00:00:00.000Z',
  endedAt: '2026-11-23T00:00:01.000Z',
  ...rows,
});

/** An output prefix holding a plan of `chunks` chunks and the given committed results, with the parts they name. */
async function planned(chunks: number, results: ChunkResult[]) {
  const { base, location } = await workspace('local');
  const output = location(`${base}/out`);
  const write = (name: string, value: unknown) => output.store.write(joinKey(output.key, name), JSON.stringify(value));
  await write(OUTPUT_LAYOUT.chunkList, Array.from({ length: chunks }, (_, index) => ({ index, key: 'in/data.csv', format: 'csv', gzip: false })));
  await write(PLAN_OBJECTS, [{ key: 'in/data.csv', size: 1000 }]);
  for (const r of results) {
    await write(OUTPUT_LAYOUT.chunkResult(r.index), r);
    for (const part of [r.part, r.rejects]) if (part) await write(part, '');
  }
  const plan: PlanResult = { chunkList: { bucket: '', key: '' }, chunks, objects: 1, bytes: 1000, startedAt: '2026-11-23T00:00:00.000Z' };
  return { output, plan, job: JobSpec.parse({ model: 'm', input: `${base}/in`, output: `${base}/out` }) };
}

describe('finalizeJob', () => {
  it('sums committed chunks into a succeeded manifest that names parts and rejects in order', async () => {
    const { output, plan, job } = await planned(3, [result(2), result(0), result(1, { rowsRejected: 0, rowsScored: 10 })]);
    const { manifest } = await finalizeJob(job, plan, output);
    expect(manifest).toMatchObject({ status: 'succeeded', reasons: [], rowsIn: 30, rowsScored: 26, rowsRejected: 4, chunks: 3, failedChunks: [], model });
    expect(manifest.parts).toEqual(['part-00000.csv', 'part-00001.csv', 'part-00002.csv']);
    expect(manifest.rejects).toEqual(['rejects/part-00000.jsonl', 'rejects/part-00002.jsonl']);
    expect(JSON.parse(new TextDecoder().decode(await output.store.readBytes(joinKey(output.key, '_manifest.json'))))).toEqual(manifest);
  });

  it('fails a run whose chunk does not reconcile', async () => {
    const { output, plan, job } = await planned(1, [result(0, { rowsIn: 11 })]);
    const { manifest } = await finalizeJob(job, plan, output);
    expect(manifest.status).toBe('failed');
    expect(manifest.reasons).toEqual(['chunk 0 does not reconcile: 11 in, 8 scored, 2 rejected']);
  });

  it('fails a run scored by two model versions', async () => {
    const { output, plan, job } = await planned(2, [result(0), result(1, { model: { ...model, version: '2.0.0', sha256: 'b'.repeat(64) } })]);
    const { manifest } = await finalizeJob(job, plan, output);
    expect(manifest.reasons[0]).toMatch(/^chunks were scored by different models: m@1\.0\.0 .*, m@2\.0\.0/);
  });

  it('fails a run that Step Functions reports as failed, even without a plan', async () => {
    const { output, job } = await planned(0, []);
    const { manifest } = await finalizeJob(job, undefined, output, { Error: 'States.TaskFailed', Cause: 'no input objects at /in' });
    expect(manifest).toMatchObject({ status: 'failed', reasons: ['run failed: States.TaskFailed: no input objects at /in'], rowsIn: 0, chunks: 0 });
  });

  it('writes nothing when the plan refused the output for holding another run, and says so', async () => {
    const { output, plan, job } = await planned(1, [result(0)]);
    const theirs = (await finalizeJob(job, plan, output)).manifest;
    const { manifest, uri } = await finalizeJob(job, undefined, output, { Error: 'OutputInUse', Cause: `${job.output} holds another run` });
    expect(manifest).toMatchObject({ status: 'failed', reasons: [`run failed: OutputInUse: ${job.output} holds another run`], rowsIn: 0 });
    expect(uri).toBe(`(not written: ${job.output} holds another run)`);
    expect(JSON.parse(new TextDecoder().decode(await output.store.readBytes(joinKey(output.key, '_manifest.json'))))).toEqual(theirs);
  });
});

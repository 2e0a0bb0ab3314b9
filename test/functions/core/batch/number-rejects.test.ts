import { describe, expect, it } from 'vitest';
import { firstLines, numberRejects } from '../../../../functions/core/batch/number-rejects.ts';
import { type Chunk, type ChunkResult, JobSpec, OUTPUT_LAYOUT } from '../../../../functions/core/batch/contracts.ts';
import { finalizeJob } from '../../../../functions/core/batch/finalize-job.ts';
import { planJob } from '../../../../functions/core/batch/plan-job.ts';
import { scoreChunk } from '../../../../functions/core/batch/score-chunk.ts';
import { joinKey } from '../../../../functions/core/storage/location.ts';
import { generateCsv } from '../../../support/batch-data.ts';
import { forwarding, type Where, workspace } from '../../../support/batch-job.ts';
import { MODELS, model } from '../../../support/models.ts';

const range = (index: number, key: string, start: number, end: number): Chunk => ({ index, key, format: 'csv', gzip: false, range: { start, end } });
const committed = (index: number, lines: number) => [index, { index, lines } as ChunkResult] as const;

describe('the first line of chunks that start mid-object', () => {
  it('counts the lines of the chunks before it in its own object, whatever the order of the chunk list', () => {
    const chunks = [range(0, 'a.csv', 0, 10), range(2, 'a.csv', 20, 30), range(1, 'a.csv', 10, 20), range(3, 'b.csv', 0, 10), range(4, 'b.csv', 10, 20)];
    const results = new Map([committed(0, 4), committed(1, 3), committed(2, 5), committed(3, 7), committed(4, 2)]);
    expect(firstLines(chunks, results)).toEqual(new Map([[1, 5], [2, 8], [4, 8]]));
  });

  it('numbers no chunk after one that did not commit, whose lines are not known', () => {
    const chunks = [range(0, 'a.csv', 0, 10), range(1, 'a.csv', 10, 20), range(2, 'a.csv', 20, 30)];
    expect(firstLines(chunks, new Map([committed(0, 4), committed(2, 5)]))).toEqual(new Map());
    expect(firstLines(chunks, new Map([committed(1, 4), committed(2, 5)]))).toEqual(new Map());
  });

  it('leaves whole objects (gzip, Parquet) alone: their workers number their lines or rows', () => {
    const gzip: Chunk = { index: 0, key: 'a.csv.gz', format: 'csv', gzip: true };
    const parquet: Chunk = { index: 1, key: 'b.parquet', format: 'parquet', gzip: false, rowGroups: { start: 1, end: 2 } };
    expect(firstLines([gzip, parquet], new Map([committed(0, 9), committed(1, 0)]))).toEqual(new Map());
  });
});

describe.each<Where>(['local', 's3'])('numbering the rejects of a job over %s storage', (where) => {
  it('leaves the parts past its budget, or that it cannot rewrite, as they are, and names their first lines in the manifest', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(700, 13);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, data.text);
    const job = JobSpec.parse({ model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 4096 });
    const output = location(`${base}/out`);
    const { plan, chunks } = await planJob(job, input, output);
    const m = await model(MODELS.breastCancer);
    for (const chunk of chunks) await scoreChunk(chunk, { job, model: m, input, output });
    const committed = new Map((await Promise.all(chunks.map(async (c) => JSON.parse(new TextDecoder().decode(await output.store.readBytes(joinKey(output.key, OUTPUT_LAYOUT.chunkResult(c.index)))))))).map((r) => [r.index, r]));
    const sizes = new Map((await output.store.list(output.key)).map((o) => [o.key, o.size]));
    const expected = firstLines(chunks, committed);
    const parts = [...expected.keys()].filter((i) => committed.get(i).rejects).map((i) => committed.get(i).rejects as string);
    expect(parts.length).toBeGreaterThan(2);

    // A budget of one part's bytes: the first is rewritten, the others are left and named.
    const first = sizes.get(joinKey(output.key, parts[0]!))!;
    const left = await numberRejects(output, chunks, committed, sizes, first);
    expect(Object.keys(left).sort()).toEqual(parts.slice(1).sort());
    for (const part of parts.slice(1)) {
      const index = chunks.find((c) => committed.get(c.index)?.rejects === part)!.index;
      expect(left[part]).toBe(expected.get(index));
    }
    // A store that cannot read a part leaves it too, without failing: the manifest still gets written.
    const broken = { ...output, store: forwarding(output.store, { read: () => Promise.reject(new Error('S3 is down')) }) };
    const { manifest } = await finalizeJob(job, plan, broken);
    expect(Object.keys(manifest.rejectsFirstLines!).sort()).toEqual([...parts].sort());
    expect(manifest.status).toBe('succeeded');
    // The first part has its lines; the others are found from the manifest.
    const lines = data.text.split('\n');
    const rows = (await Promise.all(parts.map(async (p) => (new TextDecoder().decode(await output.store.readBytes(joinKey(output.key, p)))).trim().split('\n').map((l) => [p, JSON.parse(l)] as const)))).flat();
    for (const [part, r] of rows) expect(r.line === undefined ? lines[manifest.rejectsFirstLines![part]! + r.chunkLine - 2] : lines[r.line - 1]).toBe(r.raw);
    expect(rows.filter(([, r]) => r.line !== undefined).map(([p]) => p)).toEqual(rows.filter(([p]) => p === parts[0]).map(([p]) => p));
  });
});

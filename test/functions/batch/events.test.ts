import { describe, expect, it } from 'vitest';
import { FinalizeEvent, PlanEvent, ScoreChunkEvent } from '../../../functions/batch/events.ts';
import { parse as parseEvent } from '../../../functions/shared/parse.ts';

describe('batch step events', () => {
  it('fills a job with its defaults', () => {
    expect(parseEvent(PlanEvent, { job: { model: 'm', input: 's3://b/in/', output: 's3://b/out' } }).job).toEqual({
      model: 'm',
      input: 's3://b/in/',
      output: 's3://b/out',
      format: 'csv',
      chunkBytes: 64 * 1024 * 1024,
      toleratedFailurePercentage: 0,
    });
  });

  it('names every problem of a malformed job', () => {
    expect(() => parseEvent(PlanEvent, { job: { model: '', input: 's3://b/in', format: 'xml', toleratedFailurePercentage: 150 } })).toThrow(
      /^invalid event: job\.model: .*; job\.output: .*; job\.format: .*; job\.toleratedFailurePercentage: /,
    );
  });

  it('refuses a worker event without chunks, and a chunk without its key', () => {
    const job = { model: 'm', input: 'in', output: 'out' };
    expect(() => parseEvent(ScoreChunkEvent, { BatchInput: { job }, Items: [] })).toThrow(/Items: /);
    expect(() => parseEvent(ScoreChunkEvent, { BatchInput: { job }, Items: [{ index: 0, format: 'csv', gzip: false }] })).toThrow(/Items\.0\.key/);
  });

  it('accepts a finalize event carrying the error of a failed run and no plan', () => {
    const event = parseEvent(FinalizeEvent, { job: { model: 'm', input: 'in', output: 'out' }, error: { Error: 'States.TaskFailed', Cause: 'boom' } });
    expect(event.plan).toBeUndefined();
    expect(event.error).toEqual({ Error: 'States.TaskFailed', Cause: 'boom' });
  });
});

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { scoreChunk } from '../core/batch/score-chunk.ts';
import { openLocation } from '../core/storage/location.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { loadServedModels } from '../shared/served-models.ts';
import { ScoreChunkEvent } from './events.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';

// Loaded during Lambda init, once per execution environment, like the predict function.
const { models } = await loadServedModels(process.env);

/** Step 2, once per batch of chunks: score every row or keep it as a reject, then commit the chunk. */
export const handler = step(async (event: unknown) => {
  const { BatchInput, Items } = parse(ScoreChunkEvent, event);
  const { job } = BatchInput;
  const model = models.get(job.model);
  if (!model) throw new Error(`model "${job.model}" is not served by this function (it serves ${models.names.join(', ')})`);
  metrics.addDimensions({ model: model.name, version: model.version });
  const input = openLocation(job.input);
  const output = openLocation(job.output);
  const done = { chunks: 0, rowsIn: 0, rowsScored: 0, rowsRejected: 0 };
  for (const chunk of Items) {
    const result = await scoreChunk(chunk, { job, model, input, output });
    logger.info('chunk scored', { ...result });
    metrics.addMetric('RowsScored', MetricUnit.Count, result.rowsScored);
    metrics.addMetric('RowsRejected', MetricUnit.Count, result.rowsRejected);
    done.chunks++;
    done.rowsIn += result.rowsIn;
    done.rowsScored += result.rowsScored;
    done.rowsRejected += result.rowsRejected;
  }
  // Counts only, whatever the batch's size: Step Functions caps a task's result at 256 KiB, and the
  // commit records in S3 are what finalize reads.
  return done;
});

import { hrtime } from 'node:process';
import { RequestCapture } from '../../functions/core/capture/request-capture.ts';
import { InputBatch } from '../../functions/core/feature-layout.ts';
import type { ObjectStore } from '../../functions/core/storage/object-store.ts';
import { loadModel } from '../../functions/core/load.ts';
import { ModelSet } from '../../functions/core/model-set.ts';
import { createHandler } from '../../functions/predict/app.ts';
import { lambdaContext, proxyEvent } from '../../test/support/events.ts';
import { percentiles } from '../stats.ts';

// Runs with stdout on /dev/null and metrics on: every handler call writes its EMF line, as on Lambda.
const [dir, iterationsArg, warmupArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const warmup = Number(warmupArg);

const model = await loadModel(dir!);
const handler = createHandler(new ModelSet([model]), { maxBodyBytes: 1024 * 1024 });
const instance = model.pkg.examples?.[0]?.instance;
if (!instance) throw new Error(`${dir} has no examples[0].instance to benchmark with`);

// The raw run gets its tensors ready-made: packing and validation are what the handler adds.
const outputs = model.pkg.outputs.map((o) => o.name);
const batch = new InputBatch(model.layout);
for (const slot of model.layout.slots) batch.write(slot, 0, (instance as Record<string, unknown>)[slot.feature.name]);
const feeds = batch.feeds(1);
const event = proxyEvent('POST', `/models/${model.name}/predict`, { body: { instances: [instance] } });
const context = lambdaContext();

// Every request captured (rate 1) into a store that accepts writes at once: what capture adds on the
// request path (sampling, buffering, and the serialisation of every 500th request's flush), not S3.
const nullStore = { write: async () => {} } as unknown as ObjectStore;
const captured = createHandler(new ModelSet([model]), { maxBodyBytes: 1024 * 1024, capture: new RequestCapture({ store: nullStore, prefix: 'c', sampleRate: 1 }) });

const series = {
  raw: () => model.session.run(feeds, outputs),
  predict: () => model.predict([instance]),
  handler: async () => {
    const res = await handler(event, context);
    if (res.statusCode !== 200) throw new Error(`handler answered ${res.statusCode}: ${res.body}`);
  },
  captured: async () => {
    const res = await captured(event, context);
    if (res.statusCode !== 200) throw new Error(`captured handler answered ${res.statusCode}: ${res.body}`);
  },
};
type Name = keyof typeof series;
const names = Object.keys(series) as Name[];

for (const name of names) for (let i = 0; i < warmup; i++) await series[name]();

// Interleaved blocks, so that drift (GC state, CPU frequency, neighbours) hits every series alike.
const samples = Object.fromEntries(names.map((n) => [n, new Float64Array(iterations)])) as Record<Name, Float64Array>;
const BLOCK = 500;
for (let start = 0; start < iterations; start += BLOCK) {
  const end = Math.min(iterations, start + BLOCK);
  for (const name of names) {
    const run = series[name];
    const out = samples[name];
    for (let i = start; i < end; i++) {
      const t = hrtime.bigint();
      await run();
      out[i] = Number(hrtime.bigint() - t) / 1000;
    }
  }
}

process.send!(Object.fromEntries(names.map((n) => [n, percentiles(samples[n])])));
process.disconnect();

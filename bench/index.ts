import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePackage } from '../functions/core/package-file.ts';
import config from '../inference.config.ts';
import { assetSize } from './asset-size.ts';
import { batchThroughput } from './batch-throughput.ts';
import { ROOT } from './child.ts';
import { coldInit } from './cold-init.ts';
import { driftThroughput } from './drift-throughput.ts';
import { foreignCpu, machine } from './machine.ts';
import { serverThroughput } from './server-throughput.ts';
import { sessionVsHandler } from './session-vs-handler.ts';
import { soak } from './soak.ts';
import { mark, type Section } from './stats.ts';

// `npm run bench -- --quick` is a smoke run: same steps, far fewer iterations, figures not to be quoted.
const quick = process.argv.includes('--quick');
const plan = quick
  ? { iterations: 2_000, seconds: 2, coldRuns: 3, soakRequests: 5_000, batchRows: 100_000, batchAttempts: 1, driftRows: 100_000, driftAttempts: 1 }
  : { iterations: 20_000, seconds: 10, coldRuns: 10, soakRequests: 100_000, batchRows: 1_000_000, batchAttempts: 5, driftRows: 1_000_000, driftAttempts: 3 };

const { name, source: modelDir } = config.models[0]!;
const pkg = parsePackage(await readFile(join(ROOT, modelDir, 'model.json'), 'utf8'), modelDir);
const path = `/models/${name}/predict`;
const body = JSON.stringify({ instances: [pkg.examples[0]!.instance] });

const host = machine();
const others = foreignCpu();
console.log(`npm run bench${quick ? ' --quick (smoke run: figures not meaningful)' : ''}: ${name} (${modelDir}) on ${host.cpu}, ${host.cores} cores, ${host.memoryGB} GB, Node ${host.node}, onnxruntime-node ${host.onnxruntimeNode}, ${host.commit}\n`);

const sections: Section[] = [];
const steps: (() => Promise<Section>)[] = [
  () => sessionVsHandler(modelDir, plan.iterations),
  () => serverThroughput(modelDir, path, body, plan.seconds),
  () => coldInit(modelDir, plan.coldRuns),
  () => assetSize(),
  () => soak(modelDir, path, body, plan.soakRequests),
  () => batchThroughput(modelDir, plan.batchRows, plan.batchAttempts),
  () => driftThroughput(plan.driftRows, plan.driftAttempts),
];
for (const step of steps) {
  const section = await step();
  sections.push(section);
  console.log(`${section.title}\n${section.lines.map((l) => `  ${l}`).join('\n')}\n`);
}

const checks = sections.flatMap((s) => s.checks);
const width = (key: 'what' | 'measured' | 'target') => Math.max(key.length, ...checks.map((c) => c[key].length));
const [w, m, t] = [width('what'), width('measured'), width('target')];
console.log(`${'what'.padEnd(w)}  ${'measured'.padEnd(m)}  ${'target'.padEnd(t)}  result`);
for (const c of checks) console.log(`${c.what.padEnd(w)}  ${c.measured.padEnd(m)}  ${c.target.padEnd(t)}  ${mark(c.pass)}`);
const failed = checks.filter((c) => !c.pass).length;
console.log(`\n${checks.length - failed}/${checks.length} within budget`);
const foreign = others();
console.log(
  `other processes used ${foreign.seconds.toFixed(1)} CPU-seconds (${(foreign.share * 100).toFixed(0)}% of the machine) during the run, ${foreign.stealSeconds.toFixed(1)} of them taken by the hypervisor (steal)${foreign.share > 0.05 ? ': the machine was shared, expect noisy figures' : ''}`,
);

const out = join(ROOT, 'bench/results', quick ? 'quick.json' : 'latest.json');
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(out, `${JSON.stringify({ machine: host, foreignCpu: foreign, quick, model: { name, source: modelDir }, checks, sections: sections.map(({ title, figures }) => ({ title, ...figures })) }, null, 2)}\n`);
console.log(`figures written to ${out.slice(ROOT.length)}`);

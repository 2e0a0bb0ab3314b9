import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import config from '../../inference.config.ts';
import { PredictFunction } from '../../lib/predict-function.ts';

/**
 * Synthesizes the real PredictFunction construct with the default config's models, one stack per
 * architecture, bundling included, and reports each asset folder. Only this construct: the rest of
 * the app is not what is measured, and a half-edited neighbour must not break the measurement.
 */
const outdir = process.argv[2]!;
const architectures = { arm64: Architecture.ARM_64, x86_64: Architecture.X86_64 };

// The CLI sets these; the asset path is read from the metadata they add.
const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
for (const [arch, architecture] of Object.entries(architectures)) {
  new PredictFunction(new Stack(app, `Bench-${arch.replace('_', '')}`), 'Predict', { models: config.models, architecture });
}
app.synth();

const assets: Record<string, string> = {};
for (const arch of Object.keys(architectures)) {
  const file = join(outdir, `Bench-${arch.replace('_', '')}.template.json`);
  const template = JSON.parse(await readFile(file, 'utf8')) as { Resources: Record<string, { Metadata?: Record<string, string> }> };
  const fn = Object.values(template.Resources).find((r) => r.Metadata?.['aws:cdk:path']?.endsWith('/Predict/Function/Resource'));
  assets[arch] = join(outdir, fn!.Metadata!['aws:asset:path']!);
}
process.send!(assets);
process.disconnect();

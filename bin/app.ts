import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type InferenceConfig, validateConfig } from '../lib/config.ts';
import { InferenceStack } from '../lib/inference-stack.ts';

// `cdk synth -c config=path/to/file.ts` deploys another config; the path is relative to the cwd.
const app = new App();
const configPath: string = app.node.tryGetContext('config') ?? 'inference.config.ts';

/** The config, checked; its mistakes are named with the file and the field, a line each, not a stack trace. */
async function loadConfig(): Promise<InferenceConfig> {
  if (!existsSync(resolve(configPath))) fail(`config file ${resolve(configPath)} not found (give another with -c config=path/to/file.ts)`);
  const module: { default?: InferenceConfig } = await import(pathToFileURL(resolve(configPath)).href);
  if (!module.default) fail(`${configPath} must default-export an InferenceConfig`);
  try {
    return validateConfig(module.default);
  } catch (err) {
    return fail(`${configPath}: ${(err as Error).message}`);
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const config = await loadConfig();

new InferenceStack(app, config.stackName, { config, env: config.env, description: 'Serverless ONNX inference API' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

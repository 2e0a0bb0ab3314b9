import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type InferenceConfig, validateConfig } from '../lib/config.ts';
import { InferenceStack } from '../lib/inference-stack.ts';

// `cdk synth -c config=path/to/file.ts` deploys another config; the path is relative to the cwd.
const app = new App();
const configPath: string = app.node.tryGetContext('config') ?? 'inference.config.ts';
const module: { default?: InferenceConfig } = await import(pathToFileURL(resolve(configPath)).href);
if (!module.default) throw new Error(`${configPath} must default-export an InferenceConfig`);
const config = validateConfig(module.default);

new InferenceStack(app, config.stackName, { config, env: config.env, description: 'Serverless ONNX inference API' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

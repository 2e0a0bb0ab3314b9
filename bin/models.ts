import { Command } from 'commander';
import type { Registry } from '../functions/core/registry/registry.ts';
import { parseCommandLine } from '../local/command-line.ts';

/**
 * `npm run models`: the model registry over a folder or an S3 prefix. Versions are immutable
 * (registered with their computed SHA-256 and lineage); production is a pointer that promote and
 * rollback move, saying what changed. With `--sagemaker`, every change is mirrored into a
 * SageMaker Model Package Group per model, with approval status following production.
 */

class UsageError extends Error {}

interface GlobalOptions {
  registry?: string;
  endpointUrl?: string;
  json?: boolean;
  sagemaker?: boolean;
  sagemakerGroupPrefix?: string;
}

const program = new Command('models')
  .description('List, show, register, promote and roll back model versions in a registry (a folder or s3://bucket/prefix).')
  .option('--registry <location>', 'registry root: a folder or s3://bucket/prefix (default: $MODEL_REGISTRY)')
  .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// registries and packages (MinIO, moto...); with --sagemaker, the SageMaker endpoint too')
  .option('--json', 'print the result as JSON on stdout, nothing else')
  .option('--sagemaker', 'mirror registrations and approvals into SageMaker Model Package Groups (one group per model)')
  .option('--sagemaker-group-prefix <prefix>', 'prefix of the Model Package Group names', '')
  .addHelpText(
    'after',
    '\nExamples:\n' +
      '  npm run models -- register models/breast-cancer/1.1.0 --registry s3://my-bucket/registry\n' +
      '  npm run models -- list --registry s3://my-bucket/registry\n' +
      '  npm run models -- show breast-cancer@1.1.0 --registry ./registry\n' +
      '  npm run models -- promote breast-cancer 1.1.0 --registry ./registry\n' +
      '  npm run models -- rollback breast-cancer --registry ./registry',
  );

let action: Promise<void> | undefined;
const run = (fn: (globals: GlobalOptions) => Promise<void>) =>
  function (this: Command) {
    action = fn(this.optsWithGlobals<GlobalOptions>());
  };

async function open(globals: GlobalOptions): Promise<Registry> {
  const uri = globals.registry ?? process.env.MODEL_REGISTRY;
  if (!uri) throw new UsageError('no registry: pass --registry DIR|s3://bucket/prefix (or set MODEL_REGISTRY)');
  const { openRegistry } = await import('../functions/core/registry/registry.ts');
  let mirror;
  if (globals.sagemaker) {
    const { SageMakerClient } = await import('@aws-sdk/client-sagemaker');
    const { SageMakerMirror } = await import('../functions/core/registry/sagemaker-mirror.ts');
    mirror = new SageMakerMirror(new SageMakerClient(globals.endpointUrl ? { endpoint: globals.endpointUrl } : {}), { groupPrefix: globals.sagemakerGroupPrefix });
  }
  return openRegistry(uri, { endpointUrl: globals.endpointUrl, mirror });
}

const print = (globals: GlobalOptions, result: unknown, text: string) => console.log(globals.json ? JSON.stringify(result, null, 2) : text);

program
  .command('list')
  .description('every model with its versions and production version')
  .action(
    run(async (g) => {
      const models = await (await open(g)).list();
      const text = models.length
        ? models.map((m) => `${m.name}: ${m.versions.join(', ')} (production: ${m.production ?? 'none'})`).join('\n')
        : `no models in ${g.registry ?? process.env.MODEL_REGISTRY}`;
      print(g, models, text);
    }),
  );

program
  .command('show')
  .argument('<model>', 'NAME or NAME@VERSION (default: the production version, else the latest)')
  .description('one version: checksum, size, production or not, metrics and lineage')
  .action(
    run(async (g) => {
      const spec = program.commands.find((c) => c.name() === 'show')!.args[0]!;
      const [name, version, extra] = spec.split('@');
      if (!name || extra !== undefined || version === '') throw new UsageError(`"${spec}" is not NAME or NAME@VERSION`);
      const v = await (await open(g)).show(name, version);
      const l = v.lineage;
      const lines = [
        `${v.model} ${v.version}${v.production ? ' (production)' : ''}`,
        `  ${v.description}`,
        `  task: ${v.task}`,
        `  sha256: ${v.sha256}`,
        `  model.onnx: ${v.size} bytes`,
        `  location: ${v.uri}`,
        `  metrics: ${Object.entries(v.metrics).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
        ...(l
          ? [
              `  registered: ${l.registeredAt}${l.registeredFrom ? ` from ${l.registeredFrom}` : ''}`,
              `  parent: ${l.parentVersion ?? 'none'}`,
              `  training job: ${l.trainingJob ?? 'none'}`,
              `  data: ${l.dataUris.join(', ') || String(l.training.dataset ?? 'none')}`,
            ]
          : []),
      ];
      print(g, v, lines.join('\n'));
    }),
  );

program
  .command('register')
  .argument('<package>', 'package folder or s3:// URI holding model.json and model.onnx')
  .description('registers a version, computing its SHA-256; the same version with other bytes is refused')
  .option('--training-job <name>', 'training job that produced the model (lineage)')
  .option('--data <uri...>', 'URIs of the training and evaluation data (lineage)')
  .option('--parent <version>', 'parent version (lineage; default: the production version)')
  .action(
    run(async (g) => {
      const cmd = program.commands.find((c) => c.name() === 'register')!;
      const o = cmd.opts<{ trainingJob?: string; data?: string[]; parent?: string }>();
      const res = await (await open(g)).register(cmd.args[0]!, { trainingJob: o.trainingJob, dataUris: o.data, parentVersion: o.parent }, { endpointUrl: g.endpointUrl });
      const text = res.created
        ? `registered ${res.model} ${res.version} (sha256 ${res.sha256}${res.lineage.parentVersion ? `, parent ${res.lineage.parentVersion}` : ''}) at ${res.uri}`
        : `${res.model} ${res.version} is already registered with identical bytes (sha256 ${res.sha256}); nothing changed`;
      print(g, res, text);
    }),
  );

program
  .command('promote')
  .argument('<model>', 'model name')
  .argument('<version>', 'registered version to put in production')
  .description('points production at a version; prints what changed')
  .action(
    run(async (g) => {
      const [name, version] = program.commands.find((c) => c.name() === 'promote')!.args as [string, string];
      const { describeChange } = await import('../functions/core/registry/registry.ts');
      const change = await (await open(g)).promote(name, version);
      print(g, change, describeChange(change));
    }),
  );

program
  .command('rollback')
  .argument('<model>', 'model name')
  .description('points production back at the previous production version; prints what changed')
  .action(
    run(async (g) => {
      const [name] = program.commands.find((c) => c.name() === 'rollback')!.args as [string];
      const { describeChange } = await import('../functions/core/registry/registry.ts');
      const change = await (await open(g)).rollback(name);
      print(g, change, describeChange(change));
    }),
  );

parseCommandLine(program);

if (!action) {
  console.error('models: name a command: list, show, register, promote or rollback (see --help)');
  process.exitCode = 2;
} else {
  try {
    await action;
  } catch (err) {
    console.error(`models: ${(err as Error).message}`);
    process.exitCode = 2;
  }
}

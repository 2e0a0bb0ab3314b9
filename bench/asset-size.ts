import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './child.ts';
import { mark, mb, type Section } from './stats.ts';

const TARGET_BYTES = 50e6;

/** Apparent size of a tree (what Lambda counts unzipped), symlinks not followed. */
async function size(path: string): Promise<number> {
  const stat = await lstat(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await size(join(path, entry));
  return total;
}

function synth(out: string, context: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const cdk = spawn(join(ROOT, 'node_modules/.bin/cdk'), ['synth', '--quiet', '-o', out, ...context], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    cdk.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    cdk.once('error', reject);
    cdk.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cdk synth failed (${code}):\n${stderr}`))));
  });
}

/** Synthesizes the real stack with bundling and measures the predict function's asset folder. */
async function predictAsset(out: string, context: string[]) {
  await synth(out, context);
  for (const file of (await readdir(out)).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(await readFile(join(out, file), 'utf8')) as { Resources: Record<string, { Metadata?: Record<string, string> }> };
    const fn = Object.values(template.Resources).find((r) => r.Metadata?.['aws:cdk:path']?.endsWith('/Predict/Function/Resource'));
    const asset = fn?.Metadata?.['aws:asset:path'];
    if (!asset) continue;
    const dir = join(out, asset);
    const [total, onnxruntime, code, map] = await Promise.all([
      size(dir),
      size(join(dir, 'node_modules/onnxruntime-node')),
      size(join(dir, 'index.mjs')),
      size(join(dir, 'index.mjs.map')),
    ]);
    return { total, onnxruntime, code, sourceMap: map, rest: total - onnxruntime - code - map };
  }
  throw new Error(`no predict function asset in ${out}`);
}

/** The default (arm64) asset and the x86_64 one, whose onnxruntime binaries are the larger. */
export async function assetSize(): Promise<Section> {
  const tmp = await mkdtemp(join(tmpdir(), 'bench-synth-'));
  try {
    const x64Config = join(tmp, 'x64.config.mts');
    await writeFile(x64Config, `import base from '${join(ROOT, 'inference.config.ts')}';\nexport default { ...base, predict: { ...base.predict, architecture: 'x86_64' } };\n`);
    const arm64 = await predictAsset(join(tmp, 'arm64'), []);
    const x64 = await predictAsset(join(tmp, 'x64'), ['-c', `config=${x64Config}`]);
    const unpruned = await size(join(ROOT, 'node_modules/onnxruntime-node'));
    const row = (label: string, a: typeof arm64) =>
      `${label.padEnd(44)} ${mb(a.total).padStart(9)}   (onnxruntime-node ${mb(a.onnxruntime)}, index.mjs ${mb(a.code)}, source map ${mb(a.sourceMap)}, models + rest ${mb(a.rest)})`;
    const check = (what: string, a: typeof arm64) => ({ what, measured: mb(a.total), target: `≤ ${mb(TARGET_BYTES)}`, pass: a.total <= TARGET_BYTES });
    const checks = [check('Lambda asset, arm64 (default)', arm64), check('Lambda asset, x86_64', x64)];
    return {
      title: '4. Lambda asset of the predict function, unzipped (cdk synth with bundling into a temp dir; MB = 10^6 bytes)',
      lines: [
        row('asset, arm64 (default config)', arm64),
        row('asset, x86_64', x64),
        `${'node_modules/onnxruntime-node, unpruned'.padEnd(44)} ${mb(unpruned).padStart(9)}`,
        `target ≤ ${mb(TARGET_BYTES)}: arm64 ${mark(checks[0]!.pass)}, x86_64 ${mark(checks[1]!.pass)}`,
      ],
      checks,
      figures: { bytes: { arm64, x64, unprunedOnnxruntime: unpruned } },
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

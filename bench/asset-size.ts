import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runWorker, tsx } from './child.ts';
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

async function breakdown(dir: string) {
  const [total, onnxruntime, code, sourceMap] = await Promise.all(
    ['', 'node_modules/onnxruntime-node', 'index.mjs', 'index.mjs.map'].map((p) => size(join(dir, p))),
  ) as [number, number, number, number];
  return { total, onnxruntime, code, sourceMap, rest: total - onnxruntime - code - sourceMap };
}

/** The default (arm64) asset and the x86_64 one, whose onnxruntime binaries are the larger. */
export async function assetSize(): Promise<Section> {
  const tmp = await mkdtemp(join(tmpdir(), 'bench-synth-'));
  try {
    // A child process with its output captured: bundling prints esbuild's and npm's progress.
    const dirs = await runWorker<Record<'arm64' | 'x86_64', string>>(tsx('bench/workers/synth-predict.ts', tmp), {}, { quiet: true });
    const arm64 = await breakdown(dirs.arm64);
    const x64 = await breakdown(dirs.x86_64);
    const unpruned = await size(join(ROOT, 'node_modules/onnxruntime-node'));
    const row = (label: string, a: typeof arm64) =>
      `${label.padEnd(44)} ${mb(a.total).padStart(9)}   (onnxruntime-node ${mb(a.onnxruntime)}, index.mjs ${mb(a.code)}, source map ${mb(a.sourceMap)}, models + rest ${mb(a.rest)})`;
    const check = (what: string, a: typeof arm64) => ({ what, measured: mb(a.total), target: `≤ ${mb(TARGET_BYTES)}`, pass: a.total <= TARGET_BYTES });
    const checks = [check('Lambda asset, arm64 (default)', arm64), check('Lambda asset, x86_64', x64)];
    return {
      title: '4. Lambda asset of the predict function, unzipped (the PredictFunction construct synthesized with bundling into a temp dir; MB = 10^6 bytes)',
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

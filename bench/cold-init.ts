import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, runWorker, tsx } from './child.ts';
import { mark, median, ms, type Section } from './stats.ts';

interface Run {
  readonly import: number;
  readonly load: number;
  readonly predict: number;
  readonly total: number;
  readonly sinceProcessStart: number;
}

const TARGET_MS = 150;

/**
 * The core bundled as the Lambda asset bundles it (lib/handler-function.ts): everything inlined,
 * the AWS SDK included, and onnxruntime-node beside the bundle, resolved from this repository.
 */
async function bundleCore(dir: string): Promise<string> {
  const outfile = join(dir, 'core.mjs');
  await build({
    entryPoints: [join(ROOT, 'functions/core/load.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    external: ['onnxruntime-node'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(ROOT, 'node_modules/onnxruntime-node'), join(dir, 'node_modules/onnxruntime-node'));
  return outfile;
}

/** Fresh processes, each: import the core, load (read, SHA-256, session), first prediction. */
export async function coldInit(modelDir: string, runs: number): Promise<Section> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-cold-'));
  try {
    const variants = {
      bundle: ['bench/workers/cold-init.ts', await bundleCore(dir), modelDir],
      tsx: tsx('bench/workers/cold-init.ts', join(ROOT, 'functions/core/load.ts'), modelDir),
    };
    const results: Record<keyof typeof variants, Run[]> = { bundle: [], tsx: [] };
    // Alternating, so that page-cache and CPU-frequency drift is shared by both.
    for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(variants)) results[name as keyof typeof variants].push(await runWorker<Run>(args));

    const summary = (rs: Run[]) => {
      const of = (k: keyof Run) => median(rs.map((r) => r[k]));
      return { median: of('total'), max: Math.max(...rs.map((r) => r.total)), import: of('import'), load: of('load'), predict: of('predict'), sinceProcessStart: of('sinceProcessStart') };
    };
    const bundle = summary(results.bundle);
    const dev = summary(results.tsx);
    const row = (label: string, s: typeof bundle) =>
      `${label.padEnd(44)} median ${ms(s.median).padStart(8)}   max ${ms(s.max).padStart(8)}   (import ${ms(s.import)}, load ${ms(s.load)}, first predict ${ms(s.predict)}; ${ms(s.sinceProcessStart)} since process start)`;
    const pass = bundle.median <= TARGET_MS;
    return {
      title: `3. cold init: import core + loadModel (read, SHA-256, session) + first predict (${runs} fresh processes each)`,
      lines: [
        row('esbuild bundle, as in the Lambda asset', bundle),
        row('TypeScript through tsx, as npm start', dev),
        `bundle median ${ms(bundle.median)} (target ≤ ${TARGET_MS} ms) ${mark(pass)}; the tsx row is for information (it transpiles on the fly).`,
        "Node's own boot is outside the measured code (see 'since process start').",
      ],
      checks: [{ what: 'cold init (bundle, median)', measured: `${ms(bundle.median)} (max ${ms(bundle.max)})`, target: `≤ ${TARGET_MS} ms`, pass }],
      figures: { runs, milliseconds: { bundle, tsx: dev }, raw: results },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

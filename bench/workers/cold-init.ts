// Plain erasable TypeScript: Node runs it without tsx when the core under test is an esbuild bundle.
const start = performance.now();
const [core, dir] = process.argv.slice(2);
const { loadModel } = (await import(core!)) as typeof import('../../functions/core/load.ts');
const imported = performance.now();
const model = await loadModel(dir!);
const loaded = performance.now();
await model.predict([model.pkg.examples[0]!.instance]);
const predicted = performance.now();

process.send!({
  import: imported - start,
  load: loaded - imported,
  predict: predicted - loaded,
  total: predicted - start,
  sinceProcessStart: predicted,
});
process.disconnect();

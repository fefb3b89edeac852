/**
 * How to start a `worker_threads` worker of this package, shared by `fit({ threads: 2 })`'s gradient
 * worker and the evaluation worker of `logProb`/`sample`. Browser-safe: no Node import here; callers
 * pass in the Node modules they loaded (through variable specifiers or `process.getBuiltinModule`).
 */
type NodeModule = typeof import('node:module');
type NodeUrl = typeof import('node:url');

/** Node's built-in modules that {@link workerScript} needs. */
export interface WorkerScriptModules {
  module: NodeModule;
  url: NodeUrl;
}

/**
 * What a worker runs: the compiled `<name>.js` beside the calling module (`here`, its
 * `import.meta.url`) in `dist/`; from the TypeScript sources (tsx, vitest) a bootstrap that imports
 * `<name>.ts` through tsx's `tsImport`, since a worker inherits neither vitest's transform nor (on
 * Node 20) loader hooks given as `--import` flags.
 */
export function workerScript(here: string, name: string, modules: WorkerScriptModules): { script: string | URL; eval: boolean } {
  if (!here.endsWith('.ts')) return { script: new URL(`./${name}.js`, here), eval: false };
  const { createRequire } = modules.module;
  // `require.resolve` would give the CommonJS build of the API; read the package's ESM export instead.
  const manifest = createRequire(here).resolve('tsx/package.json');
  const { exports } = createRequire(here)(manifest) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(exports['./esm/api'].import.default, modules.url.pathToFileURL(manifest)).href;
  const entry = new URL(`./${name}.ts`, here).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return { script: code, eval: true };
}

/**
 * The parent's flags for a worker, less those that only make sense for a main script given as a
 * string (`node --input-type=module -e …`): a worker started with them exits at once.
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((a) => !a.startsWith('--input-type'));
}

type WorkerClass = typeof import('node:worker_threads').Worker;
type WorkerOptions = NonNullable<ConstructorParameters<WorkerClass>[1]>;

/**
 * `new Worker(script, options)` with the parent's flags ({@link workerExecArgv}), less those Node
 * refuses for a worker: V8 and process-wide options (`--max-old-space-size`,
 * `--experimental-wasm-relaxed-simd`, …) throw `ERR_WORKER_INVALID_EXEC_ARGV`. They apply to the whole
 * process anyway, so the worker is started again without the flags the error names.
 */
export function startWorker(Worker: WorkerClass, script: string | URL, options: WorkerOptions): InstanceType<WorkerClass> {
  let execArgv = workerExecArgv();
  for (;;) {
    try {
      return new Worker(script, { ...options, execArgv });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
      const refused = (err.message ?? '').replace(/^[^:]*:/, '').split(',').map((f) => f.trim()).filter(Boolean);
      const kept = execArgv.filter((a) => !refused.includes(a) && !refused.includes(a.split('=')[0]));
      if (kept.length === execArgv.length) throw e;
      execArgv = kept;
    }
  }
}

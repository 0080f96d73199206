import { Worker, type WorkerOptions } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the worker module `name` next to `from` (a module's `import.meta.url`), with that
 * module's extension: `.js` from dist/, `.ts` when the sources run under tsx (tests,
 * `--conditions=edgefl-source`). A worker inherits execArgv, but tsx's `--import` hooks are
 * not active for a worker's entry file, so a one-line bootstrap registers tsx's ESM API in
 * the worker before importing it.
 */
export function startModuleWorker(from: string, name: string, options: WorkerOptions = {}): Worker {
  const ext = extname(fileURLToPath(from));
  const entry = new URL(`./${name}${ext}`, from);
  if (ext === '.js') return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

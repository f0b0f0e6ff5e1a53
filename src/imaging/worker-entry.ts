import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface WorkerEntry {
  /** file: URL of the piscina task module. */
  filename: string;
  execArgv: string[];
}

/**
 * Where the worker module is and how a thread can load it, in the three ways this code runs:
 * - compiled by tsc (dist/): this file is .js, so is the worker; plain node loads it.
 * - `tsx src/main.ts`: this file is .ts. Threads inherit tsx's flags, but are given the loader
 *   explicitly anyway: that is harmless when it is already there (tsx registers once).
 * - vitest: this file is .ts, transformed by vite inside the test process; worker threads get none of
 *   that, so `--import <tsx loader>` is what lets them load worker.ts. piscina imports the task module
 *   after the thread's --import hooks are in place; a raw `new Worker('x.ts')` on Node 20 is not so lucky.
 * The tsx loader is resolved to an absolute URL so it does not depend on the working directory.
 */
export function workerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  const typescript = new URL(moduleUrl).pathname.endsWith('.ts');
  const filename = new URL(`./worker.${typescript ? 'ts' : 'js'}`, moduleUrl).href;
  if (!typescript) return { filename, execArgv: process.execArgv };
  const tsxLoader = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
  return { filename, execArgv: [...process.execArgv, '--import', tsxLoader] };
}

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
  const inherited = workerExecArgv(process.execArgv);
  if (!typescript) return { filename, execArgv: inherited };
  const tsxLoader = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
  return { filename, execArgv: [...inherited, '--import', tsxLoader] };
}

/**
 * V8 options that Node also takes from NODE_OPTIONS, so they appear in allowedNodeEnvironmentFlags;
 * a Worker still refuses them. (From Node's documentation of NODE_OPTIONS.)
 */
const V8_OPTIONS_IN_NODE_OPTIONS = new Set([
  '--abort-on-uncaught-exception',
  '--disallow-code-generation-from-strings',
  '--enable-etw-stack-walking',
  '--expose-gc',
  '--huge-max-old-generation-size',
  '--interpreted-frames-native-stack',
  '--jitless',
  '--max-old-space-size',
  '--max-semi-space-size',
  '--perf-basic-prof',
  '--perf-basic-prof-only-functions',
  '--perf-prof',
  '--perf-prof-unwinding-info',
  '--stack-trace-limit',
]);

/**
 * The process's node options a worker thread can be given. V8 options (the service is started with
 * heap settings such as --initial-heap-size) make `new Worker` throw ERR_WORKER_INVALID_EXEC_ARGV;
 * they are process-wide anyway, so the threads' isolates get them without being told.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  let keepValue = false;
  for (const arg of execArgv) {
    if (!arg.startsWith('-')) {
      // The value of a space-separated option (`--import tsx`): it follows its option's fate.
      if (keepValue) kept.push(arg);
      keepValue = false;
      continue;
    }
    const name = arg.split('=', 1)[0].replaceAll('_', '-');
    // Node's profilers are not NODE_OPTIONS material but do work per thread (each writes its own profile).
    const profiler = name.startsWith('--cpu-prof') || name.startsWith('--heap-prof');
    keepValue = profiler || (process.allowedNodeEnvironmentFlags.has(name) && !V8_OPTIONS_IN_NODE_OPTIONS.has(name));
    if (keepValue) kept.push(arg);
    if (arg.includes('=')) keepValue = false;
  }
  return kept;
}

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/imaging/worker-entry.js';

describe('workerExecArgv', () => {
  const argv = [
    '--require', '/x/preflight.cjs',
    '--import', 'file:///x/loader.mjs',
    '--initial-heap-size=256',
    '--max-old-space-size=512',
    '--max_semi_space_size=16',
    '--expose-gc',
    '--enable-source-maps',
    '--conditions=development',
    '--cpu-prof', '--cpu-prof-dir=/tmp/prof',
  ];

  it("keeps node's options (loaders with their values, profilers) and drops V8's", () => {
    expect(workerExecArgv(argv)).toEqual([
      '--require', '/x/preflight.cjs',
      '--import', 'file:///x/loader.mjs',
      '--enable-source-maps',
      '--conditions=development',
      '--cpu-prof', '--cpu-prof-dir=/tmp/prof',
    ]);
  });

  it('gives a list that new Worker accepts, where the V8 options alone are refused', async () => {
    const start = (execArgv: string[]) => {
      const worker = new Worker('0', { eval: true, execArgv });
      return new Promise<number>((resolve) => worker.once('exit', resolve));
    };
    expect(() => new Worker('0', { eval: true, execArgv: ['--initial-heap-size=256'] })).toThrow(expect.objectContaining({ code: 'ERR_WORKER_INVALID_EXEC_ARGV' }));
    const kept = workerExecArgv(['--initial-heap-size=256', '--max-old-space-size=512', '--enable-source-maps', '--no-warnings']);
    expect(kept).toEqual(['--enable-source-maps', '--no-warnings']);
    expect(await start(kept)).toBe(0);
  });
});

// Experiment: raw sharp vs the WorkerPool in-process (no transport), CPU and wall per image.
import { readdirSync, readFileSync } from 'node:fs';
import { WorkerPool } from '../../src/imaging/worker-pool.js';
import { closedLoop, warmUp } from '../closed-loop.js';
import { WORKLOADS } from '../workloads.js';
const dir = '/work/shared/images';
const names = readdirSync(dir).filter((n) => /\.(jpg|png)$/.test(n)).sort();
const depth = Number(process.env.DEPTH ?? 4);
const secs = Number(process.env.SECS ?? 3);
const pool = new WorkerPool({ threads: Number(process.env.THREADS ?? 2), maxConcurrentOperations: Number(process.env.MCO ?? 2), maxQueue: 1000, operationTimeoutMs: 120000, maxInputPixels: 1e8, maxOutputDimension: 16384 });
const specs: Record<string, any> = {
  thumbnail: { steps: [{ op: 'resize', width: 300, height: 300, fit: 'inside' }], output: { format: 'jpeg', quality: 80 } },
  web: { steps: [{ op: 'resize', width: 1024, fit: 'inside' }], output: { format: 'webp', quality: 80 } },
  blur: { steps: [{ op: 'blur', sigma: 5 }], output: { format: 'jpeg' } },
  big: { steps: [{ op: 'resize', width: 1920, fit: 'inside' }], output: { format: 'jpeg', quality: 80 } },
  avif: { steps: [{ op: 'resize', width: 800, fit: 'inside' }], output: { format: 'avif', quality: 50 } },
};
for (const w of WORKLOADS.filter((w) => !process.env.ONLY || process.env.ONLY.split(',').includes(w.name))) {
  const inputs = w.photos(names).map((n) => readFileSync(`${dir}/${n}`));
  const sides: [string, (i: number) => Promise<unknown>][] = [
    ['raw', (i) => w.raw(inputs[i % inputs.length])],
    ['pool', (i) => pool.run(inputs[i % inputs.length], specs[w.name])],
  ];
  const acc: Record<string, { cpu: number; n: number; rate: number[] }> = {};
  for (const [name, task] of sides) { await warmUp(task, depth, { index: 0 }); acc[name] = { cpu: 0, n: 0, rate: [] }; }
  for (let r = 0; r < Number(process.env.ROUNDS ?? 2); r++) {
    for (const [name, task] of sides) {
      const c0 = process.cpuUsage();
      const res = await closedLoop(task, depth, secs, { index: 0 });
      const c = process.cpuUsage(c0);
      acc[name].cpu += (c.user + c.system) / 1000; acc[name].n += res.started; acc[name].rate.push(res.imagesPerSecond);
    }
  }
  console.log(w.name, Object.entries(acc).map(([k, v]) => `${k}: ${(v.rate.reduce((a, b) => a + b) / v.rate.length).toFixed(1)}/s cpu ${(v.cpu / v.n).toFixed(1)} ms/img`).join(' | '));
}
await pool.close();

export interface BenchSettings {
  /** Length of one measured round, per side, seconds. */
  seconds: number;
  /** Images in flight on each side. */
  depth: number;
  /** Closed-loop seconds per side per workload before the measured rounds. */
  warmupSeconds: number;
  /** Measured rounds per side per workload (alternated raw, service, raw, service, ...). */
  rounds: number;
  /** Requests sent at once in the memory phase. */
  bigRequests: number;
  /** Workload names to run; empty runs all. */
  only: string[];
}

export function numberFrom(name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`${name}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, received ${JSON.stringify(raw)}`);
  }
  return n;
}

export function benchSettings(): BenchSettings {
  return {
    seconds: numberFrom('BENCH_SECONDS', 4, 0.5, 600, false),
    depth: numberFrom('BENCH_DEPTH', 4, 1, 64, true),
    warmupSeconds: numberFrom('BENCH_WARMUP_SECONDS', 3, 0, 600, false),
    rounds: numberFrom('BENCH_ROUNDS', 2, 1, 20, true),
    bigRequests: numberFrom('BENCH_BIG_REQUESTS', 32, 0, 256, true),
    only: (process.env.BENCH_WORKLOADS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

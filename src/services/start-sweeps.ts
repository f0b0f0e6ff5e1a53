import type { Config } from '../config.js';
import type { Logger } from '../util/logger.js';
import { type SweepDeps, type SweepResult, sweepOrphans, sweepUnreferenced } from './orphan-sweep.js';

type SweepConfig = Pick<Config, 'orphanGraceSeconds' | 'orphanSweepIntervalSeconds' | 'unreferencedGraceSeconds' | 'unreferencedSweepIntervalSeconds'>;

/**
 * The in-process sweeps: of unreferenced blobs, often (an indexed query: safe and cheap on every
 * instance, since each blob is removed under its lock), and the full sweep that lists the store,
 * rarely or never (with several instances one scheduled `npm run sweep` is enough). A run never
 * overlaps the previous one of its kind.
 */
export function startSweeps(deps: SweepDeps, config: SweepConfig, logger: Logger): { stop(): void } {
  const timers = [
    every(config.unreferencedSweepIntervalSeconds, 'unreferenced blob sweep', () => sweepUnreferenced(deps, config.unreferencedGraceSeconds * 1000), logger),
    every(
      config.orphanSweepIntervalSeconds,
      'orphan sweep',
      () => sweepOrphans(deps, { unreferencedMs: config.unreferencedGraceSeconds * 1000, orphanMs: config.orphanGraceSeconds * 1000 }),
      logger,
    ),
  ];
  return { stop: () => timers.forEach((t) => clearInterval(t)) };
}

function every(seconds: number, name: string, sweep: () => Promise<SweepResult>, logger: Logger): NodeJS.Timeout | undefined {
  if (seconds <= 0) return undefined;
  let running = false;
  return setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .then(
        (r) => {
          if (r.removed.length > 0) logger.info({ scanned: r.scanned, removed: r.removed.length, spared: r.spared }, name);
        },
        (e) => logger.warn({ err: String(e) }, `${name} failed`),
      )
      .finally(() => (running = false));
  }, seconds * 1000).unref();
}

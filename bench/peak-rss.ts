import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of a process, from /proc/<pid>/status (VmHWM covers all its threads, so the
 * server's worker threads and libvips' memory are included). `reset` writes 5 to clear_refs, which
 * starts a new peak from the current RSS, so each phase gets its own peak; where the kernel refuses,
 * peaks count from the process's start and `resettable` says so.
 */
export class PeakRss {
  resettable = true;

  constructor(readonly pid: number | 'self') {}

  reset(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      this.resettable = false;
    }
  }

  /** Bytes, or undefined where /proc is not readable (not Linux, or the process is gone). */
  peakBytes(): number | undefined {
    return this.#field('VmHWM');
  }

  currentBytes(): number | undefined {
    return this.#field('VmRSS');
  }

  #field(name: string): number | undefined {
    try {
      const match = readFileSync(`/proc/${this.pid}/status`, 'utf8').match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${Math.round(bytes / (1024 * 1024))} MiB`;
}

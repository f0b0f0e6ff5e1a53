import { percentile } from './closed-loop.js';

/** Answers the server must give to anything, hostile or not: a result or a clear refusal. */
export const ACCEPTABLE = new Set(['OK', 'INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED']);

interface KindTally {
  latenciesMs: number[];
  codes: Map<string, number>;
}

/** Every call's kind, answer and latency. */
export class LoadTally {
  readonly #kinds = new Map<string, KindTally>();

  record(kind: string, code: string, ms: number): void {
    let tally = this.#kinds.get(kind);
    if (!tally) this.#kinds.set(kind, (tally = { latenciesMs: [], codes: new Map() }));
    tally.latenciesMs.push(ms);
    tally.codes.set(code, (tally.codes.get(code) ?? 0) + 1);
  }

  get calls(): number {
    return [...this.#kinds.values()].reduce((n, t) => n + t.latenciesMs.length, 0);
  }

  /** Answers by code over every kind, most frequent first. */
  codes(): [string, number][] {
    const all = new Map<string, number>();
    for (const t of this.#kinds.values()) for (const [code, n] of t.codes) all.set(code, (all.get(code) ?? 0) + n);
    return [...all].sort((a, b) => b[1] - a[1]);
  }

  /** One line per kind: calls, rate, p50 and p99 latency, answers by code. */
  table(seconds: number): string[] {
    const rows = [...this.#kinds].map(([kind, t]) => [
      kind,
      String(t.latenciesMs.length),
      (t.latenciesMs.length / seconds).toFixed(1),
      percentile(t.latenciesMs, 50).toFixed(0),
      percentile(t.latenciesMs, 99).toFixed(0),
      [...t.codes].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', '),
    ]);
    return columns([['kind', 'calls', 'calls/s', 'p50 ms', 'p99 ms', 'answers'], ...rows]);
  }
}

/** Rows as aligned text; the last column is left ragged. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

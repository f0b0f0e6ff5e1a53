import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: { level: number; msg: string; [key: string]: unknown }[];
}

/** A real pino logger at `level` whose lines are kept in memory for the test to read. */
export function captureLog(level = 'debug'): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** pino's number for warn: lines at or above it are warnings or errors. */
export const WARN = 40;

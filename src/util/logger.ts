import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Fields every line logged while serving one call carries (its request id), whoever logs it. */
const callFields = new AsyncLocalStorage<Record<string, string>>();

/**
 * Runs fn with `fields` added to every line logged within it and whatever it starts: the cores log
 * through the logger they were built with, so the call's request id reaches their lines this way.
 */
export function withLogFields<T>(fields: Record<string, string>, fn: () => T): T {
  return callFields.run(fields, fn);
}

/**
 * Structured JSON lines on stdout (or `destination`). A line logged within withLogFields carries its
 * fields, unless the logger it goes through is a child bound to them already (pino would print the key twice).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'image-asset-service' },
      mixin(_line, _level, logger) {
        const fields = callFields.getStore();
        if (!fields) return {};
        const bound = logger.bindings();
        return Object.fromEntries(Object.entries(fields).filter(([key]) => !(key in bound)));
      },
    },
    destination,
  );
}

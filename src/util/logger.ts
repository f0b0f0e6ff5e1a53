import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON lines on stdout. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'image-asset-service' } });
}

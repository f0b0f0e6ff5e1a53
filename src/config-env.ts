import { AppError } from './errors/index.js';

/** The environment as configuration reads it. */
export type Env = Record<string, string | undefined>;

/** A configuration error names the variable, what was expected and what was received. */
export function configError(name: string, expected: string, received: unknown): AppError {
  const shown = typeof received === 'string' ? JSON.stringify(received) : JSON.stringify(received ?? null);
  return new AppError('invalid_argument', `config ${name}: expected ${expected}, received ${shown}`, { reason: 'INVALID_CONFIG' });
}

/** The variable's value; unset and empty are the same. */
export function str(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw configError(name, `an integer from ${min} to ${max}`, raw);
  return n;
}

/** An http(s) URL, without trailing slashes. */
export function httpUrl(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw configError(name, 'an http(s) URL', raw);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw configError(name, 'an http(s) URL', raw);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw configError(name, 'an http(s) URL', raw);
  return raw.replace(/\/+$/, '');
}

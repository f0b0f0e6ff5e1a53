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

function numberIn(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max) {
    throw configError(name, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, raw);
  }
  return n;
}

/** 1/true/yes or 0/false/no. */
export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw configError(name, '1, true or yes, or 0, false or no', raw);
}

/** An integer from min to max. */
export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  return numberIn(env, name, fallback, min, max, true);
}

/** A number (fractions allowed) from min to max. */
export function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  return numberIn(env, name, fallback, min, max, false);
}

/** An http(s) URL, without a trailing slash. */
export function url(name: string, raw: unknown): string {
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

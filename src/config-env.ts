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

/** 1/true/yes or 0/false/no. */
export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw configError(name, '1, true or yes, or 0, false or no', raw);
}

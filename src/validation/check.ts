import { invalidArgument } from '../errors/index.js';

/**
 * Boundary checks in the manner of sharp's lib/is: each throws INVALID_ARGUMENT naming the field, the
 * expected range and the received value, and otherwise returns the value.
 */

export function checkIntInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalidArgument(field, `an integer from ${min} to ${max}`, value);
  return value;
}

export function checkNumberInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw invalidArgument(field, `a number from ${min} to ${max}`, value);
  return value;
}

export function checkOneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalidArgument(field, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

export function checkMaxLength(field: string, value: string, max: number): string {
  if (value.length > max) throw invalidArgument(field, `at most ${max} characters`, `${value.length} characters`);
  return value;
}

/** UUID (any version) in its canonical text form: the shape of every id this service issues. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkId(field: string, value: string): string {
  if (value === '') throw invalidArgument(field, 'an id', value);
  if (!ID_PATTERN.test(value)) throw invalidArgument(field, 'an id like "0190b6e2-7c1a-7d3e-9f00-0123456789ab"', value);
  return value;
}

const HEX_COLOR = /^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;

export function checkHexColor(field: string, value: string, allowAlpha = true): string {
  if (!HEX_COLOR.test(value) || (!allowAlpha && value.length !== 7)) {
    throw invalidArgument(field, allowAlpha ? 'a colour "#RRGGBB" or "#RRGGBBAA"' : 'a colour "#RRGGBB"', value);
  }
  return value.toLowerCase();
}

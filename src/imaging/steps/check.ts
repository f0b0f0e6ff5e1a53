import { invalidArgument } from '../../errors/index.js';

/** Small boundary predicates for step parameters; messages name the field, the range and the value. */
export function checkInteger(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function checkOptionalInteger(value: number | undefined, field: string, min: number, max: number): number | undefined {
  return value === undefined ? undefined : checkInteger(value, field, min, max);
}

export function checkNumber(value: number, field: string, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(field, `a number from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * A proto `float` as the number the caller wrote: the binary wire carries float32, so 0.1 arrives as
 * 0.10000000149011612. Seven significant digits (what float32 holds) give back 0.1 for range checks
 * and error messages, so that the documented bounds (0.3, 0.000001) are accepted exactly.
 */
export function floatValue(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(7)) : value;
}

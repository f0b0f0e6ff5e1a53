/**
 * sharp's `.timeout()` takes whole seconds and 0 means "none", so the time left is rounded up and never
 * below one second: a pipeline that should already be over still gets stopped, just not at once.
 */
export function timeoutSeconds(deadline: number, now = Date.now()): number {
  return Math.max(1, Math.ceil((deadline - now) / 1000));
}

/** Keys whose values are never kept from a provider's response. */
const SECRET_KEY = /api[_-]?key|secret|passw(or)?d|authori[sz]ation|cookie|credential|bearer|^(key|token|auth|access_token|refresh_token|id_token)$/i;

/** Replaces every occurrence of the configured secrets in text; short of that, text passes as is. */
function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/**
 * A provider's response details made safe to store and return: secret-looking keys dropped, configured
 * secrets replaced, long strings cut, depth and size bounded (an `info` blob is for reading, not archiving).
 */
export function redactJson(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') {
    const text = redactText(value, secrets);
    return text.length > 2000 ? `${text.slice(0, 1997)}...` : text;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === 'boolean') return value;
  if (depth >= 6) return undefined;
  if (Array.isArray(value)) return value.slice(0, 64).map((v) => redactJson(v, secrets, depth + 1) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 128)) {
      if (SECRET_KEY.test(k)) continue;
      const cleaned = redactJson(v, secrets, depth + 1);
      if (cleaned !== undefined) out[k] = cleaned;
    }
    return out;
  }
  return undefined;
}

/** Cuts a provider's message to something fit for an error: one line, at most 300 characters. */
export function providerMessage(text: string, secrets: readonly string[]): string {
  const line = redactText(text, secrets).replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

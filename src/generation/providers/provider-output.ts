import { generationFailed } from '../../errors/index.js';
import type { ProviderTarget } from '../http/call-provider.js';

/** Reading a provider's response body. Anything unexpected is INVALID_PROVIDER_OUTPUT: nothing is stored. */

export function invalidOutput(target: Pick<ProviderTarget, 'model' | 'provider'>, what: string, cause?: unknown): Error {
  return generationFailed(`model ${JSON.stringify(target.model)} (${target.provider}) returned ${what}`, {
    reason: 'INVALID_PROVIDER_OUTPUT',
    metadata: { model: target.model, provider: target.provider },
    cause,
  });
}

export function parseJsonObject(target: ProviderTarget, body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidOutput(target, `${body.byteLength} bytes that are not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidOutput(target, 'JSON that is not an object');
  return parsed as Record<string, unknown>;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Base64 image bytes, optionally as a data: URL; rejects anything that is not base64 at all. */
export function decodeBase64(target: ProviderTarget, value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || value.length === 0) throw invalidOutput(target, `no ${field}`);
  const text = value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!BASE64.test(text)) throw invalidOutput(target, `${field} that is not base64`);
  return Buffer.from(text, 'base64');
}

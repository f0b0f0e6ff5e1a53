import { keptFormat, type InputFormat, type OutputFormat } from '../imaging/image-formats.js';
import type { DeliveryFormat } from './transform.js';

/**
 * The format a derivative is encoded in. `auto` takes AVIF when the client's Accept names it, else
 * WebP, else the source's own format (PNG for one the service cannot write); any other choice is kept.
 * A wildcard (`*\/*`, `image/*`) does not count: browsers send it alongside what they really decode.
 */
export function negotiateFormat(requested: DeliveryFormat | undefined, accept: string | undefined, source: InputFormat): OutputFormat {
  if (requested !== undefined && requested !== 'auto') return requested;
  if (requested === 'auto') {
    const types = acceptedTypes(accept ?? '');
    if (types.has('image/avif')) return 'avif';
    if (types.has('image/webp')) return 'webp';
  }
  return keptFormat(source);
}

/** Media types the Accept header names with a quality above 0. */
function acceptedTypes(accept: string): Set<string> {
  const types = new Set<string>();
  for (const item of accept.split(',')) {
    const [type, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (type && (q === undefined || Number(q.slice(2)) > 0)) types.add(type);
  }
  return types;
}

export interface Fitted<T> {
  quality: number;
  result: T;
}

/**
 * The highest quality in 1..ceiling whose encoding is at most maxBytes, by binary search: the ceiling
 * first (usually it fits, one encode), then about log2(ceiling) more. Size grows with quality for the
 * lossy encoders; where it is not strictly monotonic the answer is a quality that fits, maybe not the
 * very highest. Undefined when even quality 1 is too big.
 */
export async function fitToBytes<T extends { byteLength: number }>(
  encodeAt: (quality: number) => Promise<T>,
  maxBytes: number,
  ceiling: number,
): Promise<Fitted<T> | undefined> {
  const top = await encodeAt(ceiling);
  if (top.byteLength <= maxBytes) return { quality: ceiling, result: top };
  let best: Fitted<T> | undefined;
  let low = 1;
  let high = ceiling - 1;
  while (low <= high) {
    const quality = Math.floor((low + high) / 2);
    const result = await encodeAt(quality);
    if (result.byteLength <= maxBytes) {
      best = { quality, result };
      low = quality + 1;
    } else {
      high = quality - 1;
    }
  }
  return best;
}

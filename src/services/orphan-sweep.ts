import type { ImageRepository } from '../persistence/repositories.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface SweepResult {
  scanned: number;
  removed: string[];
  /** Unreferenced, but younger than the grace period: possibly an upload whose row is being written. */
  spared: number;
}

/**
 * Removes blobs that no image row references and that are older than the grace period. Uploads write
 * the blob before the row, so a young unreferenced blob may belong to a call still in flight: the grace
 * period keeps the sweep from racing it.
 */
export async function sweepOrphans(deps: { blobs: BlobStore; images: ImageRepository }, graceMs: number, now = Date.now()): Promise<SweepResult> {
  const result: SweepResult = { scanned: 0, removed: [], spared: 0 };
  for await (const blob of deps.blobs.list()) {
    result.scanned++;
    if (await deps.images.isStoragePathReferenced(blob.key)) continue;
    if (now - blob.lastModified.getTime() < graceMs) {
      result.spared++;
      continue;
    }
    // Checked again right before deleting: a row may have arrived while we listed.
    if (await deps.images.isStoragePathReferenced(blob.key)) continue;
    await deps.blobs.delete(blob.key);
    result.removed.push(blob.key);
  }
  return result;
}

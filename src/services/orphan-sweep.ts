import type { BlobReferenceRepository } from '../persistence/repositories.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface SweepDeps {
  blobs: BlobStore;
  references: BlobReferenceRepository;
}

export interface SweepResult {
  scanned: number;
  removed: string[];
  /** Younger than the grace period: left without a check. */
  spared: number;
}

/** Candidates fetched per query: a bounded batch, then the next. */
const BATCH = 100;

/**
 * Removes the blobs whose last image row was deleted at least `graceMs` ago (so 0 takes every one). Cheap (an indexed query,
 * no listing of the store), so every instance may run it often. Each blob is checked again and
 * removed under its lock, so an upload of the same bytes racing the sweep keeps its blob.
 */
export async function sweepUnreferenced(deps: SweepDeps, graceMs: number, now = Date.now()): Promise<SweepResult> {
  const before = new Date(now - graceMs);
  const result: SweepResult = { scanned: 0, removed: [], spared: 0 };
  for (;;) {
    const batch = await deps.references.listUnreferenced(before, BATCH);
    for (const key of batch) {
      result.scanned++;
      const outcome = await deps.references.removeIfUnreferenced(key, before, () => deps.blobs.delete(key));
      if (outcome === 'removed') result.removed.push(key);
    }
    // Every candidate was removed or is referenced again: none comes back in the next batch.
    if (batch.length < BATCH) return result;
  }
}

/**
 * The full sweep: the unreferenced blobs above, then every blob in the store that the database does
 * not know (an upload stopped between writing its blob and its row) once older than `orphanGraceMs`.
 * Lists the whole store, so it runs rarely (`npm run sweep`, or ORPHAN_SWEEP_INTERVAL_SECONDS).
 */
export async function sweepOrphans(deps: SweepDeps, grace: { unreferencedMs: number; orphanMs: number }, now = Date.now()): Promise<SweepResult> {
  const result = await sweepUnreferenced(deps, grace.unreferencedMs, now);
  const young = new Date(now - grace.orphanMs);
  // A blob the database knows keeps the longer of the two grace periods.
  const before = new Date(now - Math.max(grace.orphanMs, grace.unreferencedMs));
  for await (const blob of deps.blobs.list()) {
    result.scanned++;
    if (blob.lastModified >= young) {
      result.spared++;
      continue;
    }
    // Most blobs are referenced: a plain read skips them without taking their lock.
    if (await deps.references.isReferenced(blob.key)) continue;
    const outcome = await deps.references.removeIfUnreferenced(blob.key, before, () => deps.blobs.delete(blob.key));
    if (outcome === 'removed') result.removed.push(blob.key);
    else if (outcome === 'recent') result.spared++;
  }
  return result;
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/images beside the project: real photos, never committed into it. */
export const SHARED_IMAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/images');

export const haveSharedImages = existsSync(path.join(SHARED_IMAGES, 'SOURCES.md'));

if (!haveSharedImages) {
  // Visible, not silent: tests that need the photos are skipped and say why.
  console.warn(`[skip] ${SHARED_IMAGES} is absent: tests that use the real photos are skipped`);
}

export function sharedImage(name: string): Buffer {
  return readFileSync(path.join(SHARED_IMAGES, name));
}

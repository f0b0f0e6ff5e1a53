import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzCase, type FuzzCase } from './fuzz-case.js';
import type { SeedImage } from './seed-images.js';

/** Every case that ever failed, one JSON file each, committed with the tests and replayed first. */
const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');

/** Cases up to this size keep their bytes; larger ones keep the (seed, index) that makes them. */
const MAX_STORED_BYTES = 4 * 1024;

interface CorpusEntry {
  /** "seed:index" of the campaign that found it. */
  case: string;
  format: FuzzCase['format'];
  recipe: string;
  exportFormat: string;
  /** What went wrong when it was found. */
  found: string[];
  sha256: string;
  /** base64, when the case is small enough to keep as bytes. */
  data?: string;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function corpusFileName(c: FuzzCase): string {
  return `${c.format}-${sha256(c.data).slice(0, 16)}.json`;
}

/** Adds a failing case (once: the name is its content hash); answers the file it is in. */
export function keepInCorpus(c: FuzzCase, found: string[]): string {
  mkdirSync(CORPUS_DIR, { recursive: true });
  const file = path.join(CORPUS_DIR, corpusFileName(c));
  if (!existsSync(file)) {
    const entry: CorpusEntry = {
      case: c.id,
      format: c.format,
      recipe: c.recipe,
      exportFormat: c.exportFormat,
      found,
      sha256: sha256(c.data),
      ...(c.data.length <= MAX_STORED_BYTES ? { data: c.data.toString('base64') } : {}),
    };
    writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`);
  }
  return path.relative(process.cwd(), file);
}

/**
 * The corpus as cases. An entry kept as a recipe is made again from its numbers; when that no longer
 * gives the same bytes (the seed images changed with sharp, or the mutations did) it is still run, and
 * `drifted` names it so the entry can be refreshed.
 */
export function corpusCases(seeds: readonly SeedImage[]): { cases: FuzzCase[]; drifted: string[] } {
  if (!existsSync(CORPUS_DIR)) return { cases: [], drifted: [] };
  const cases: FuzzCase[] = [];
  const drifted: string[] = [];
  for (const name of readdirSync(CORPUS_DIR).filter((n) => n.endsWith('.json')).sort()) {
    const entry = JSON.parse(readFileSync(path.join(CORPUS_DIR, name), 'utf8')) as CorpusEntry;
    if (entry.data !== undefined) {
      cases.push({ id: entry.case, format: entry.format, recipe: entry.recipe, exportFormat: entry.exportFormat, data: Buffer.from(entry.data, 'base64') });
      continue;
    }
    const [seed, index] = entry.case.split(':').map(Number);
    const remade = fuzzCase(seeds, seed, index);
    if (sha256(remade.data) !== entry.sha256) drifted.push(name);
    cases.push(remade);
  }
  return { cases, drifted };
}

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { KdTree3 } from './kd-tree.js';
import { linearRgbToOklabInto, SRGB_TO_LINEAR, type Vec3 } from './oklab.js';

/** Names colours after the nearest entry of a named-colour list, by OKLab distance. */
export interface ColorNamer {
  /** The name of the listed colour nearest these sRGB bytes. */
  name(rgb: Vec3): string;
  /** Entries in the list. */
  readonly size: number;
}

export interface NamedColor {
  name: string;
  hex: string;
}

/** A namer over any list of named colours ("#rrggbb"), indexed by a k-d tree in OKLab. */
export function colorNamer(list: readonly NamedColor[]): ColorNamer {
  const names: string[] = [];
  const points: number[] = [];
  const lab = new Float64Array(3);
  for (const { name, hex } of list) {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) continue;
    linearRgbToOklabInto(SRGB_TO_LINEAR[parseInt(m[1], 16)], SRGB_TO_LINEAR[parseInt(m[2], 16)], SRGB_TO_LINEAR[parseInt(m[3], 16)], lab);
    points.push(lab[0], lab[1], lab[2]);
    names.push(name);
  }
  const tree = new KdTree3(Float64Array.from(points));
  return {
    size: names.length,
    name(rgb) {
      linearRgbToOklabInto(SRGB_TO_LINEAR[rgb[0]], SRGB_TO_LINEAR[rgb[1]], SRGB_TO_LINEAR[rgb[2]], lab);
      return names[tree.nearest(lab[0], lab[1], lab[2])] ?? '';
    },
  };
}

let loading: Promise<ColorNamer> | undefined;

/**
 * The namer over color-name-list (about 32,000 names, curated by its community), built once per
 * process on first use and shared by later calls.
 */
export function defaultColorNamer(): Promise<ColorNamer> {
  loading ??= loadColorNameList()
    .then(colorNamer)
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

/**
 * The list as JSON (the package's `main`): parsing it takes a fifth of the time of importing the same
 * list as a JavaScript module, and this runs while a request waits. Never imported at start: the list
 * is 7 MB of JavaScript heap, and every major GC of the main thread would mark it again.
 */
async function loadColorNameList(): Promise<readonly NamedColor[]> {
  return JSON.parse(await readFile(colorNameListJson(), 'utf8')) as NamedColor[];
}

/** The same list, read synchronously, for code that needs it inside a synchronous call (once per process). */
export function colorNameListSync(): readonly NamedColor[] {
  return JSON.parse(readFileSync(colorNameListJson(), 'utf8')) as NamedColor[];
}

function colorNameListJson(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('color-name-list/package.json');
  const { main } = JSON.parse(readFileSync(manifest, 'utf8')) as { main?: string };
  if (!main?.endsWith('.json')) throw new Error(`color-name-list: expected its main entry to be the JSON list, found ${JSON.stringify(main)}`);
  return path.join(path.dirname(manifest), main);
}

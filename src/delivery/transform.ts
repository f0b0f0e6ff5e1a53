import { invalidArgument } from '../errors/index.js';
import { OUTPUT_FORMATS, parseFormat, type OutputFormat } from '../imaging/image-formats.js';
import { checkIntInRange, checkNumberInRange, checkOneOf } from '../validation/check.js';

const FITS = ['inside', 'cover', 'contain', 'fill', 'outside'] as const;
export type DeliveryFit = (typeof FITS)[number];

/** sharp's anchor names and its two content-aware crop strategies. */
const GRAVITIES = ['centre', 'north', 'northeast', 'east', 'southeast', 'south', 'southwest', 'west', 'northwest', 'attention', 'entropy'] as const;
export type DeliveryGravity = (typeof GRAVITIES)[number];

/** A concrete output format, or `auto`: negotiated from the request's Accept header. */
export type DeliveryFormat = OutputFormat | 'auto';

/** A derivative as a URL names it: every field optional, a preset's fields fill the unset ones. */
export interface Transform {
  width?: number;
  height?: number;
  fit?: DeliveryFit;
  gravity?: DeliveryGravity;
  format?: DeliveryFormat;
  quality?: number;
  dpr?: number;
  preset?: string;
}

export const PRESET_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const MAX_DPR = 4;

/** The short keys of the canonical text, in their fixed order, and the long names accepted in PRESETS. */
const KEYS: readonly [keyof Transform, string][] = [
  ['preset', 'p'],
  ['width', 'w'],
  ['height', 'h'],
  ['fit', 'fit'],
  ['gravity', 'g'],
  ['format', 'f'],
  ['quality', 'q'],
  ['dpr', 'dpr'],
];
const BY_NAME = new Map<string, keyof Transform>(KEYS.flatMap(([name, short]) => [[name, name], [short, name]] as [string, keyof Transform][]));

/**
 * Checks every field (naming `${field}.<name>`) and returns the transform with defaults dropped, so
 * one derivative has one canonical text: 0 sizes, quality 0 and dpr 0 or 1 mean "unset".
 */
export function checkTransform(t: Transform, field: string, maxDimension: number): Transform {
  const out: Transform = {};
  if (t.preset !== undefined && t.preset !== '') {
    if (!PRESET_NAME.test(t.preset)) throw invalidArgument(`${field}.preset`, 'a preset name (a-z, 0-9, - and _, at most 32)', t.preset);
    out.preset = t.preset;
  }
  if (t.width) out.width = checkIntInRange(`${field}.width`, t.width, 0, maxDimension);
  if (t.height) out.height = checkIntInRange(`${field}.height`, t.height, 0, maxDimension);
  if (t.fit !== undefined) out.fit = checkOneOf(`${field}.fit`, t.fit, FITS);
  if (t.gravity !== undefined) out.gravity = checkOneOf(`${field}.gravity`, t.gravity, GRAVITIES);
  if (t.format !== undefined && (t.format as string) !== '') out.format = t.format.toLowerCase() === 'auto' ? 'auto' : parseFormat(`${field}.format`, t.format, OUTPUT_FORMATS);
  if (t.quality) out.quality = checkIntInRange(`${field}.quality`, t.quality, 0, 100);
  if (t.dpr !== undefined && t.dpr !== 0) {
    // Two decimals: a float from the wire (1.5f) and its text form must name the same derivative.
    const dpr = Math.round(checkNumberInRange(`${field}.dpr`, t.dpr, 0, MAX_DPR) * 100) / 100;
    if (dpr < 1) throw invalidArgument(`${field}.dpr`, `a number from 1 to ${MAX_DPR} (0 for 1)`, t.dpr);
    if (dpr !== 1) out.dpr = dpr;
  }
  return out;
}

/** Whether the transform asks for anything beyond a preset. */
export function isPresetOnly(t: Transform): boolean {
  return KEYS.every(([name]) => name === 'preset' || t[name] === undefined);
}

/** `p=card,w=640,f=auto`: the fields set, in a fixed order, as a URL and the signature carry them. */
export function canonicalTransform(t: Transform): string {
  return KEYS.filter(([name]) => t[name] !== undefined)
    .map(([name, short]) => `${short}=${t[name]}`)
    .join(',');
}

/**
 * The text form back into a transform (`w=640,f=webp` or `width=640,format=webp`), unchecked: the
 * caller runs checkTransform on it. `field` names the text in errors.
 */
export function parseTransformText(text: string, field: string): Transform {
  const t: Record<string, string | number> = {};
  if (text.trim() === '') return {};
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split('=').map((s) => s.trim());
    const name = BY_NAME.get(key ?? '');
    if (!name || value === undefined || value === '' || extra !== undefined) {
      throw invalidArgument(field, `key=value pairs with keys ${KEYS.map(([n]) => n).join(', ')}`, part);
    }
    const numeric = name === 'width' || name === 'height' || name === 'quality' || name === 'dpr';
    if (numeric && !/^\d+(\.\d+)?$/.test(value)) throw invalidArgument(`${field}.${name}`, 'a number', value);
    t[name] = numeric ? Number(value) : value;
  }
  return t;
}

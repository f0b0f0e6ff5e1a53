import { configError } from '../config-env.js';
import { invalidArgument, isAppError } from '../errors/index.js';
import { canonicalTransform, checkTransform, parseTransformText, PRESET_NAME, type DeliveryFit, type DeliveryFormat, type DeliveryGravity, type Transform } from './transform.js';

/** Named transforms from configuration; a transform's `preset` names one. */
export type Presets = ReadonlyMap<string, Transform>;

/** Always there unless PRESETS redefines them: a square thumbnail, a card image and a full-width hero. */
const BUILT_IN_PRESETS: Readonly<Record<string, string>> = {
  thumbnail: 'w=200,h=200,fit=cover,g=attention,f=auto',
  card: 'w=640,h=480,fit=cover,g=attention,f=auto',
  hero: 'w=1920,h=1080,fit=cover,g=attention,f=auto',
};

/**
 * PRESETS: JSON (`{"card": {"width": 640, "height": 480, "fit": "cover"}}`) or text
 * (`card:width=640,height=480,fit=cover;avatar:w=96,h=96,fit=cover,g=attention`). Each one is checked
 * as a transform is, and may not name another preset. They add to the built-ins, or replace one by name.
 */
export function parsePresets(raw: string | undefined, maxDimension: number): Presets {
  const entries: [string, Transform][] = Object.entries(BUILT_IN_PRESETS).map(([name, text]) => [name, parseTransformText(text, name)]);
  if (raw !== undefined && raw.trim() !== '') {
    if (raw.trim().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw configError('PRESETS', 'a JSON object of name: transform, or name:key=value,...;...', raw);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw configError('PRESETS', 'a JSON object of name: transform', raw);
      for (const [name, value] of Object.entries(parsed)) entries.push([name, value as Transform]);
    } else {
      for (const item of raw.split(';').filter((s) => s.trim() !== '')) {
        const colon = item.indexOf(':');
        if (colon < 0) throw configError('PRESETS', 'name:key=value,... entries separated by ;', item);
        entries.push([item.slice(0, colon).trim(), parseTransformText(item.slice(colon + 1), 'PRESETS')]);
      }
    }
  }
  const presets = new Map<string, Transform>();
  for (const [name, value] of entries) {
    if (!PRESET_NAME.test(name)) throw configError('PRESETS', 'preset names of a-z, 0-9, - and _ (at most 32)', name);
    try {
      const t = checkTransform(value, `PRESETS.${name}`, maxDimension);
      if (t.preset !== undefined) throw invalidArgument(`PRESETS.${name}.preset`, 'no preset inside a preset', t.preset);
      presets.set(name, t);
    } catch (e) {
      throw isAppError(e) ? configError('PRESETS', 'valid transforms', e.message) : e;
    }
  }
  return presets;
}

/** What is rendered: a preset resolved, the device pixel ratio applied, the fit decided. */
export interface Rendition {
  width?: number;
  height?: number;
  fit: DeliveryFit;
  gravity?: DeliveryGravity;
  format?: DeliveryFormat;
  quality?: number;
}

/**
 * The transform as rendered. Its own fields win over its preset's; dpr multiplies the box (and the
 * result must still be within the dimension limit). `field` names the transform in errors.
 */
export function resolveTransform(t: Transform, presets: Presets, field: string, maxDimension: number): Rendition {
  let base: Transform = {};
  if (t.preset !== undefined) {
    const preset = presets.get(t.preset);
    if (!preset) throw invalidArgument(`${field}.preset`, `one of ${[...presets.keys()].join(', ')}`, t.preset, 'UNKNOWN_PRESET');
    base = preset;
  }
  const merged: Transform = { ...base, ...definedFields(t) };
  const dpr = merged.dpr ?? 1;
  const scaled = (side: number | undefined, name: string) => {
    if (side === undefined) return undefined;
    const value = Math.round(side * dpr);
    if (value > maxDimension) throw invalidArgument(`${field}.dpr`, `a ratio that keeps ${name} x dpr within ${maxDimension}`, `${name} ${side} x ${dpr}`);
    return value;
  };
  const fit = merged.fit ?? 'inside';
  if (merged.gravity !== undefined) {
    const smart = merged.gravity === 'attention' || merged.gravity === 'entropy';
    if (smart ? fit !== 'cover' : fit !== 'cover' && fit !== 'contain') {
      throw invalidArgument(`${field}.gravity`, smart ? 'attention or entropy only with fit cover' : 'an anchor only with fit cover or contain', `${merged.gravity} with fit ${fit}`);
    }
  }
  return {
    width: scaled(merged.width, 'width'),
    height: scaled(merged.height, 'height'),
    fit,
    gravity: merged.gravity,
    format: merged.format,
    quality: merged.quality,
  };
}

/** The rendition's own text (before format negotiation), part of the result-cache key. */
export function canonicalRendition(r: Rendition): string {
  return canonicalTransform({ width: r.width, height: r.height, fit: r.fit, gravity: r.gravity, quality: r.quality });
}

function definedFields(t: Transform): Transform {
  const { preset: _preset, ...rest } = t;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

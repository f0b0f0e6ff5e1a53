import type { PaletteTypeName } from '../domain/palette-record.js';
import type { HarmonyName } from './harmonies.js';
import type { RoleName } from './palette-roles.js';

/** Palette types read from the image's colours. */
const EXTRACTED_TYPES = ['dominant', 'vibrant', 'muted', 'dark', 'light', 'pastel'] as const satisfies readonly PaletteTypeName[];
/** Palette types built from the image's dominant colour. */
export const HARMONY_TYPES = [
  'complementary', 'analogous', 'triadic', 'split_complementary', 'tetradic', 'monochromatic', 'shades',
] as const satisfies readonly HarmonyName[];
/** What extraction produces ('theme' palettes come from a theme description, not an image). */
export const EXTRACTABLE_TYPES: readonly PaletteTypeName[] = [...EXTRACTED_TYPES, ...HARMONY_TYPES];

export function isRole(type: PaletteTypeName): type is RoleName {
  return type !== 'dominant' && (EXTRACTED_TYPES as readonly string[]).includes(type);
}

export function isHarmony(type: PaletteTypeName): type is HarmonyName {
  return (HARMONY_TYPES as readonly string[]).includes(type);
}

export const MIN_COLORS = 1;
export const MAX_COLORS = 16;
export const DEFAULT_COLORS = 5;

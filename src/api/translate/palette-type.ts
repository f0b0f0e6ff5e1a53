import { PaletteType } from '../../../gen/image/v1/palette_pb.js';
import type { PaletteTypeName } from '../../domain/palette-record.js';
import { invalidArgument } from '../../errors/index.js';

const TO_PROTO: Record<PaletteTypeName, PaletteType> = {
  dominant: PaletteType.DOMINANT,
  vibrant: PaletteType.VIBRANT,
  muted: PaletteType.MUTED,
  dark: PaletteType.DARK,
  light: PaletteType.LIGHT,
  pastel: PaletteType.PASTEL,
  complementary: PaletteType.COMPLEMENTARY,
  analogous: PaletteType.ANALOGOUS,
  triadic: PaletteType.TRIADIC,
  split_complementary: PaletteType.SPLIT_COMPLEMENTARY,
  tetradic: PaletteType.TETRADIC,
  monochromatic: PaletteType.MONOCHROMATIC,
  shades: PaletteType.SHADES,
  theme: PaletteType.THEME,
};

/** The wire enum's full name, e.g. PALETTE_TYPE_SPLIT_COMPLEMENTARY. */
const protoName = (name: string) => `PALETTE_TYPE_${name.toUpperCase()}`;

// What GenerateColorPalette and GenerateMultiplePalettes accept: every type an image yields.
const EXTRACTABLE = (Object.keys(TO_PROTO) as PaletteTypeName[]).filter((t) => t !== 'theme');
const EXPECTED = `one of ${EXTRACTABLE.map(protoName).join(', ')} (PALETTE_TYPE_UNSPECIFIED means DOMINANT; THEME palettes come only from GenerateAndApplyPalette)`;

export function paletteTypeToProto(type: PaletteTypeName): PaletteType {
  return TO_PROTO[type];
}

/**
 * A requested palette type as the core names it. UNSPECIFIED is dominant; THEME and numbers this
 * contract does not define are INVALID_ARGUMENT, naming the field and every supported value.
 */
export function paletteTypeFromProto(value: PaletteType, field: string): PaletteTypeName {
  if (value === PaletteType.UNSPECIFIED) return 'dominant';
  const type = EXTRACTABLE.find((t) => TO_PROTO[t] === value);
  if (type) return type;
  throw invalidArgument(field, EXPECTED, value === PaletteType.THEME ? protoName('theme') : value);
}

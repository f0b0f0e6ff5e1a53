/** Mirrors image.v1.PaletteType, lower snake case. */
export type PaletteTypeName =
  | 'dominant' | 'vibrant' | 'muted' | 'dark' | 'light' | 'pastel'
  | 'complementary' | 'analogous' | 'triadic' | 'split_complementary' | 'tetradic' | 'monochromatic' | 'shades'
  | 'theme';

export interface PaletteColorRecord {
  hex: string;
  rgb: [number, number, number];
  hsv: [number, number, number];
  name: string;
  proportion: number;
}

export interface PaletteRecord {
  id: string;
  /** The tenant it belongs to: only its callers can find it. */
  tenant: string;
  name: string;
  sourceImageId: string | null;
  type: PaletteTypeName;
  colors: PaletteColorRecord[];
  createdAt: Date;
}

import { distanceSquared, type Vec3 } from './oklab.js';
import { fillDistinct, projectIntoBox, type ColorBox } from './fill-distinct.js';
import { isDistinctFrom, lchOf, swatchOf, type Swatch } from './swatch.js';

export type RoleName = 'vibrant' | 'muted' | 'dark' | 'light' | 'pastel';

interface Role {
  /** Where every colour of the palette lies, in OKLCh (lightness 0-1, chroma). */
  box: ColorBox;
  /** Extra preference among candidates that fit equally well (0 = none). */
  bonus: (lch: Vec3) => number;
}

/**
 * The extraction types as regions of OKLCh. Chroma bounds are absolute, not relative to the gamut, so
 * "vibrant" means visibly colourful at any hue: every hue reaches chroma 0.11 somewhere between
 * lightness 0.45 and 0.85 inside sRGB (test/color/palette-roles.test.ts checks all 360).
 */
export const ROLES: Record<RoleName, Role> = {
  vibrant: { box: { L: [0.45, 0.85], C: [0.11, Infinity] }, bonus: ([, C]) => C / 0.1 },
  muted: { box: { L: [0.35, 0.75], C: [0.02, 0.08] }, bonus: () => 0 },
  dark: { box: { L: [0.12, 0.4], C: [0, Infinity] }, bonus: () => 0 },
  light: { box: { L: [0.8, 0.97], C: [0, Infinity] }, bonus: () => 0 },
  pastel: { box: { L: [0.8, 0.93], C: [0.04, 0.11] }, bonus: () => 0 },
};

// How far (OKLab) a candidate may have to move into the box before it stops being a good choice.
const MOVE_SCALE = 0.08;

/**
 * n distinct colours of the role, chosen from the image's candidate colours: each candidate is moved
 * to the nearest colour of the role's region (same hue), scored by how common it is and how little it
 * had to move, and taken best first. Where the image has too few, variations of the chosen ones are
 * added. Each colour keeps the pixel share of the candidate it came from (0 for added ones).
 */
export function roleColors(candidates: readonly Swatch[], role: RoleName, n: number): Swatch[] {
  const { box, bonus } = ROLES[role];
  const scored = candidates.map((c) => {
    const [L, C, h] = lchOf(c);
    const moved = swatchOf(projectIntoBox(L, C, h, box), c.proportion);
    const move = Math.sqrt(distanceSquared(moved.lab, c.lab));
    const score = Math.sqrt(c.proportion) * Math.exp(-((move / MOVE_SCALE) ** 2)) * (1 + bonus(lchOf(moved)));
    return { moved, score };
  });
  scored.sort((a, b) => b.score - a.score);
  const chosen: Swatch[] = [];
  for (const { moved } of scored) {
    if (chosen.length === n) break;
    if (isDistinctFrom(moved.lab, chosen)) chosen.push(moved);
  }
  return fillDistinct(chosen, n, box);
}

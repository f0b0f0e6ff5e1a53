import type { Technique } from '../styles.js';
import { labToHex } from './prompt-palette.js';
import { along, byLightness, grain, mix, n, op, shade, waveField, weighted, type Canvas } from './canvas.js';
import { between, intBetween } from './seeded-random.js';

/**
 * The drawing techniques, one per style family. Each returns SVG elements (adding what it needs to
 * c.defs); the layout comes from c.layout, colours from the palette, density from c.detail.
 */
export const TECHNIQUES: Record<Technique, (c: Canvas) => string[]> = {
  fields,
  landscape,
  watercolor,
  brushwork,
  'low-poly': lowPoly,
  pixels,
  sketch,
  minimal,
};

const PAPER: [number, number, number] = [0.955, 0.004, 0.014];

/** Abstract colour fields: a gradient ground under large, softly blurred ellipses. */
function fields(c: Canvas): string[] {
  const angle = c.layout() * 360;
  const [a, b] = [weighted(c), weighted(c)];
  c.defs.push(
    `<linearGradient id="ground" gradientTransform="rotate(${n(angle)} 0.5 0.5)"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient>`,
    `<filter id="soft" x="0" y="0" width="100%" height="100%"><feGaussianBlur stdDeviation="${n(c.min * 0.06)}"/></filter>`,
  );
  const blobs: string[] = [];
  const count = Math.min(30, 5 + Math.round(c.detail / 5));
  for (let i = 0; i < count; i++) {
    const cx = c.layout() * c.w;
    const cy = c.layout() * c.h;
    const rx = between(c.layout, 0.12, 0.5) * c.min;
    const ry = between(c.layout, 0.08, 0.35) * c.min;
    const rot = c.layout() * 180;
    const opacity = between(c.layout, 0.45, 0.85);
    blobs.push(`<ellipse cx="${n(cx)}" cy="${n(cy)}" rx="${n(rx)}" ry="${n(ry)}" transform="rotate(${n(rot)} ${n(cx)} ${n(cy)})" fill="${weighted(c)}" opacity="${op(opacity)}"/>`);
  }
  // One blur over the group: a filter per shape costs a full-size pass each.
  return [`<rect width="${c.w}" height="${c.h}" fill="url(#ground)"/>`, `<g filter="url(#soft)">${blobs.join('')}</g>`];
}

/** Photographic, cinematic, 3d-render: sky, a sun, layered hills with aerial perspective, film grain. */
function landscape(c: Canvas): string[] {
  const ramp = byLightness(c);
  const light = ramp[0];
  const skyLow = mix(ramp[0], ramp[Math.min(1, ramp.length - 1)], 0.45);
  c.defs.push(
    `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shade(light, 0.06)}"/><stop offset="1" stop-color="${labToHex(skyLow)}"/></linearGradient>`,
    `<radialGradient id="glow"><stop offset="0" stop-color="${shade(light, 0.1, 1.2)}" stop-opacity="0.95"/><stop offset="0.35" stop-color="${shade(light, 0.05)}" stop-opacity="0.5"/><stop offset="1" stop-color="${shade(light, 0)}" stop-opacity="0"/></radialGradient>`,
  );
  const out = [`<rect width="${c.w}" height="${c.h}" fill="url(#sky)"/>`];
  const sunX = between(c.layout, 0.15, 0.85) * c.w;
  const sunY = between(c.layout, 0.12, 0.38) * c.h;
  const sunR = between(c.layout, 0.05, 0.1) * c.min;
  out.push(`<circle cx="${n(sunX)}" cy="${n(sunY)}" r="${n(sunR * 4)}" fill="url(#glow)"/>`);
  out.push(`<circle cx="${n(sunX)}" cy="${n(sunY)}" r="${n(sunR)}" fill="${shade(light, 0.12)}" opacity="0.9"/>`);
  const horizon = between(c.layout, 0.45, 0.65) * c.h;
  const layers = Math.min(6, 3 + Math.floor(c.detail / 30));
  const step = c.w / 48;
  for (let k = 0; k < layers; k++) {
    const depth = layers === 1 ? 1 : k / (layers - 1);
    const base = horizon + depth * (c.h - horizon) * 0.75;
    const amp = (0.04 + 0.08 * c.layout()) * c.h * (1 - depth * 0.4);
    const waves = Array.from({ length: 3 }, () => ({ f: between(c.layout, 1, 6), p: c.layout() * Math.PI * 2, a: c.layout() }));
    const source = ramp[Math.min(ramp.length - 1, 1 + Math.floor(depth * (ramp.length - 1)))] ?? ramp[0];
    // Far hills fade into the sky; near ones are darker and keep their colour.
    const color = labToHex(mix(skyLow, source.lab, 0.35 + 0.65 * depth).map((v, i) => (i === 0 ? v - 0.12 * depth : v)) as [number, number, number]);
    let d = `M0 ${c.h} L0 ${n(base)}`;
    for (let x = 0; x <= c.w + step; x += step) {
      let y = 0;
      for (const wv of waves) y += wv.a * Math.sin((x / c.w) * wv.f * Math.PI * 2 + wv.p);
      d += ` L${n(Math.min(x, c.w))} ${n(base - amp * (y / 1.5))}`;
    }
    out.push(`<path d="${d} L${c.w} ${c.h} Z" fill="${color}"/>`);
  }
  out.push(grain(c, 'grain', 0.9, 0.07));
  return out;
}

/** Translucent pigment blobs with ragged edges (turbulence displacement) on textured paper. */
function watercolor(c: Canvas): string[] {
  const paper = labToHex(mix(PAPER, byLightness(c)[0], 0.12));
  c.defs.push(
    `<filter id="bleed" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="${(8 / c.min).toFixed(4)}" numOctaves="1" seed="${c.noiseSeed}"/><feDisplacementMap in="SourceGraphic" scale="${n(c.min * 0.05)}" xChannelSelector="R" yChannelSelector="G"/></filter>`,
  );
  const blobs: string[] = [];
  const count = Math.min(28, 6 + Math.round(c.detail / 6));
  for (let i = 0; i < count; i++) {
    const cx = between(c.layout, 0.05, 0.95) * c.w;
    const cy = between(c.layout, 0.05, 0.95) * c.h;
    const r = between(c.layout, 0.08, 0.3) * c.min;
    const points: string[] = [];
    const vertices = 14;
    for (let v = 0; v < vertices; v++) {
      const t = (v / vertices) * Math.PI * 2;
      const rr = r * between(c.layout, 0.65, 1.35);
      points.push(`${n(cx + Math.cos(t) * rr)},${n(cy + Math.sin(t) * rr * 0.8)}`);
    }
    const color = weighted(c);
    blobs.push(
      `<polygon points="${points.join(' ')}" fill="${color}" fill-opacity="${op(between(c.layout, 0.28, 0.5))}" stroke="${color}" stroke-opacity="0.35" stroke-width="${n(c.min * 0.004 + 1)}"/>`,
    );
  }
  // The bleed filter runs once over all the pigment, not once per blob.
  return [`<rect width="${c.w}" height="${c.h}" fill="${paper}"/>`, `<g filter="url(#bleed)">${blobs.join('')}</g>`, grain(c, 'paper', 0.6, 0.08)];
}

/** Oil painting: short, thick strokes following a flow field, coloured by a second field. */
function brushwork(c: Canvas): string[] {
  const ramp = byLightness(c);
  const [a, b] = [weighted(c), weighted(c)];
  c.defs.push(`<linearGradient id="under" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient>`);
  const out = [`<rect width="${c.w}" height="${c.h}" fill="url(#under)"/>`];
  const flow = waveField(c.layout, c.w, c.h, 2);
  const hue = waveField(c.layout, c.w, c.h, 3);
  const count = Math.min(1400, 120 + c.detail * 8);
  for (let i = 0; i < count; i++) {
    const x = c.layout() * c.w;
    const y = c.layout() * c.h;
    const angle = flow(x, y) * Math.PI * 2;
    const len = between(c.layout, 0.03, 0.07) * c.min;
    const width = between(c.layout, 0.012, 0.025) * c.min;
    const color = shade(along(ramp, hue(x, y) + (c.tint() - 0.5) * 0.2), (c.tint() - 0.5) * 0.06);
    const dx = (Math.cos(angle) * len) / 2;
    const dy = (Math.sin(angle) * len) / 2;
    out.push(`<line x1="${n(x - dx)}" y1="${n(y - dy)}" x2="${n(x + dx)}" y2="${n(y + dy)}" stroke="${color}" stroke-width="${n(width)}" stroke-linecap="round" opacity="0.85"/>`);
  }
  return out;
}

/** Digital art, anime: a jittered triangle mesh shaded along a gradient through the palette. */
function lowPoly(c: Canvas): string[] {
  const ramp = byLightness(c);
  const cols = Math.min(22, 5 + Math.floor(c.detail / 6));
  const rows = Math.max(2, Math.round((cols * c.h) / c.w));
  const cw = c.w / cols;
  const ch = c.h / rows;
  const pts: [number, number][][] = [];
  for (let r = 0; r <= rows; r++) {
    const row: [number, number][] = [];
    for (let q = 0; q <= cols; q++) {
      const jx = q === 0 || q === cols ? 0 : (c.layout() - 0.5) * 0.7 * cw;
      const jy = r === 0 || r === rows ? 0 : (c.layout() - 0.5) * 0.7 * ch;
      row.push([q * cw + jx, r * ch + jy]);
    }
    pts.push(row);
  }
  const angle = c.layout() * Math.PI * 2;
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  const span = Math.abs(ux) * c.w + Math.abs(uy) * c.h;
  const offset = Math.min(0, ux * c.w) + Math.min(0, uy * c.h);
  const out: string[] = [];
  const tri = (p: [number, number][]) => {
    const cx = (p[0][0] + p[1][0] + p[2][0]) / 3;
    const cy = (p[0][1] + p[1][1] + p[2][1]) / 3;
    const t = (cx * ux + cy * uy - offset) / span;
    const color = shade(along(ramp, t), (c.tint() - 0.5) * 0.08);
    out.push(`<polygon points="${p.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="${color}" stroke="${color}" stroke-width="0.6"/>`);
  };
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const [a, b, d, e] = [pts[r][q], pts[r][q + 1], pts[r + 1][q], pts[r + 1][q + 1]];
      if (c.layout() < 0.5) {
        tri([a, b, e]);
        tri([a, e, d]);
      } else {
        tri([a, b, d]);
        tri([b, e, d]);
      }
    }
  }
  return out;
}

/** Pixel art: a coarse grid quantised to the palette from a smooth field; runs of a row merged. */
function pixels(c: Canvas): string[] {
  const ramp = byLightness(c);
  const across = Math.min(64, 16 + Math.floor(c.detail / 4));
  const cell = c.w / across;
  const down = Math.ceil(c.h / cell);
  const field = waveField(c.layout, c.w, c.h, 3);
  const out: string[] = [];
  for (let r = 0; r < down; r++) {
    let start = 0;
    let current = -1;
    const flush = (end: number) => {
      if (current < 0) return;
      out.push(`<rect x="${n(start * cell)}" y="${n(r * cell)}" width="${n((end - start) * cell + 0.5)}" height="${n(cell + 0.5)}" fill="${ramp[current].hex}"/>`);
    };
    for (let q = 0; q < across; q++) {
      const v = field((q + 0.5) * cell, (r + 0.5) * cell);
      const index = Math.min(ramp.length - 1, Math.floor(v * ramp.length));
      if (index !== current) {
        flush(q);
        start = q;
        current = index;
      }
    }
    flush(across);
  }
  return [`<g shape-rendering="crispEdges">${out.join('')}</g>`];
}

/** Sketch, line art: pale washes of the palette under ink curves and hatching on paper. */
function sketch(c: Canvas): string[] {
  const dark = byLightness(c).at(-1)!;
  const ink = labToHex(mix(dark, [0.18, 0, 0], 0.5));
  c.defs.push(`<filter id="wash" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${n(c.min * 0.05)}"/></filter>`);
  const out = [`<rect width="${c.w}" height="${c.h}" fill="${labToHex(PAPER)}"/>`];
  for (let i = 0, washes = intBetween(c.layout, 2, 4); i < washes; i++) {
    out.push(
      `<ellipse cx="${n(c.layout() * c.w)}" cy="${n(c.layout() * c.h)}" rx="${n(between(c.layout, 0.15, 0.4) * c.min)}" ry="${n(between(c.layout, 0.1, 0.3) * c.min)}" fill="${weighted(c)}" opacity="0.35" filter="url(#wash)"/>`,
    );
  }
  const curves = Math.min(160, 25 + c.detail);
  const strokes: string[] = [];
  for (let i = 0; i < curves; i++) {
    const p = () => `${n(c.layout() * c.w)} ${n(c.layout() * c.h)}`;
    strokes.push(`<path d="M${p()} C${p()} ${p()} ${p()}" stroke-width="${n(between(c.layout, 0.8, 2.2))}" opacity="${op(between(c.layout, 0.35, 0.8))}"/>`);
  }
  for (let i = 0, regions = intBetween(c.layout, 3, 5); i < regions; i++) {
    const x0 = c.layout() * c.w;
    const y0 = c.layout() * c.h;
    const size = between(c.layout, 0.08, 0.2) * c.min;
    const rot = c.layout() * 180;
    const gap = Math.max(3, c.min * 0.012);
    const lines: string[] = [];
    for (let d = 0; d < size; d += gap) lines.push(`M${n(x0 + d)} ${n(y0)} L${n(x0 + d)} ${n(y0 + size)}`);
    strokes.push(`<path d="${lines.join(' ')}" stroke-width="1" opacity="0.5" transform="rotate(${n(rot)} ${n(x0)} ${n(y0)})"/>`);
  }
  out.push(`<g fill="none" stroke="${ink}" stroke-linecap="round">${strokes.join('')}</g>`);
  return out;
}

/** Minimalist: a flat ground and a few flat shapes on a rule-of-thirds grid. */
function minimal(c: Canvas): string[] {
  const ramp = byLightness(c);
  const ground = ramp[Math.min(ramp.length - 1, c.layout() < 0.7 ? 0 : 1)];
  const out = [`<rect width="${c.w}" height="${c.h}" fill="${ground.hex}"/>`];
  const others = ramp.filter((p) => p !== ground);
  const pick = () => (others.length > 0 ? others[Math.floor(c.tint() * others.length)].hex : shade(ground, -0.3));
  const thirds = [1 / 3, 2 / 3];
  const shapes = 1 + Math.floor(c.layout() * 3) + (c.detail > 60 ? 1 : 0);
  for (let i = 0; i < shapes; i++) {
    const x = thirds[Math.floor(c.layout() * 2)] * c.w;
    const y = thirds[Math.floor(c.layout() * 2)] * c.h;
    const s = between(c.layout, 0.1, 0.28) * c.min;
    const kind = Math.floor(c.layout() * 3);
    if (kind === 0) out.push(`<circle cx="${n(x)}" cy="${n(y)}" r="${n(s)}" fill="${pick()}"/>`);
    else if (kind === 1) out.push(`<rect x="${n(x - s)}" y="${n(y - s * 0.6)}" width="${n(s * 2)}" height="${n(s * 1.2)}" fill="${pick()}"/>`);
    else out.push(`<path d="M${n(x - s)} ${n(y)} A${n(s)} ${n(s)} 0 0 1 ${n(x + s)} ${n(y)} Z" fill="${pick()}"/>`);
  }
  return out;
}

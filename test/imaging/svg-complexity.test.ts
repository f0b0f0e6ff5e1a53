import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { sanitizeSvg } from '../../src/imaging/sanitize-svg.js';
import { createPool } from './images.js';
import { rejection } from './pool-calls.js';

const LIMITS = { maxSvgBytes: 2 * 1024 * 1024, maxSvgElements: 100_000, maxSvgDepth: 50 };
const ctx = (field = 'file_data', limits: Partial<typeof LIMITS> = {}) => ({ field, ...LIMITS, ...limits, deadline: Date.now() + 600_000 });
const svg = (markup: string, attributes = 'width="64" height="48"') => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" ${attributes}>${markup}</svg>`);

/** Patterns each filling `fan` rectangles with the previous level: fan^levels tiles drawn from a few hundred bytes. */
function patternFanOut(levels: number, fan: number): string {
  let defs = '<pattern id="p0" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="2" height="2"/></pattern>';
  for (let level = 1; level <= levels; level++) {
    const rects = Array.from({ length: fan }, () => `<rect width="4" height="4" fill="url(#p${level - 1})"/>`).join('');
    defs += `<pattern id="p${level}" width="4" height="4" patternUnits="userSpaceOnUse">${rects}</pattern>`;
  }
  return `<defs>${defs}</defs><rect width="64" height="48" fill="url(#p${levels})"/>`;
}

/** Filters each drawing the previous level's element `fan` times through feImage. */
function feImageFanOut(levels: number, fan: number): string {
  let defs = '<rect id="r0" width="4" height="4"/>';
  for (let level = 1; level <= levels; level++) {
    defs += `<filter id="f${level}">${Array.from({ length: fan }, () => `<feImage href="#r${level - 1}"/>`).join('')}</filter><rect id="r${level}" width="4" height="4" filter="url(#f${level})"/>`;
  }
  return `<defs>${defs}</defs><rect width="64" height="48" filter="url(#f${levels})"/>`;
}

const nested = (depth: number) => '<g>'.repeat(depth) + '<rect width="5" height="5"/>' + '</g>'.repeat(depth);

/**
 * An ordinary rich drawing: 2000 shapes in groups 20 deep, gradients and a pattern referenced by each
 * shape, a filter, clip path, mask and marker, text, and a style sheet filling with the pattern.
 */
function richDrawing(): Buffer {
  const shapes = Array.from({ length: 2000 }, (_, i) => `<path d="M${i % 64} 0 L64 ${i % 48} Z" fill="url(#${i % 2 ? 'g' : 'p'})" stroke="url(#h)" marker-end="url(#m)"/>`).join('');
  const defs =
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient>' +
    '<radialGradient id="h" href="#g"/><pattern id="p" width="8" height="8" patternUnits="userSpaceOnUse"><circle cx="4" cy="4" r="3" fill="url(#g)"/></pattern>' +
    '<filter id="b"><feGaussianBlur stdDeviation="2"/></filter><clipPath id="c"><rect width="60" height="40"/></clipPath>' +
    '<mask id="k"><rect width="64" height="48" fill="#fff"/></mask><marker id="m" markerWidth="3" markerHeight="3"><circle r="1"/></marker></defs>' +
    '<style>.t { fill: url(#p) }</style>';
  const body = '<g>'.repeat(18) + `<g clip-path="url(#c)" mask="url(#k)" filter="url(#b)">${shapes}</g>` + '</g>'.repeat(18);
  return svg(`${defs}${body}<text class="t" x="4" y="30" font-size="12">rich</text>`, 'viewBox="0 0 64 48" width="64" height="48"');
}

describe('SVG complexity, bounded before librsvg sees the document', () => {
  it('refuses nesting deeper than MAX_SVG_DEPTH from the markup, before a DOM is built', async () => {
    for (const [markup, deepest] of [
      [nested(10_000), 10_002],
      ['<svg width="100000" height="100000">'.repeat(10) + nested(49) + '</svg>'.repeat(10), 61],
      // Stray end tags close nothing (a parser ignores them), so they cannot hide the nesting.
      ['<g></q>'.repeat(60) + '</g>'.repeat(60), 61],
    ] as const) {
      const error = await rejection(sanitizeSvg(svg(markup), ctx()));
      expect(error.kind).toBe('resource_exhausted');
      expect(error.reason).toBe('SVG_TOO_DEEP');
      expect(error.message).toBe(`file_data: limit is 50 levels of nested SVG elements, received ${deepest} levels`);
    }
    expect(await sanitizeSvg(svg(nested(40)), ctx())).toBeInstanceOf(Buffer);
  });

  it('counts elements drawn through references, memoised, and refuses more than MAX_SVG_ELEMENTS', async () => {
    const patterns = await rejection(sanitizeSvg(svg(patternFanOut(6, 10)), ctx('image_data')));
    expect(patterns.kind).toBe('resource_exhausted');
    expect(patterns.reason).toBe('SVG_TOO_COMPLEX');
    // A level draws itself and ten rectangles, each drawing the level below; then the root, its defs and its rectangle.
    expect(patterns.message).toBe('image_data: limit is 100000 SVG elements, received 3222224 elements once references are drawn');
    const filters = await rejection(sanitizeSvg(svg(feImageFanOut(5, 10)), ctx()));
    expect(filters.reason).toBe('SVG_TOO_COMPLEX');
    expect(filters.message).toMatch(/^file_data: limit is 100000 SVG elements, received \d+ elements once references are drawn$/);
    // A fan-out the size of the campaign's (10^9) is counted, not walked.
    const billion = await rejection(sanitizeSvg(svg(patternFanOut(9, 10)), ctx()));
    expect(billion.message).toBe('file_data: limit is 100000 SVG elements, received 3222222224 elements once references are drawn');
  });

  it('counts a style sheet filling with patterns as drawn by every element it may apply to', async () => {
    // The fan-out of the pattern test, its references made by class selectors instead of attributes.
    let defs = '<pattern id="p0" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="2" height="2"/></pattern>';
    let css = '';
    for (let level = 1; level <= 6; level++) {
      defs += `<pattern id="p${level}" width="4" height="4" patternUnits="userSpaceOnUse">${`<rect class="l${level}" width="4" height="4"/>`.repeat(10)}</pattern>`;
      css += `.l${level} { fill: url(#p${level - 1}) } `;
    }
    const error = await rejection(sanitizeSvg(svg(`<defs>${defs}</defs><style>${css}</style><rect width="64" height="48" style="fill: url(#p6)"/>`), ctx()));
    expect(error.reason).toBe('SVG_TOO_COMPLEX');
    expect(error.message).toMatch(/^file_data: limit is 100000 SVG elements, received \d{7,} elements once references are drawn$/);
  });

  it('refuses more elements in the markup than MAX_SVG_ELEMENTS before a DOM is built', async () => {
    const error = await rejection(sanitizeSvg(svg('<rect width="1" height="1"/>'.repeat(2000)), ctx('file_data', { maxSvgElements: 1000 })));
    expect(error.reason).toBe('SVG_TOO_COMPLEX');
    expect(error.message).toBe('file_data: limit is 1000 SVG elements, received 2001 elements in the markup');
  });

  it('refuses a reference cycle as an invalid image naming where it closes', async () => {
    for (const [markup, through] of [
      ['<defs><pattern id="a" href="#b"/><pattern id="b" href="#a"/></defs><rect width="9" height="9" fill="url(#a)"/>', '"#a"'],
      ['<filter id="f"><feImage href="#r"/></filter><rect id="r" width="64" height="48" filter="url(#f)"/>', '"#r"'],
    ] as const) {
      const error = await rejection(sanitizeSvg(svg(markup), ctx()));
      expect(error.kind).toBe('invalid_image');
      expect(error.message).toBe(`file_data: expected SVG references that form no cycle, received a cycle through ${through}`);
    }
  });

  it('accepts an ordinary rich drawing, and a link to its own group', async () => {
    const clean = await sanitizeSvg(richDrawing(), ctx());
    expect(await sharp(clean).metadata()).toMatchObject({ format: 'svg', width: 64, height: 48 });
    const linked = await sanitizeSvg(svg('<g id="top"><a href="#top"><rect width="9" height="9"/></a></g>'), ctx());
    expect(linked.toString('utf8')).toContain('href="#top"');
  });
});

describe('SVG complexity through the pool', () => {
  const sut = createPool({ maxSvgDepth: 10, maxSvgElements: 500 });
  afterAll(() => sut.close());

  it('takes its limits from the pool options', async () => {
    const deep = await rejection(sut.probe(svg(nested(20)), 'file_data'));
    expect(deep.message).toBe('file_data: limit is 10 levels of nested SVG elements, received 22 levels');
    const busy = await rejection(sut.run(svg(patternFanOut(3, 10)), { steps: [], output: { format: 'png' } }, { field: 'image_data' }));
    expect(busy.message).toBe('image_data: limit is 500 SVG elements, received 3224 elements once references are drawn');
    expect(await sut.probe(svg(nested(8)), 'file_data')).toMatchObject({ format: 'svg', width: 64, height: 48 });
  });
});

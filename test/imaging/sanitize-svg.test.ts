import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { sanitizeSvg } from '../../src/imaging/sanitize-svg.js';
import { sniffFormat } from '../../src/imaging/sniff.js';
import { createPool } from './images.js';
import { rejection } from './pool-calls.js';

const CTX = { field: 'file_data', maxSvgBytes: 1024 * 1024, maxSvgElements: 100_000, maxSvgDepth: 50, deadline: Date.now() + 600_000 };
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';

/** Every way this document tries to run script or reach outside itself, around a picture worth keeping. */
const HOSTILE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg [<!ENTITY boom "boom">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="30" viewBox="0 0 40 30" onload="alert(1)">
  <script>alert(2)</script>
  <style>rect.a { fill: url(https://evil.example/x.svg#g) } @import url(https://evil.example/a.css);</style>
  <style>rect.b { fill: #00f }</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#0f0"/></linearGradient></defs>
  <rect width="40" height="30" fill="url(#g)" onclick="alert(3)"/>
  <rect class="b" width="4" height="4" style="fill: url('https://evil.example/p.svg#q')"/>
  <rect width="2" height="2" filter="url(https://evil.example/f.svg#f)"/>
  <image xlink:href="https://evil.example/t.png" width="1" height="1"/>
  <image href="http://evil.example/u.png" width="1" height="1"/>
  <image href="${PIXEL}" width="1" height="1"/>
  <image href="data:image/svg+xml;base64,PHN2Zy8+" width="1" height="1"/>
  <use xlink:href="#g"/>
  <use href="https://evil.example/sprite.svg#icon"/>
  <a xlink:href="#g"><circle r="1"/></a>
  <a href="javascript:alert(4)"><text x="1" y="10">a &lt; b &amp; c&#160;d</text></a>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(5)</script></div></foreignObject>
  <animate attributeName="href" to="javascript:alert(6)"/>
  <set attributeName="onload" to="alert(7)"/>
</svg>`;

describe('sanitizeSvg', () => {
  it('keeps the picture and drops scripts, handlers, external references and the doctype', async () => {
    const clean = (await sanitizeSvg(Buffer.from(HOSTILE), CTX)).toString('utf8');
    expect(clean.startsWith('<svg')).toBe(true);
    for (const gone of ['script', 'alert', 'onload', 'onclick', 'evil.example', '@import', 'foreignObject', 'animate', '<set', 'javascript:', 'DOCTYPE', 'ENTITY', 'image/svg+xml', '<use']) {
      expect(clean, gone).not.toContain(gone);
    }
    for (const kept of ['<linearGradient id="g">', 'fill="url(#g)"', 'xlink:href="#g"', PIXEL, 'rect.b { fill: #00f }', 'a &lt; b &amp; c&#160;d', 'xmlns="http://www.w3.org/2000/svg"', 'xmlns:xlink="http://www.w3.org/1999/xlink"']) {
      expect(clean, kept).toContain(kept);
    }
    // Still an SVG that librsvg renders at its size.
    expect(sniffFormat(Buffer.from(clean))).toBe('svg');
    expect(await sharp(Buffer.from(clean)).metadata()).toMatchObject({ format: 'svg', width: 40, height: 30 });
  });

  it('refuses an SVG over MAX_SVG_BYTES, and text with no svg element', async () => {
    const big = await rejection(sanitizeSvg(Buffer.from(HOSTILE), { ...CTX, maxSvgBytes: 1024 }));
    expect(big.kind).toBe('resource_exhausted');
    expect(big.reason).toBe('SVG_TOO_LARGE');
    expect(big.message).toBe(`file_data: limit is 1024 bytes of SVG, received ${Buffer.byteLength(HOSTILE)} bytes`);
    const none = await rejection(sanitizeSvg(Buffer.from('<?xml version="1.0"?><svgx/>'), CTX));
    expect(none.kind).toBe('invalid_image');
    expect(none.message).toBe('file_data: expected an SVG document with an <svg> element, received none that a sanitiser would keep');
  });
});

describe('SVG through the pool', () => {
  const sut = createPool();
  afterAll(() => sut.close());

  it('probes the sanitised document and hands it back to be stored', async () => {
    const probe = await sut.probe(Buffer.from(HOSTILE), 'file_data');
    expect(probe).toMatchObject({ format: 'svg', width: 40, height: 30 });
    const stored = Buffer.from(probe.sanitized!).toString('utf8');
    expect(stored).not.toContain('script');
    expect(stored).not.toContain('evil.example');
    // An image that is not SVG comes back without a copy.
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer();
    expect((await sut.probe(png, 'file_data')).sanitized).toBeUndefined();
  });

  it('renders only the sanitised document', async () => {
    const out = await sut.run(Buffer.from(HOSTILE), { steps: [], output: { format: 'png' } });
    expect(out).toMatchObject({ format: 'png', width: 40, height: 30 });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decode as blurhashDecode, isBlurhashValid } from 'blurhash';
import { thumbHashToRGBA } from 'thumbhash';
import { hammingDistance } from '../../src/analysis/phash.js';
import { AnalysisService } from '../../src/services/analysis-service.js';
import { createPool } from '../imaging/images.js';
import { makeJpeg } from '../support/fixtures.js';

/** A white image with a red disc centred at (cx, cy) (fractions of the size). */
function disc(cx: number, cy: number, width = 300, height = 200): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/><circle cx="${cx * width}" cy="${cy * height}" r="${height / 10}" fill="#d01010"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A smooth synthetic scene: gradient sky, sun, hills. */
function scene(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 640 480">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d4e89"/><stop offset="1" stop-color="#f7b267"/></linearGradient></defs>
    <rect width="640" height="480" fill="url(#sky)"/><circle cx="470" cy="150" r="60" fill="#ffd166"/>
    <path d="M0 330 Q160 250 320 330 T640 310 V480 H0 Z" fill="#2d6a4f"/><rect x="90" y="360" width="120" height="80" fill="#6b3e26"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

describe('AnalysisService.analyze (in the worker pool)', () => {
  const pool = createPool({ threads: 1, maxConcurrentOperations: 2 });
  const sut = new AnalysisService({ images: pool });
  afterAll(() => pool.close());

  it('runs every analysis when none is named, and only the named ones otherwise', async () => {
    const jpeg = await makeJpeg(320, 240);
    const all = await sut.analyze(jpeg, []);
    expect(Object.keys(all).sort()).toEqual(['colors', 'composition', 'hashes', 'metadata', 'quality']);
    const some = await sut.analyze(jpeg, ['metadata', 'hashes', 'metadata']);
    expect(Object.keys(some).sort()).toEqual(['hashes', 'metadata']);
  });

  it('colours: dominant colours with shares, the average, colourfulness and grey detection', async () => {
    const half = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="50" height="50" fill="#e01010"/><rect x="50" width="50" height="50" fill="#1030e0"/></svg>')).png().toBuffer();
    const { colors } = await sut.analyze(half, ['colors']);
    expect(colors!.dominant.map((c) => c.hex).sort()).toEqual(['#1030e0', '#e01010']);
    for (const c of colors!.dominant) {
      expect(c.proportion).toBeCloseTo(0.5, 2);
      expect(c.rgb).toHaveLength(3);
    }
    expect(colors!.isGrayscale).toBe(false);
    expect(colors!.colorfulness).toBeGreaterThan(100);
    expect(colors!.average.proportion).toBe(1);

    const grey = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#777777' } }).jpeg().toBuffer();
    const g = (await sut.analyze(grey, ['colors'])).colors!;
    expect(g.isGrayscale).toBe(true);
    expect(g.colorfulness).toBe(0);
    expect(g.dominant).toHaveLength(1);
    expect(g.average.hex).toBe('#777777');
  });

  it('composition: the focal point follows the subject, thirds score where it sits', async () => {
    const thirds = (await sut.analyze(await disc(1 / 3, 1 / 3), ['composition'])).composition!;
    expect(thirds.focalPoint.x).toBeCloseTo(1 / 3, 1);
    expect(thirds.focalPoint.y).toBeCloseTo(1 / 3, 1);
    expect(thirds.ruleOfThirds).toBeGreaterThan(0.8);
    const centred = (await sut.analyze(await disc(0.5, 0.5), ['composition'])).composition!;
    expect(centred.focalPoint.x).toBeCloseTo(0.5, 1);
    expect(centred.ruleOfThirds).toBeLessThan(0.2);
    expect(centred.symmetry).toBeGreaterThan(0.9);
    expect(thirds.symmetry).toBeLessThan(centred.symmetry);
    for (const c of [thirds, centred]) {
      expect(c.edgeDensity).toBeGreaterThan(0);
      expect(c.edgeDensity).toBeLessThan(0.1);
      expect(c.score).toBeGreaterThanOrEqual(0);
      expect(c.score).toBeLessThanOrEqual(100);
    }
    const flat = (await sut.analyze(await sharp({ create: { width: 50, height: 50, channels: 3, background: '#345' } }).png().toBuffer(), ['composition'])).composition!;
    expect(flat).toMatchObject({ focalPoint: { x: 0.5, y: 0.5 }, edgeDensity: 0, symmetry: 1 });
  });

  it('quality: exposure of a black image, ranges of a photo-like one', async () => {
    const black = (await sut.analyze(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).png().toBuffer(), ['quality'])).quality!;
    expect(black.exposure).toEqual({ mean: 0, clippedShadows: 1, clippedHighlights: 0 });
    expect(black.contrast).toBe(0);
    expect(black.entropy).toBe(0);
    expect(black.overallScore).toBeLessThan(20);
    const q = (await sut.analyze(await makeJpeg(640, 480), ['quality'])).quality!;
    expect(q.overallScore).toBeGreaterThan(0);
    expect(q.overallScore).toBeLessThanOrEqual(100);
    expect(q.entropy).toBeGreaterThan(5);
    expect(q.entropy).toBeLessThanOrEqual(8);
    expect(q.contrast).toBeGreaterThan(0.1);
  });

  it('metadata: format, size after orientation, EXIF, ICC, alpha, frames', async () => {
    const jpg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#369' } })
      .withExif({ IFD0: { Make: 'Acme', Model: 'Snapper 3', DateTime: '2021:06:01 12:00:00' } })
      .withMetadata({ orientation: 6, density: 300 })
      .jpeg()
      .toBuffer();
    const m = (await sut.analyze(jpg, ['metadata'])).metadata!;
    expect(m).toMatchObject({ format: 'jpeg', width: 30, height: 40, channels: 3, colorSpace: 'srgb', hasAlpha: false, animated: false, frameCount: 1, density: 300 });
    expect(m.exif).toEqual({ orientation: 6, cameraMake: 'Acme', cameraModel: 'Snapper 3', dateTaken: '2021:06:01 12:00:00' });

    const png = await sharp({ create: { width: 20, height: 10, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).withIccProfile('p3').png().toBuffer();
    const p = (await sut.analyze(png, ['metadata'])).metadata!;
    expect(p).toMatchObject({ format: 'png', width: 20, height: 10, hasAlpha: true, channels: 4 });
    expect(p.iccProfile).toMatch(/P3/);

    const frames = await Promise.all([0, 1, 2].map((i) => sharp({ create: { width: 20, height: 20, channels: 4, background: { r: i * 80, g: 0, b: 0, alpha: 1 } } }).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sut.analyze(gif, ['metadata'])).metadata).toMatchObject({ format: 'gif', animated: true, frameCount: 3, width: 20, height: 20 });
  });

  it('hashes: pHash stable under resizing and recompression, far for another image; valid BlurHash and ThumbHash', async () => {
    const photo = await scene(640, 480);
    const smaller = await sharp(photo).resize(320).jpeg({ quality: 60 }).toBuffer();
    const other = await disc(0.3, 0.6, 640, 480);
    const [a, b, c] = await Promise.all([photo, smaller, other].map(async (bytes) => (await sut.analyze(bytes, ['hashes'])).hashes!));
    expect(a.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(a.phash, b.phash)).toBeLessThanOrEqual(6);
    expect(hammingDistance(a.phash, c.phash)).toBeGreaterThan(16);
    expect(isBlurhashValid(a.blurhash)).toEqual({ result: true });
    expect(blurhashDecode(a.blurhash, 8, 6)).toHaveLength(8 * 6 * 4);
    const thumb = thumbHashToRGBA(Buffer.from(a.thumbhash, 'base64'));
    expect(thumb.w / thumb.h).toBeCloseTo(640 / 480, 0);
  });

  it('refuses bytes that are not an image, naming image_data', async () => {
    await expect(sut.analyze(Buffer.from('not an image'), [])).rejects.toMatchObject({
      kind: 'invalid_image',
      message: 'image_data: expected image bytes (png, jpeg, webp, avif, gif, tiff, heif, svg, bmp), received 12 bytes of unknown data',
    });
  });
});

import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { AnalysisType } from '../../gen/image/v1/analysis_pb.js';
import { analysisKinds } from '../../src/api/analysis-handlers.js';
import { exifSummary } from '../../src/analysis/exif-summary.js';
import { iccDescription } from '../../src/analysis/icc-description.js';
import { jpegQuality } from '../../src/analysis/jpeg-quality.js';
import { hammingDistance, phash } from '../../src/analysis/phash.js';
import type { Plane } from '../../src/analysis/plane.js';
import { blockinessRatio, immerkaerNoise, laplacianVariance, lumaStatistics } from '../../src/analysis/quality-analysis.js';
import { mirrorSymmetry, sobelDensity } from '../../src/analysis/composition-analysis.js';

function plane(width: number, height: number, f: (x: number, y: number) => number): Plane {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { data, width, height };
}

/** Deterministic Gaussian-ish noise (sum of uniforms), mean 0, sigma 1. */
/** A minimal ICC v4 profile whose only tag is a 'mluc' description with these records (language, country, text). */
function v4Profile(records: [string, string, string][]): Buffer {
  const tagAt = 128 + 4 + 12;
  const texts = records.map(([, , text]) => Buffer.from(text, 'utf16le').swap16());
  const tag = Buffer.alloc(16 + 12 * records.length + texts.reduce((n, t) => n + t.length, 0));
  tag.write('mluc', 0, 'latin1');
  tag.writeUInt32BE(records.length, 8);
  tag.writeUInt32BE(12, 12);
  let at = 16 + 12 * records.length;
  records.forEach(([language, country], r) => {
    tag.write(language + country, 16 + 12 * r, 'latin1');
    tag.writeUInt32BE(texts[r].length, 16 + 12 * r + 4);
    tag.writeUInt32BE(at, 16 + 12 * r + 8);
    texts[r].copy(tag, at);
    at += texts[r].length;
  });
  const profile = Buffer.alloc(tagAt + tag.length);
  profile.writeUInt32BE(profile.length, 0);
  profile.writeUInt32BE(0x04400000, 8);
  profile.write('acsp', 36, 'latin1');
  profile.writeUInt32BE(1, 128);
  profile.write('desc', 132, 'latin1');
  profile.writeUInt32BE(tagAt, 136);
  profile.writeUInt32BE(tag.length, 140);
  tag.copy(profile, tagAt);
  return profile;
}

function noiseSource(seed = 1) {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  return () => (u() + u() + u() + u() + u() + u() + u() + u() + u() + u() + u() + u() - 6);
}

describe('quality measures', () => {
  it('Immerkaer recovers the sigma of added noise on a smooth image', () => {
    const n = noiseSource();
    const noisy = plane(256, 256, (x, y) => 100 + 0.2 * x + 0.1 * y + 10 * n());
    expect(immerkaerNoise(noisy)).toBeGreaterThan(9);
    expect(immerkaerNoise(noisy)).toBeLessThan(11);
    expect(immerkaerNoise(plane(64, 64, (x, y) => x + 2 * y))).toBeCloseTo(0, 6);
  });

  it('the variance of the Laplacian is 0 on a ramp and grows with detail', () => {
    expect(laplacianVariance(plane(32, 32, (x, y) => 3 * x + y))).toBeCloseTo(0, 6);
    const checker = plane(32, 32, (x, y) => ((x + y) % 2) * 255);
    const soft = plane(32, 32, (x, y) => 128 + 20 * Math.sin(x / 3) * Math.cos(y / 3));
    expect(laplacianVariance(checker)).toBeGreaterThan(laplacianVariance(soft));
  });

  it('luma statistics: mean, RMS contrast, clipping, entropy in bits', () => {
    const half = plane(16, 16, (x) => (x < 8 ? 0 : 255));
    expect(lumaStatistics(half)).toEqual({ mean: 0.5, std: 0.5, clippedShadows: 0.5, clippedHighlights: 0.5, entropy: 1 });
    const flat = lumaStatistics(plane(8, 8, () => 128));
    expect(flat.entropy).toBe(0);
    expect(flat.std).toBe(0);
  });

  it('blockiness finds an 8x8 grid', () => {
    const blocks = plane(64, 64, (x, y) => ((Math.floor(x / 8) * 37 + Math.floor(y / 8) * 91) % 200) + 20);
    expect(blockinessRatio(blocks)).toBeGreaterThan(3);
    const n = noiseSource(3);
    expect(blockinessRatio(plane(64, 64, () => 128 + 20 * n()))).toBeLessThan(1.2);
  });
});

describe('composition measures', () => {
  it('symmetry is 1 for a mirror image and low for a left-right split', () => {
    expect(mirrorSymmetry(plane(32, 16, (x) => Math.abs(x - 15.5) * 8))).toBeCloseTo(1, 6);
    expect(mirrorSymmetry(plane(32, 16, (x) => (x < 16 ? 0 : 255)))).toBe(0);
    expect(mirrorSymmetry(plane(8, 8, () => 50))).toBe(1);
  });

  it('edge density counts pixels on strong edges', () => {
    expect(sobelDensity(plane(32, 32, () => 90))).toBe(0);
    const step = sobelDensity(plane(32, 32, (x) => (x < 16 ? 0 : 255)));
    // The two columns either side of the step, of the 30 inner ones.
    expect(step).toBeCloseTo(2 / 30, 6);
  });
});

describe('phash', () => {
  it('is 16 hex digits, equal for equal planes, far apart for unrelated ones', () => {
    const a = plane(32, 32, (x, y) => 128 + 100 * Math.sin(x / 5) * Math.cos(y / 7));
    const b = plane(32, 32, (x, y) => 128 + 100 * Math.cos(x / 3 + y / 4));
    expect(phash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(phash(a)).toBe(phash({ ...a, data: a.data.map((v) => v * 0.9 + 10) }));
    expect(hammingDistance(phash(a), phash(b))).toBeGreaterThan(16);
    expect(() => phash(plane(8, 8, () => 0))).toThrow('phash: expected a 32x32 plane, got 8x8');
  });

  it('hamming distance counts differing bits', () => {
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('00f0', '00e1')).toBe(2);
  });
});

describe('file parsers', () => {
  const base = () => sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } });

  it('reads camera, date and orientation from EXIF', async () => {
    const jpg = await base()
      .withExif({ IFD0: { Make: 'Acme', Model: 'Snapper 3', DateTime: '2021:06:01 12:00:00' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const { exif } = await sharp(jpg).metadata();
    expect(exifSummary(exif)).toEqual({ orientation: 6, cameraMake: 'Acme', cameraModel: 'Snapper 3', dateTaken: '2021:06:01 12:00:00' });
    expect(exifSummary(undefined)).toEqual({ orientation: 0, cameraMake: '', cameraModel: '', dateTaken: '' });
    expect(exifSummary(Buffer.from('Exif\0\0garbage-garbage'))).toEqual({ orientation: 0, cameraMake: '', cameraModel: '', dateTaken: '' });
  });

  it('reads the ICC profile description', async () => {
    const { icc } = await sharp(await base().withIccProfile('p3').png().toBuffer()).metadata();
    expect(iccDescription(icc)).toMatch(/P3/);
    expect(iccDescription(undefined)).toBe('');
    expect(iccDescription(Buffer.alloc(200))).toBe('');
  });

  it("reads the English name of a v4 profile's localised description, wherever it is in the list", () => {
    expect(iccDescription(v4Profile([['de', 'DE', 'Farbraum'], ['en', 'US', 'Colour space']]))).toBe('Colour space');
    expect(iccDescription(v4Profile([['fr', 'FR', 'Espace']]))).toBe('Espace');
  });

  it('answers no description for a profile whose tag table cannot fit in it, instead of walking a corrupt count', () => {
    // A fuzz case: a profile that declares 4 billion tags held a worker thread for minutes in `icc`.
    const real = v4Profile([['en', 'US', 'Colour space']]);
    const corrupt = Buffer.from(real);
    corrupt.writeUInt32BE(0xffffffff, 128);
    expect(iccDescription(corrupt)).toBe('');
    corrupt.writeUInt32BE(Math.floor((corrupt.length - 132) / 12) + 1, 128);
    expect(iccDescription(corrupt)).toBe('');
  });

  it('estimates the JPEG quality from the quantization table', async () => {
    for (const q of [10, 50, 75, 90]) {
      const estimate = jpegQuality(await base().jpeg({ quality: q }).toBuffer());
      expect(Math.abs(estimate! - q), `quality ${q}`).toBeLessThanOrEqual(2);
    }
    expect(jpegQuality(await base().png().toBuffer())).toBeUndefined();
  });
});

describe('analysisKinds', () => {
  it('maps the enum and refuses UNSPECIFIED and unknown numbers, listing the supported types', () => {
    expect(analysisKinds([AnalysisType.HASHES, AnalysisType.COLORS])).toEqual(['hashes', 'colors']);
    const supported =
      'one of ANALYSIS_TYPE_COLORS, ANALYSIS_TYPE_COMPOSITION, ANALYSIS_TYPE_QUALITY, ANALYSIS_TYPE_METADATA, ANALYSIS_TYPE_HASHES (colour palettes: ImageService.GenerateColorPalette)';
    expect(() => analysisKinds([AnalysisType.COLORS, 9 as AnalysisType])).toThrow(`analysis_types[1]: expected ${supported}, received 9`);
    expect(() => analysisKinds([AnalysisType.UNSPECIFIED])).toThrow(`analysis_types[0]: expected ${supported}, received "ANALYSIS_TYPE_UNSPECIFIED"`);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { oklabToOklch, srgbToOklab } from '../../src/color/oklab.js';
import type { ImageToImageInput, TextToImageInput } from '../../src/generation/image-generator.js';
import { promptPalette } from '../../src/generation/procedural/prompt-palette.js';
import { buildScene } from '../../src/generation/procedural/scene.js';
import { seededRandom } from '../../src/generation/procedural/seeded-random.js';
import { ProceduralGenerator } from '../../src/generation/providers/procedural.js';
import { createPool } from '../imaging/images.js';

const pool = createPool({ maxOutputDimension: 4096 });
afterAll(() => pool.close());
const sut = new ProceduralGenerator(pool, 4096);

const base: TextToImageInput = { prompt: 'a calm ocean at sunset', negativePrompt: '', width: 160, height: 120, style: '', seed: 42 };

async function pixels(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Share of pixels whose OKLCh hue lies in [from, to) degrees with chroma above 0.06. */
async function hueShare(png: Uint8Array, from: number, to: number): Promise<number> {
  const { data } = await pixels(png);
  let hits = 0;
  for (let i = 0; i < data.length; i += 3) {
    const [, C, h] = oklabToOklch(...srgbToOklab(data[i], data[i + 1], data[i + 2]));
    if (C > 0.06 && (from <= to ? h >= from && h < to : h >= from || h < to)) hits++;
  }
  return hits / (data.length / 3);
}

async function lumaDifference(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([sharp(a).greyscale().raw().toBuffer(), sharp(b).greyscale().raw().toBuffer()]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

describe('procedural provider (not AI)', () => {
  it('is deterministic: the same prompt, size, style and seed give the same bytes', async () => {
    const [a, b] = await Promise.all([sut.textToImage(base, {}), sut.textToImage(base, {})]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(buildScene({ ...base, steps: 30, guidanceScale: 7 }).svg).toBe(buildScene({ ...base, steps: 30, guidanceScale: 7 }).svg);
    expect(a).toMatchObject({ seed: 42, steps: 30, guidanceScale: 7 });
    expect(a.providerInfo).toMatchObject({ renderer: 'procedural-v1 (not AI)', technique: 'fields', color_words: ['calm', 'ocean', 'sunset'] });
  });

  it('makes the size asked for, as PNG', async () => {
    const out = await sut.textToImage({ ...base, width: 200, height: 64 }, {});
    expect(await sharp(out.data).metadata()).toMatchObject({ format: 'png', width: 200, height: 64 });
  });

  it('the seed changes the composition', async () => {
    const [a, b] = await Promise.all([sut.textToImage({ ...base, style: 'digital-art' }, {}), sut.textToImage({ ...base, style: 'digital-art', seed: 43 }, {})]);
    expect(await lumaDifference(a.data, b.data)).toBeGreaterThan(5);
  });

  it('takes its colours from colour words in the prompt', async () => {
    const green = await sut.textToImage({ ...base, prompt: 'green', style: 'minimalist' }, {});
    const blue = await sut.textToImage({ ...base, prompt: 'blue', style: 'minimalist' }, {});
    // OKLCh hue: the lexicon's greens lie around 160° to 185°, its blues around 235° to 260°.
    expect(await hueShare(green.data, 120, 200)).toBeGreaterThan(0.9);
    expect(await hueShare(blue.data, 220, 290)).toBeGreaterThan(0.9);
  });

  it('with guidance 10 or more uses exactly the palette colours', async () => {
    const out = await sut.textToImage({ ...base, prompt: 'orange and teal', style: 'pixel-art', guidanceScale: 12 }, {});
    const palette = new Set((out.providerInfo.palette as string[]).map((h) => h.toLowerCase()));
    const { data } = await pixels(out.data);
    let inPalette = 0;
    for (let i = 0; i < data.length; i += 3) {
      const hex = `#${[data[i], data[i + 1], data[i + 2]].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
      if (palette.has(hex)) inPalette++;
    }
    expect(inPalette / (data.length / 3)).toBeGreaterThan(0.98);
  });

  it('removes the colours the negative prompt names', async () => {
    const prompt = { ...base, prompt: 'red and blue', style: 'pixel-art' as const };
    const withRed = await sut.textToImage(prompt, {});
    const withoutRed = await sut.textToImage({ ...prompt, negativePrompt: 'red' }, {});
    // Red in OKLCh: roughly 0° to 50°.
    expect(await hueShare(withRed.data, 0, 50)).toBeGreaterThan(0.1);
    expect(await hueShare(withoutRed.data, 0, 50)).toBe(0);
    expect(withoutRed.providerInfo.removed_by_negative_prompt).toEqual(['red']);
    expect(await hueShare(withoutRed.data, 220, 290)).toBeGreaterThan(0.5);
  });

  it('the style picks the technique', async () => {
    const techniques = await Promise.all(
      (['photographic', 'watercolor', 'oil-painting', 'pixel-art', 'sketch', 'minimalist'] as const).map(async (style) => (await sut.textToImage({ ...base, style }, {})).providerInfo.technique),
    );
    expect(techniques).toEqual(['landscape', 'watercolor', 'brushwork', 'pixels', 'sketch', 'minimal']);
  });

  describe('image-to-image', () => {
    const i2i = async (over: Partial<ImageToImageInput>) => {
      const source = (await sut.textToImage({ ...base, style: 'digital-art' }, {})).data;
      const input: ImageToImageInput = {
        ...base,
        mode: 'variation',
        source: { data: source, contentType: 'image/png', width: base.width, height: base.height },
        strength: 0.5,
        preserveStructure: false,
        sourcePrompt: base.prompt,
        refinementPrompt: '',
        variationIndex: 0,
        sourceSeed: 42,
        ...over,
      };
      return { source, out: await sut.imageToImage(input, {}) };
    };

    it('variations blend with the source by the strength', async () => {
      const weak = await i2i({ seed: 100, strength: 0.1 });
      const strong = await i2i({ seed: 100, strength: 0.9 });
      const near = await lumaDifference(weak.source, weak.out.data);
      const far = await lumaDifference(strong.source, strong.out.data);
      expect(near).toBeLessThan(far);
      expect(await sharp(weak.out.data).metadata()).toMatchObject({ width: base.width, height: base.height, format: 'png' });
      const again = await i2i({ seed: 100, strength: 0.1 });
      expect(Buffer.from(again.out.data).equals(Buffer.from(weak.out.data))).toBe(true);
    });

    it("refinement moves toward the refinement prompt's colours; preserve_structure keeps the source's lightness", async () => {
      const free = await i2i({ mode: 'refinement', refinementPrompt: 'crimson red', strength: 0.9, seed: 5 });
      const kept = await i2i({ mode: 'refinement', refinementPrompt: 'crimson red', strength: 0.9, seed: 5, preserveStructure: true });
      expect(await lumaDifference(kept.source, kept.out.data)).toBeLessThan(await lumaDifference(free.source, free.out.data));
      expect(await hueShare(kept.out.data, 0, 50)).toBeGreaterThan(await hueShare(kept.source, 0, 50));
      expect(kept.out.providerInfo).toMatchObject({ color_words: ['crimson red'], colour_strength: 0.9, lightness_strength: expect.closeTo(0.18, 6) });
    });
  });
});

describe('prompt palette', () => {
  it('without colour words: a palette from the prompt hash, the same every time', () => {
    const a = promptPalette('a quiet room with a chair', '', 10, seededRandom('x'));
    const b = promptPalette('a quiet room with a chair', '', 10, seededRandom('y'));
    expect(a.colors.map((c) => c.hex)).toEqual(b.colors.map((c) => c.hex));
    expect(a.colors.length).toBeGreaterThan(0);
  });

  it('a negative prompt naming every colour leaves a neutral or grey palette, never an empty one', () => {
    const p = promptPalette('red', 'red orange yellow green blue purple pink', 10, seededRandom('z'));
    expect(p.colors.length).toBeGreaterThan(0);
    for (const c of p.colors) expect(Math.hypot(c.lab[1], c.lab[2])).toBeLessThanOrEqual(0.0601);
  });
});

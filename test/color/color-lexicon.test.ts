import { describe, expect, it } from 'vitest';
import { colorsForText, lexiconWords, tokenize } from '../../src/color/color-lexicon.js';
import basicColors from '../../src/color/lexicon/basic-colors.json' with { type: 'json' };
import moods from '../../src/color/lexicon/moods.json' with { type: 'json' };
import nature from '../../src/color/lexicon/nature.json' with { type: 'json' };
import { srgbToOklab } from '../../src/color/oklab.js';

const hue = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  const [, a, b] = srgbToOklab(n >> 16, (n >> 8) & 255, n & 255);
  const h = (Math.atan2(b, a) * 180) / Math.PI;
  return h < 0 ? h + 360 : h;
};

describe('colorsForText', () => {
  it('maps mood and nature words to several colours from the lexicon, in text order', () => {
    const matches = colorsForText('Ocean sunset');
    expect(matches.map((m) => [m.word, m.source])).toEqual([
      ['ocean', 'lexicon'],
      ['sunset', 'lexicon'],
    ]);
    for (const m of matches) {
      expect(m.colors.length).toBeGreaterThanOrEqual(3);
      for (const c of m.colors) expect(c).toMatch(/^#[0-9a-f]{6}$/);
      expect(m.weight).toBe(1);
    }
    // ocean is mostly blue (OKLab hue ~220-270°), sunset mostly warm (red to orange ~0-80°)
    const blue = matches[0].colors.filter((c) => hue(c) > 200 && hue(c) < 280).length;
    const warm = matches[1].colors.filter((c) => hue(c) < 90 || hue(c) > 340).length;
    expect(blue).toBeGreaterThanOrEqual(3);
    expect(warm).toBeGreaterThanOrEqual(3);
  });

  it('carries the lexicon tendencies', () => {
    const [calm, forest, morning] = colorsForText('calm forest morning');
    expect(calm).toMatchObject({ word: 'calm', lightness: 0.2, chroma: -0.35 });
    expect(forest).toMatchObject({ word: 'forest', lightness: -0.15 });
    expect(forest.chroma).toBeUndefined();
    expect(morning.lightness).toBeGreaterThan(0);
  });

  it('matches single named colours from color-name-list', () => {
    expect(colorsForText('crimson and teal')).toEqual([
      { word: 'crimson', colors: ['#8c000f'], weight: 1, source: 'named' },
      { word: 'teal', colors: ['#008080'], weight: 1, source: 'named' },
    ]);
  });

  it('matches multi-word named colours as phrases, longest first', () => {
    const matches = colorsForText('a cherry blossom in burnt orange and navy blue');
    expect(matches.map((m) => m.word)).toEqual(['cherry blossom', 'burnt orange', 'navy blue']);
    expect(matches[0]).toMatchObject({ colors: ['#f5c1d5'], source: 'named' });
    expect(matches[1]).toMatchObject({ colors: ['#cc5500'], source: 'named' });
    expect(matches[2]).toMatchObject({ colors: ['#000080'], source: 'named' });
  });

  it('prefers the lexicon words over a named phrase made only of lexicon words', () => {
    // "sky blue" is a named colour, but both words are in the lexicon: a theme means the two moods
    expect(colorsForText('sky blue').map((m) => [m.word, m.source])).toEqual([
      ['sky', 'lexicon'],
      ['blue', 'lexicon'],
    ]);
  });

  it('folds plurals and aliases onto their entry and sums repeated weights', () => {
    const [match] = colorsForText('snowy snow');
    expect(match).toMatchObject({ word: 'snowy', source: 'lexicon', weight: 2 });
    expect(colorsForText('sunsets over the oceans').map((m) => m.word)).toEqual(['sunsets', 'oceans']);
    expect(colorsForText('dark night')[0]).toMatchObject({ word: 'dark', weight: 0.5, lightness: -0.7 });
  });

  it('ignores case, accents and punctuation', () => {
    expect(colorsForText('  CRIMSON!!  Teal, ').map((m) => m.word)).toEqual(['crimson', 'teal']);
    expect(tokenize("Robin's Égg-Blue")).toEqual(['robins', 'egg', 'blue']);
  });

  it('returns nothing for text with no colour words', () => {
    expect(colorsForText('xyzzy qwrtp')).toEqual([]);
    expect(colorsForText('the a of and with')).toEqual([]);
    expect(colorsForText('')).toEqual([]);
    expect(colorsForText('12345 !!!')).toEqual([]);
  });
});

describe('lexicon data', () => {
  const files = { basicColors, moods, nature } as Record<string, Record<string, { colors: string[]; lightness?: number; chroma?: number; weight?: number; aliases?: string[] }>>;

  it('has well-formed entries: 3+ colours "#rrggbb", tendencies within -1..1', () => {
    for (const [file, entries] of Object.entries(files)) {
      for (const [key, entry] of Object.entries(entries)) {
        const where = `${file}.${key}`;
        expect(entry.colors.length, where).toBeGreaterThanOrEqual(3);
        for (const c of entry.colors) expect(c, where).toMatch(/^#[0-9a-f]{6}$/);
        for (const t of [entry.lightness, entry.chroma]) if (t !== undefined) expect(Math.abs(t), where).toBeLessThanOrEqual(1);
        if (entry.weight !== undefined) expect(entry.weight, where).toBeGreaterThan(0);
        for (const alias of entry.aliases ?? []) expect(tokenize(alias), `${where} alias ${alias}`).toEqual([alias]);
      }
    }
  });

  it('maps no word to two entries', () => {
    const seen = new Map<string, string>();
    for (const [file, entries] of Object.entries(files)) {
      for (const [key, entry] of Object.entries(entries)) {
        for (const word of [key, ...(entry.aliases ?? [])]) {
          expect(seen.get(word), `${word} in ${file}.${key}`).toBeUndefined();
          seen.set(word, `${file}.${key}`);
        }
      }
    }
    expect(lexiconWords().length).toBe(seen.size);
  });

  it('covers the words the issue names', () => {
    for (const w of ['ocean', 'sunset', 'forest', 'morning', 'calm', 'autumn', 'neon', 'pastel', 'moody', 'desert', 'snow', 'night']) {
      expect(lexiconWords()).toContain(w);
    }
  });
});

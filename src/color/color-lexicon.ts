import basicColors from './lexicon/basic-colors.json' with { type: 'json' };
import moods from './lexicon/moods.json' with { type: 'json' };
import nature from './lexicon/nature.json' with { type: 'json' };
import { colorNameListSync } from './color-names.js';

/**
 * Words → colours, for turning a theme description ("calm forest morning") into colour material.
 *
 * Two sources, looked up in this order at each position of the text:
 * 1. named colours from color-name-list (≈32k names) as multi-word phrases ("sky blue", "cherry blossom"),
 *    longest first, unless every word of the phrase is itself a lexicon word ("ocean sunset" means the
 *    two moods, not one colour that happens to bear that name);
 * 2. the mood/nature lexicon kept as data in src/color/lexicon/*.json (each word, with its aliases, maps
 *    to a few colours plus optional lightness/chroma tendencies);
 * 3. single-word named colours ("crimson", "teal").
 * Plurals fall back to the singular ("sunsets" → "sunset"). Negation is not handled.
 */

/** One entry of src/color/lexicon/*.json. Tendencies run from -1 (darker / more muted) to 1 (lighter / more vivid). */
interface LexiconEntry {
  colors: string[];
  lightness?: number;
  chroma?: number;
  /** How strongly the word should count, 1 unless the data says otherwise (modifiers like "dark" are 0.5). */
  weight?: number;
  aliases?: string[];
}

export interface ColorWordMatch {
  /** The matched word or phrase as it appears in the text, lower-cased. */
  word: string;
  /** Lower-case "#rrggbb". */
  colors: string[];
  /** Relative emphasis: the entry's weight, summed when the same entry is matched more than once. */
  weight: number;
  source: 'lexicon' | 'named';
  /** The lexicon entry's tendencies (-1..1), when it has them. */
  lightness?: number;
  chroma?: number;
}

const LEXICON_FILES: Record<string, LexiconEntry>[] = [basicColors, nature, moods];

/** Words that are never colours on their own, even when some whimsical colour name says otherwise. */
const STOP_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'of', 'in', 'on', 'at', 'to', 'for', 'by', 'with', 'from', 'into', 'is',
  'it', 'its', 'as', 'be', 'my', 'your', 'our', 'this', 'that', 'very', 'some', 'like', 'image', 'photo',
  'picture', 'palette', 'colors', 'colours', 'color', 'colour', 'theme', 'style', 'tone', 'tones',
]);

/** Longest named-colour phrase we try, in words (the list's longest is 6). */
const MAX_PHRASE_WORDS = 6;

interface LexiconRecord extends LexiconEntry {
  key: string;
}

/** Lower-case, accents off, apostrophes dropped, anything else that is not a letter or digit splits words. */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

let lexiconIndex: Map<string, LexiconRecord> | undefined;
let namedIndex: Map<string, string> | undefined;

function lexicon(): Map<string, LexiconRecord> {
  if (lexiconIndex) return lexiconIndex;
  const index = new Map<string, LexiconRecord>();
  for (const file of LEXICON_FILES) {
    for (const [key, entry] of Object.entries(file)) {
      const record: LexiconRecord = { ...entry, key, colors: entry.colors.map((c) => c.toLowerCase()) };
      for (const word of [key, ...(entry.aliases ?? [])]) {
        if (!index.has(word)) index.set(word, record);
      }
    }
  }
  lexiconIndex = index;
  return index;
}

/** Built on first use: the full list is large, and most processes never describe a theme. */
function named(): Map<string, string> {
  if (namedIndex) return namedIndex;
  const index = new Map<string, string>();
  for (const { name, hex } of colorNameListSync()) {
    const key = tokenize(name).join(' ');
    if (key !== '' && !index.has(key)) index.set(key, hex.toLowerCase());
  }
  namedIndex = index;
  return index;
}

function singular(word: string): string[] {
  const forms: string[] = [];
  if (word.length > 4 && word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  if (word.length > 3 && word.endsWith('es')) forms.push(word.slice(0, -2));
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) forms.push(word.slice(0, -1));
  return forms;
}

function lookupLexicon(word: string): LexiconRecord | undefined {
  const index = lexicon();
  const direct = index.get(word);
  if (direct) return direct;
  for (const form of singular(word)) {
    const found = index.get(form);
    if (found) return found;
  }
  return undefined;
}

function lookupNamedWord(word: string): string | undefined {
  if (STOP_WORDS.has(word) || word.length < 3 || /^\p{N}+$/u.test(word)) return undefined;
  const index = named();
  const direct = index.get(word);
  if (direct) return direct;
  for (const form of singular(word)) {
    const found = index.get(form);
    if (found) return found;
  }
  return undefined;
}

/**
 * The colour words in a text, in order of first appearance. A lexicon entry reached through several
 * words or aliases ("snow" and "snowy") appears once with the weights summed.
 */
export function colorsForText(text: string): ColorWordMatch[] {
  const words = tokenize(text);
  const matches: ColorWordMatch[] = [];
  const byKey = new Map<string, ColorWordMatch>();
  const add = (key: string, match: ColorWordMatch) => {
    const seen = byKey.get(key);
    if (seen) {
      seen.weight += match.weight;
      return;
    }
    byKey.set(key, match);
    matches.push(match);
  };

  for (let i = 0; i < words.length; ) {
    const phrase = longestNamedPhrase(words, i);
    if (phrase) {
      add(`named:${phrase.key}`, { word: phrase.key, colors: [phrase.hex], weight: 1, source: 'named' });
      i += phrase.length;
      continue;
    }
    const word = words[i];
    const entry = lookupLexicon(word);
    if (entry) {
      const match: ColorWordMatch = { word, colors: [...entry.colors], weight: entry.weight ?? 1, source: 'lexicon' };
      if (entry.lightness !== undefined) match.lightness = entry.lightness;
      if (entry.chroma !== undefined) match.chroma = entry.chroma;
      add(`lexicon:${entry.key}`, match);
    } else {
      const hex = lookupNamedWord(word);
      if (hex) add(`named:${word}`, { word, colors: [hex], weight: 1, source: 'named' });
    }
    i += 1;
  }
  return matches;
}

function longestNamedPhrase(words: string[], start: number): { key: string; hex: string; length: number } | undefined {
  const index = named();
  for (let n = Math.min(MAX_PHRASE_WORDS, words.length - start); n >= 2; n--) {
    const parts = words.slice(start, start + n);
    const key = parts.join(' ');
    const hex = index.get(key);
    if (hex === undefined) continue;
    if (parts.every((w) => lookupLexicon(w) || STOP_WORDS.has(w))) continue;
    return { key, hex, length: n };
  }
  return undefined;
}

/** Every word the mood/nature lexicon knows (keys and aliases), for documentation and tests. */
export function lexiconWords(): string[] {
  return [...lexicon().keys()];
}

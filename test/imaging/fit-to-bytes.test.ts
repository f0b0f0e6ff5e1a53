import { describe, expect, it } from 'vitest';
import { fitToBytes } from '../../src/imaging/fit-to-bytes.js';

/** A fake encoder whose size is 10 bytes per quality point, recording the qualities tried. */
function fakeEncoder() {
  const tried: number[] = [];
  const encodeAt = async (quality: number) => {
    tried.push(quality);
    return { byteLength: quality * 10 };
  };
  return { tried, encodeAt };
}

describe('fitToBytes', () => {
  it('takes the ceiling with one encode when it fits', async () => {
    const { tried, encodeAt } = fakeEncoder();
    expect(await fitToBytes(encodeAt, 1000, 80)).toEqual({ quality: 80, result: { byteLength: 800 } });
    expect(tried).toEqual([80]);
  });

  it('finds the highest quality that fits by binary search', async () => {
    const { tried, encodeAt } = fakeEncoder();
    const fitted = await fitToBytes(encodeAt, 425, 100);
    expect(fitted?.quality).toBe(42);
    expect(tried.length).toBeLessThanOrEqual(8);
  });

  it('returns undefined when even quality 1 is too big, having tried quality 1', async () => {
    const { tried, encodeAt } = fakeEncoder();
    expect(await fitToBytes(encodeAt, 5, 100)).toBeUndefined();
    expect(tried).toContain(1);
  });
});

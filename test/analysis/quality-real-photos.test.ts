import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { AnalysisService } from '../../src/services/analysis-service.js';
import { createPool } from '../imaging/images.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';

/** Gaussian noise (sigma 30) blended over the photo, at its full size. */
async function noised(photo: Buffer): Promise<Buffer> {
  const { width, height } = await sharp(photo).metadata();
  const noise = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png().toBuffer();
  return sharp(photo).removeAlpha().composite([{ input: noise, blend: 'overlay' }]).png().toBuffer();
}

describe.runIf(haveSharedImages)('quality scores on real photos', () => {
  const pool = createPool({ threads: 2, maxConcurrentOperations: 2 });
  const sut = new AnalysisService({ images: pool });
  afterAll(() => pool.close());
  const quality = async (bytes: Buffer) => (await sut.analyze(bytes, ['quality'])).quality!;

  for (const name of ['Aqua.jpg', 'Dune.jpg', 'GreenMeadow.jpg', 'TwoWings.jpg', 'chelsea.png']) {
    it(`${name}: the overall score falls when the photo is blurred, noised or heavily JPEG-compressed`, async () => {
      const photo = sharedImage(name);
      const [original, blurred, noisy, compressed] = await Promise.all([
        quality(photo),
        quality(await sharp(photo).blur(3).png().toBuffer()),
        quality(await noised(photo)),
        quality(await sharp(photo).jpeg({ quality: 5 }).toBuffer()),
      ]);
      // Each degradation shows in its own measure...
      expect(blurred.sharpness).toBeLessThan(original.sharpness / 2);
      expect(noisy.noise).toBeGreaterThan(original.noise * 2);
      // ...and pulls the overall score down.
      expect(blurred.overallScore).toBeLessThan(original.overallScore - 5);
      expect(noisy.overallScore).toBeLessThan(original.overallScore - 2);
      expect(compressed.overallScore).toBeLessThan(original.overallScore - 10);
      for (const q of [original, blurred, noisy, compressed]) {
        expect(q.overallScore).toBeGreaterThanOrEqual(0);
        expect(q.overallScore).toBeLessThanOrEqual(100);
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../src/domain/image-record.js';
import type { ImageGenerator } from '../../src/generation/image-generator.js';
import { imageToImageBase, providerTakesSource } from '../../src/generation/image-to-image-input.js';
import type { RegisteredModel } from '../../src/generation/model-registry.js';
import { sourceGeneration } from '../../src/generation/source-generation.js';

const generator = {
  provider: 'automatic1111',
  isAi: true,
  limits: { minSide: 64, maxSide: 1024, sideMultiple: 8, steps: { min: 1, max: 50, default: 20 }, maxPromptLength: 20 },
} as unknown as ImageGenerator;
const model: RegisteredModel = { name: 'sdxl', label: 'sdxl', provider: 'automatic1111', description: '', isDefault: true, generator };
const registry = { find: (name: string) => (name === 'sdxl' ? model : undefined) };

function record(generation?: ImageRecord['generation']): ImageRecord {
  const at = new Date(0);
  return {
    id: '0190b6e2-7c1a-7d3e-9f00-0123456789ab', tenant: 'default', kind: generation ? 'generated' : 'uploaded', filename: 'a.png', contentType: 'image/png', declaredContentType: '',
    width: 3000, height: 1500, fileSize: 1, sha256: '', storagePath: '', metadata: null, generation, sourceImageId: null, operationKey: null, derivationKey: null, createdAt: at, updatedAt: at,
  };
}

const generated = (params: Record<string, unknown>) =>
  record({ prompt: 'a red fox', model: 'sdxl', negativePrompt: 'blur', guidanceScale: 7, generationSteps: 30, params });

describe('sourceGeneration', () => {
  it('reads what a generated record says, with the model when it is still configured', () => {
    expect(sourceGeneration(generated({ seed: '42', style: 'watercolor' }), registry)).toEqual({
      prompt: 'a red fox', negativePrompt: 'blur', model, seed: 42, style: 'watercolor', steps: 30, guidanceScale: 7,
    });
  });

  it('leaves out what this version cannot use instead of refusing the record', () => {
    const g = sourceGeneration(generated({ seed: '-1', style: 'no-such-style' }), { find: () => undefined });
    expect(g).toMatchObject({ model: undefined, seed: undefined, style: '' });
  });

  it('has nothing for an upload', () => {
    expect(sourceGeneration(record(), registry)).toEqual({ prompt: '', negativePrompt: '', style: '' });
  });
});

describe('imageToImageBase', () => {
  it("fits the source to the model's sides, cuts the prompt to its length, and keeps only settings it takes", () => {
    const source = { data: new Uint8Array(1), contentType: 'image/png', width: 3000, height: 1500 };
    const base = imageToImageBase(model, source, { ...sourceGeneration(generated({ seed: '42' }), registry), steps: 80 }, 'a red fox in the snow at dusk');
    expect(base).toMatchObject({ width: 1024, height: 512, prompt: 'a red fox in the sno', steps: undefined, guidanceScale: undefined, sourcePrompt: 'a red fox', sourceSeed: 42, negativePrompt: 'blur' });
    expect(base.source).toBe(source);
  });

  it('names the source formats providers take', () => {
    expect(['image/png', 'image/jpeg', 'image/webp', 'image/avif', 'image/tiff'].map(providerTakesSource)).toEqual([true, true, true, false, false]);
  });
});

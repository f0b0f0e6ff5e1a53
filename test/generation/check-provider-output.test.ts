import { describe, expect, it } from 'vitest';
import { invalidImage, overloaded } from '../../src/errors/index.js';
import { checkOutputBytes, checkOutputSize, probeFailure } from '../../src/generation/check-provider-output.js';

const model = { name: 'sdxl', provider: 'automatic1111' as const };

describe('checks of a provider image before it is stored', () => {
  it('refuses empty bytes as INVALID_PROVIDER_OUTPUT naming the model', () => {
    expect(() => checkOutputBytes(model, new Uint8Array(0))).toThrow(
      expect.objectContaining({ kind: 'generation_failed', reason: 'INVALID_PROVIDER_OUTPUT', message: 'model "sdxl" (automatic1111) returned no image bytes; nothing was stored' }),
    );
    expect(() => checkOutputBytes(model, new Uint8Array(1))).not.toThrow();
  });

  it('blames the provider for bytes that are no image, but passes the service overloaded through as it is', () => {
    const bad = invalidImage('generated image', 'truncated');
    expect(probeFailure(model, bad)).toMatchObject({
      reason: 'INVALID_PROVIDER_OUTPUT',
      message: 'model "sdxl" (automatic1111) returned bytes that are not a usable image (generated image: truncated); nothing was stored',
      cause: bad,
    });
    const busy = overloaded('queue full');
    expect(probeFailure(model, busy)).toBe(busy);
  });

  it('refuses an implausible size, stating the range', () => {
    expect(() => checkOutputSize(model, { width: 8, height: 512 }, 4096)).toThrow('returned an image of implausible size 8x512 (expected 16 to 4096 pixels per side)');
    expect(() => checkOutputSize(model, { width: 512, height: 5000 }, 4096)).toThrow('implausible size 512x5000');
    expect(() => checkOutputSize(model, { width: 16, height: 4096 }, 4096)).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { negotiateFormat } from '../../src/delivery/negotiate-format.js';
import { canonicalRendition, parsePresets, resolveTransform } from '../../src/delivery/presets.js';
import { canonicalTransform, checkTransform, parseTransformText } from '../../src/delivery/transform.js';
import { toHttpError } from '../../src/api/http-status.js';
import { invalidArgument, overloaded, quotaExceeded, tooLarge } from '../../src/errors/index.js';
import { UrlSigner } from '../../src/storage/url-signer.js';

const MAX = 16_384;
const presets = parsePresets(undefined, MAX);

describe('transforms', () => {
  it('have one canonical text: defaults dropped, fixed key order, and it parses back', () => {
    const t = checkTransform({ quality: 70, width: 300, dpr: 1, height: 0, format: 'JPG' as never, fit: 'cover', preset: 'card' }, 'transform', MAX);
    expect(canonicalTransform(t)).toBe('p=card,w=300,fit=cover,f=jpeg,q=70');
    expect(checkTransform(parseTransformText(canonicalTransform(t), 'tr'), 'tr', MAX)).toEqual(t);
    // A float32 dpr from the wire names the same derivative as its text.
    expect(canonicalTransform(checkTransform({ dpr: Math.fround(1.1) }, 'transform', MAX))).toBe('dpr=1.1');
  });

  it('refuse bad values naming the field', () => {
    expect(() => checkTransform({ width: 20_000 }, 'transform', MAX)).toThrow('transform.width: expected an integer from 0 to 16384, received 20000');
    expect(() => checkTransform({ format: 'bmp' as never }, 'transform', MAX)).toThrow('transform.format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, received "bmp"');
    expect(() => checkTransform({ dpr: 0.5 }, 'transform', MAX)).toThrow('transform.dpr: expected a number from 1 to 4 (0 for 1), received 0.5');
    expect(() => parseTransformText('w=10,zoom=2', 'tr')).toThrow('tr: expected key=value pairs with keys preset, width, height, fit, gravity, format, quality, dpr, received "zoom=2"');
    expect(() => parseTransformText('w=ten', 'tr')).toThrow('tr.width: expected a number, received "ten"');
  });

  it('resolve a preset (own fields win) and apply dpr within the dimension limit', () => {
    const r = resolveTransform({ preset: 'thumbnail', format: 'webp', dpr: 2 }, presets, 'transform', MAX);
    expect(r).toEqual({ width: 400, height: 400, fit: 'cover', gravity: 'attention', format: 'webp', quality: undefined });
    expect(canonicalRendition(r)).toBe('w=400,h=400,fit=cover,g=attention');
    expect(() => resolveTransform({ width: 10_000, dpr: 2 }, presets, 'transform', MAX)).toThrow('transform.dpr: expected a ratio that keeps width x dpr within 16384');
    expect(() => resolveTransform({ preset: 'poster' }, presets, 'transform', MAX)).toThrow('transform.preset: expected one of thumbnail, card, hero, received "poster"');
  });
});

describe('PRESETS', () => {
  it('reads JSON and text, adding to or replacing the built-ins', () => {
    const text = parsePresets('avatar:w=96,h=96,fit=cover,g=attention;card:width=500', MAX);
    expect(text.get('avatar')).toEqual({ width: 96, height: 96, fit: 'cover', gravity: 'attention' });
    expect(text.get('card')).toEqual({ width: 500 });
    expect([...text.keys()]).toEqual(['thumbnail', 'card', 'hero', 'avatar']);
    expect(parsePresets('{"banner": {"width": 1600, "height": 400, "fit": "cover"}}', MAX).get('banner')).toEqual({ width: 1600, height: 400, fit: 'cover' });
  });

  it('stops the service at start on a bad preset, naming PRESETS', () => {
    expect(() => loadConfig({ PRESETS: 'avatar:w=99999' })).toThrow('config PRESETS: expected valid transforms, received "PRESETS.avatar.width: expected an integer from 0 to 16384, received 99999"');
    expect(() => loadConfig({ PRESETS: 'Bad Name:w=1' })).toThrow('config PRESETS: expected preset names of a-z, 0-9, - and _ (at most 32), received "Bad Name"');
    expect(() => loadConfig({ DERIVATIVE_CACHE_CONTROL: 'shared' })).toThrow('config DERIVATIVE_CACHE_CONTROL: expected public or private, received "shared"');
    expect(loadConfig({ ONLY_PRESETS: '1', DERIVATIVE_CACHE_MAX_BYTES: '1000' }).delivery).toMatchObject({ onlyPresets: true, cacheMaxBytes: 1000, touchIntervalMs: 60_000, sourceTtlMs: 1000 });
    expect(loadConfig({ DERIVATIVE_SOURCE_TTL_MS: '0' }).delivery.sourceTtlMs).toBe(0);
    expect(() => loadConfig({ DERIVATIVE_SOURCE_TTL_MS: '600000' })).toThrow('config DERIVATIVE_SOURCE_TTL_MS: expected an integer from 0 to 60000, received "600000"');
  });
});

describe('format negotiation', () => {
  it('prefers AVIF, then WebP, then the source format; wildcards and q=0 do not count', () => {
    expect(negotiateFormat('auto', 'image/avif,image/webp,*/*', 'jpeg')).toBe('avif');
    expect(negotiateFormat('auto', 'image/webp,*/*;q=0.8', 'jpeg')).toBe('webp');
    expect(negotiateFormat('auto', 'image/avif;q=0, image/*', 'png')).toBe('png');
    expect(negotiateFormat('auto', undefined, 'svg')).toBe('png');
    expect(negotiateFormat('jpeg', 'image/avif', 'png')).toBe('jpeg');
    expect(negotiateFormat(undefined, 'image/avif', 'webp')).toBe('webp');
  });
});

describe('derivative URL signatures', () => {
  const signer = new UrlSigner(Buffer.alloc(32, 7));
  const id = '0190b6e2-7c1a-7d3e-9f00-0123456789ab';

  it('cover tenant, id, transform and expiry, and never verify as a /files signature', () => {
    const url = new URL(`http://x${signer.derivativePathFor('default', id, 'w=100', 2_000_000_000)}`);
    const sig = url.searchParams.get('sig')!;
    expect(url.searchParams.get('tr')).toBe('w=100');
    expect(signer.verifyDerivative('default', id, 'w=100', 2_000_000_000, sig, 0)).toBe('ok');
    expect(signer.verifyDerivative('default', id, 'w=101', 2_000_000_000, sig, 0)).toBe('invalid');
    expect(signer.verifyDerivative('other', id, 'w=100', 2_000_000_000, sig, 0)).toBe('invalid');
    expect(signer.verifyDerivative('default', id, 'w=100', 2_000_000_001, sig, 0)).toBe('invalid');
    expect(signer.verifyDerivative('default', id, 'w=100', 2_000_000_000, sig, 3_000_000_000)).toBe('expired');
    expect(signer.verify('default', id, 2_000_000_000, sig, 0)).toBe('invalid');
  });
});

describe('plain HTTP statuses', () => {
  it('map error kinds, with Retry-After only for load and quotas', () => {
    expect(toHttpError(invalidArgument('transform.width', 'a width', 0))).toEqual({ status: 400, text: 'transform.width: expected a width, received 0' });
    expect(toHttpError(tooLarge('image', '10 pixels', '20 pixels', 'PIXEL_LIMIT_EXCEEDED')).status).toBe(413);
    expect(toHttpError(overloaded('full', 1500))).toEqual({ status: 503, text: 'full', retryAfter: 2 });
    expect(toHttpError(quotaExceeded('slow down', 'RATE_LIMITED', 3000))).toEqual({ status: 429, text: 'slow down', retryAfter: 3 });
    expect(toHttpError(new Error('secret internals'))).toEqual({ status: 500, text: 'internal error' });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-signed, expiring URLs for /files/<image_id>. The signature covers the id and the expiry, so
 * neither can be changed without the key. Several keys, newest first, allow rotation: the newest signs
 * and URLs signed with any of them verify until their own expiry.
 */
export class UrlSigner {
  private readonly keys: readonly Buffer[];

  constructor(keys: Buffer | readonly Buffer[]) {
    this.keys = Buffer.isBuffer(keys) ? [keys] : keys;
    if (this.keys.length === 0) throw new Error('UrlSigner needs at least one key');
  }

  sign(imageId: string, expiresAtSeconds: number): string {
    return mac(this.keys[0], imageId, expiresAtSeconds);
  }

  /** 'ok', 'expired' or 'invalid'; compares in constant time against every key. */
  verify(imageId: string, expiresAtSeconds: number, signature: string, nowSeconds = Date.now() / 1000): 'ok' | 'expired' | 'invalid' {
    const given = Buffer.from(signature);
    let matched = false;
    for (const key of this.keys) {
      const expected = Buffer.from(mac(key, imageId, expiresAtSeconds));
      // Every key is tried, so the time taken says nothing about which one matched.
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    if (!matched) return 'invalid';
    return expiresAtSeconds < nowSeconds ? 'expired' : 'ok';
  }

  /** Path and query of a signed file URL. */
  pathFor(imageId: string, expiresAtSeconds: number): string {
    return `/files/${encodeURIComponent(imageId)}?exp=${expiresAtSeconds}&sig=${this.sign(imageId, expiresAtSeconds)}`;
  }
}

function mac(key: Buffer, imageId: string, expiresAtSeconds: number): string {
  return createHmac('sha256', key).update(`${imageId}\n${expiresAtSeconds}`).digest('base64url');
}

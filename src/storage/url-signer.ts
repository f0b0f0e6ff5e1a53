import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-signed, expiring URLs for /files/<image_id>. The signature covers the id and the expiry, so
 * neither can be changed without the key.
 */
export class UrlSigner {
  constructor(private readonly secret: Buffer) {}

  sign(imageId: string, expiresAtSeconds: number): string {
    return createHmac('sha256', this.secret).update(`${imageId}\n${expiresAtSeconds}`).digest('base64url');
  }

  /** 'ok', 'expired' or 'invalid'; compares in constant time. */
  verify(imageId: string, expiresAtSeconds: number, signature: string, nowSeconds = Date.now() / 1000): 'ok' | 'expired' | 'invalid' {
    const expected = Buffer.from(this.sign(imageId, expiresAtSeconds));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return expiresAtSeconds < nowSeconds ? 'expired' : 'ok';
  }

  /** Path and query of a signed file URL. */
  pathFor(imageId: string, expiresAtSeconds: number): string {
    return `/files/${encodeURIComponent(imageId)}?exp=${expiresAtSeconds}&sig=${this.sign(imageId, expiresAtSeconds)}`;
  }
}

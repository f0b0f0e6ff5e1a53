import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-signed, expiring URLs for /files/<image_id>?t=<tenant>. The signature covers the tenant, the
 * id and the expiry, so none can be changed without the key: the image is looked up only within the
 * tenant the URL was signed for. Several keys, newest first, allow rotation: the newest signs
 * and URLs signed with any of them verify until their own expiry.
 */
export class UrlSigner {
  private readonly keys: readonly Buffer[];

  constructor(keys: Buffer | readonly Buffer[]) {
    this.keys = Buffer.isBuffer(keys) ? [keys] : keys;
    if (this.keys.length === 0) throw new Error('UrlSigner needs at least one key');
  }

  sign(tenant: string, imageId: string, expiresAtSeconds: number): string {
    return mac(this.keys[0], tenant, imageId, expiresAtSeconds);
  }

  /** 'ok', 'expired' or 'invalid'; compares in constant time against every key. */
  verify(tenant: string, imageId: string, expiresAtSeconds: number, signature: string, nowSeconds = Date.now() / 1000): 'ok' | 'expired' | 'invalid' {
    const given = Buffer.from(signature);
    let matched = false;
    for (const key of this.keys) {
      const expected = Buffer.from(mac(key, tenant, imageId, expiresAtSeconds));
      // Every key is tried, so the time taken says nothing about which one matched.
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    if (!matched) return 'invalid';
    return expiresAtSeconds < nowSeconds ? 'expired' : 'ok';
  }

  /** Path and query of a signed file URL. */
  pathFor(tenant: string, imageId: string, expiresAtSeconds: number): string {
    const query = new URLSearchParams({ t: tenant, exp: String(expiresAtSeconds), sig: this.sign(tenant, imageId, expiresAtSeconds) });
    return `/files/${encodeURIComponent(imageId)}?${query.toString()}`;
  }
}

function mac(key: Buffer, tenant: string, imageId: string, expiresAtSeconds: number): string {
  // Tenant names cannot hold a newline (TENANT_PATTERN), so the fields cannot run into each other.
  return createHmac('sha256', key).update(`${tenant}\n${imageId}\n${expiresAtSeconds}`).digest('base64url');
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-signed, expiring URLs: /files/<image_id>?t=<tenant> for originals and
 * /derivatives/<image_id>?t=<tenant>&tr=<transform> for derivatives. The signature covers the tenant,
 * the id, the transform (for a derivative) and the expiry, so none can be changed without the key: the
 * image is looked up only within the tenant the URL was signed for. Several keys, newest first, allow
 * rotation: the newest signs and URLs signed with any of them verify until their own expiry.
 */
export class UrlSigner {
  private readonly keys: readonly Buffer[];

  constructor(keys: Buffer | readonly Buffer[]) {
    this.keys = Buffer.isBuffer(keys) ? [keys] : keys;
    if (this.keys.length === 0) throw new Error('UrlSigner needs at least one key');
  }

  sign(tenant: string, imageId: string, expiresAtSeconds: number): string {
    return mac(this.keys[0], [tenant, imageId, String(expiresAtSeconds)]);
  }

  /** 'ok', 'expired' or 'invalid'; compares in constant time against every key. */
  verify(tenant: string, imageId: string, expiresAtSeconds: number, signature: string, nowSeconds = Date.now() / 1000): 'ok' | 'expired' | 'invalid' {
    return this.check([tenant, imageId, String(expiresAtSeconds)], expiresAtSeconds, signature, nowSeconds);
  }

  /** Path and query of a signed file URL. */
  pathFor(tenant: string, imageId: string, expiresAtSeconds: number): string {
    const query = new URLSearchParams({ t: tenant, exp: String(expiresAtSeconds), sig: this.sign(tenant, imageId, expiresAtSeconds) });
    return `/files/${encodeURIComponent(imageId)}?${query.toString()}`;
  }

  /** As verify, for a derivative URL: `transform` is its canonical text. */
  verifyDerivative(tenant: string, imageId: string, transform: string, expiresAtSeconds: number, signature: string, nowSeconds = Date.now() / 1000): 'ok' | 'expired' | 'invalid' {
    return this.check(derivativeFields(tenant, imageId, transform, expiresAtSeconds), expiresAtSeconds, signature, nowSeconds);
  }

  /** Path and query of a signed derivative URL. */
  derivativePathFor(tenant: string, imageId: string, transform: string, expiresAtSeconds: number): string {
    const sig = mac(this.keys[0], derivativeFields(tenant, imageId, transform, expiresAtSeconds));
    const query = new URLSearchParams({ t: tenant, tr: transform, exp: String(expiresAtSeconds), sig });
    return `/derivatives/${encodeURIComponent(imageId)}?${query.toString()}`;
  }

  private check(fields: string[], expiresAtSeconds: number, signature: string, nowSeconds: number): 'ok' | 'expired' | 'invalid' {
    const given = Buffer.from(signature);
    let matched = false;
    for (const key of this.keys) {
      const expected = Buffer.from(mac(key, fields));
      // Every key is tried, so the time taken says nothing about which one matched.
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    if (!matched) return 'invalid';
    return expiresAtSeconds < nowSeconds ? 'expired' : 'ok';
  }
}

/**
 * A derivative's fields start with a marker an original's cannot have in that place (ids are UUIDs),
 * and have more of them: a signature for one kind of URL never verifies for the other.
 */
function derivativeFields(tenant: string, imageId: string, transform: string, expiresAtSeconds: number): string[] {
  return ['derivative', tenant, imageId, transform, String(expiresAtSeconds)];
}

function mac(key: Buffer, fields: string[]): string {
  // Tenant names cannot hold a newline (TENANT_PATTERN), nor can ids or a canonical transform, so the
  // fields cannot run into each other.
  return createHmac('sha256', key).update(fields.join('\n')).digest('base64url');
}

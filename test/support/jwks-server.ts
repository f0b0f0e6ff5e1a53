import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** A key pair made now, with its public half as a JWK carrying kid and alg. */
export async function makeSigningKey(alg: 'RS256' | 'ES256' | 'RS384', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A signed JWT; `expiresIn` and the other timing claims default to a token valid for ten minutes. */
export function signToken(key: SigningKey, claims: JWTPayload, options: { issuer: string; audience: string; expiresAt?: number; header?: Record<string, unknown> }): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...options.header })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? '10m');
  return jwt.sign(key.privateKey);
}

/** A real identity provider's key endpoint on a local port: serves whatever keys are published now. */
export async function startJwksServer(): Promise<{ url: string; publish(keys: SigningKey[]): void; fetches(): number; close(): Promise<void> }> {
  let body = JSON.stringify({ keys: [] });
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publish(keys) {
      body = JSON.stringify({ keys: keys.map((k) => k.jwk) });
    },
    fetches: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The provider's RS256 signing key: generated once per simulator (lazily, on first use), published
 * at /oidc/jwks with its `kid`. Uses `jose` (a runtime dependency; the simulator also runs under
 * `npm start`).
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';

interface KeyMaterial {
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly publicJwk: JWK;
}

export class OidcKeys {
  private material?: Promise<KeyMaterial>;

  private load(): Promise<KeyMaterial> {
    this.material ??= (async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
      const kid = randomBytes(8).toString('hex');
      return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
    })();
    return this.material;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [(await this.load()).publicJwk] };
  }

  /** An ID token: iat now (real time: relying parties check exp against their own clock), exp after `ttlSeconds`. */
  async sign(claims: Record<string, unknown>, options: { issuer: string; audience: string; subject: string; ttlSeconds: number }): Promise<string> {
    const { kid, privateKey } = await this.load();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(options.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + options.ttlSeconds)
      .sign(privateKey);
  }
}

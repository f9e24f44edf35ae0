import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';

export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>;

const RSA_MIN_BITS = 2048;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/g;

/** The one algorithm a key may be used with, or why it cannot be used at all. */
export function algorithmForKey(key: KeyObject): AsymmetricAlgorithm | { problem: string } {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? 'ES256'
        : { problem: 'EC keys must use the P-256 curve (ES256)' };
    case 'rsa':
      return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= RSA_MIN_BITS
        ? 'RS256'
        : { problem: `RSA keys must have at least ${RSA_MIN_BITS} bits` };
    default:
      return {
        problem: `unsupported key type ${key.asymmetricKeyType ?? 'secret'}; use Ed25519, P-256 or RSA`,
      };
  }
}

export function isAsymmetricAlgorithm(value: unknown): value is AsymmetricAlgorithm {
  return value === 'EdDSA' || value === 'ES256' || value === 'RS256';
}

/** Splits a PEM bundle into keys; throws with a short message when a block does not parse. */
export function parsePemKeys(pem: string, kind: 'private' | 'public'): KeyObject[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('contains no PEM key');
  return blocks.map((block) => {
    try {
      // A private key also yields its public half, so a rotated-out private key may be listed.
      return kind === 'private' ? createPrivateKey(block) : createPublicKey(block);
    } catch {
      throw new Error(`contains a ${kind} key that cannot be read`);
    }
  });
}

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  OKP: ['crv', 'kty', 'x'],
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
};

/** RFC 7638 thumbprint: a key id derived from the key itself, identical on every instance. */
export function keyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''] ?? [];
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

export interface PublicJwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly use: 'sig';
  readonly [member: string]: string;
}

export function publicJwk(publicKey: KeyObject, algorithm: AsymmetricAlgorithm): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { ...jwk, kty: jwk.kty ?? '', kid: keyId(publicKey), alg: algorithm, use: 'sig' };
}

export interface SigningKeys {
  /** The key that signs: EdDSA, ES256 or RS256; null with HS256. */
  readonly privateKey: KeyObject | null;
  /** Keys that verify: the signing key's public half first, then retiring ones. */
  readonly publicKeys: readonly KeyObject[];
}

/**
 * Reads the signing key and the retiring public keys from PEM text. With EdDSA, ES256 or RS256 the
 * private key signs and its public half plus any previous public keys verify (rotation: the newest
 * signs, older ones verify until they are removed). Every problem is added to `problems`, phrased
 * for the operator who set the variables.
 */
export function loadSigningKeys(
  algorithm: JwtAlgorithm,
  privatePem: string | undefined,
  previousPem: string | undefined,
  problems: string[],
): SigningKeys {
  const none: SigningKeys = { privateKey: null, publicKeys: [] };
  if (!isAsymmetricAlgorithm(algorithm)) {
    if (privatePem !== undefined || previousPem !== undefined) {
      problems.push(
        'JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEYS need JWT_ALGORITHM EdDSA, ES256 or RS256',
      );
    }
    return none;
  }
  if (privatePem === undefined) {
    if (!problems.some((p) => p.startsWith('JWT_PRIVATE_KEY'))) {
      problems.push(`JWT_ALGORITHM ${algorithm} needs JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE`);
    }
    return none;
  }
  let privateKey: KeyObject | null = null;
  const publicKeys: KeyObject[] = [];
  try {
    const [key, ...extra] = parsePemKeys(privatePem, 'private');
    const keyAlgorithm = key ? algorithmForKey(key) : { problem: 'no key' };
    if (extra.length > 0) problems.push('JWT_PRIVATE_KEY must hold exactly one key');
    else if (keyAlgorithm !== algorithm) {
      const why = isAsymmetricAlgorithm(keyAlgorithm)
        ? `it is an ${keyAlgorithm} key`
        : keyAlgorithm.problem;
      problems.push(`JWT_PRIVATE_KEY does not fit JWT_ALGORITHM ${algorithm}: ${why}`);
    } else if (key) {
      privateKey = key;
      publicKeys.push(createPublicKey(key));
    }
  } catch (error) {
    problems.push(`JWT_PRIVATE_KEY ${(error as Error).message}`);
  }
  if (previousPem !== undefined) {
    try {
      for (const key of parsePemKeys(previousPem, 'public')) {
        const keyAlgorithm = algorithmForKey(key);
        if (isAsymmetricAlgorithm(keyAlgorithm)) publicKeys.push(key);
        else problems.push(`JWT_PREVIOUS_PUBLIC_KEYS: ${keyAlgorithm.problem}`);
      }
    } catch (error) {
      problems.push(`JWT_PREVIOUS_PUBLIC_KEYS ${(error as Error).message}`);
    }
  }
  return { privateKey, publicKeys };
}

/**
 * A key for `purpose`, derived (HKDF) from the token signing key, so every instance that signs
 * the same tokens derives the same one and nothing new needs configuring. Rotating the signing
 * key rotates it too: what it protects must be short-lived (WebAuthn challenges, minutes).
 */
export function derivedKey(
  settings: { readonly secret: KeyObject | null; readonly privateKey: KeyObject | null },
  purpose: string,
): KeyObject {
  const { secret, privateKey } = settings;
  const material = secret
    ? secret.export()
    : (privateKey?.export({ format: 'der', type: 'pkcs8' }) ?? Buffer.alloc(0));
  if (material.length === 0) throw new Error('no signing key to derive from');
  return createSecretKey(Buffer.from(hkdfSync('sha256', material, '', purpose, 32)));
}

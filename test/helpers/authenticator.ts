import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software passkey authenticator, as a browser's platform authenticator behaves (CTAP2, ES256,
 * resident keys, user verification, `none` attestation): it answers the API's options with the
 * JSON a browser's `PublicKeyCredential.toJSON()` gives, signed with a real P-256 key. Tests hand
 * its answers to the real API, which verifies them with @simplewebauthn/server.
 */

type Json = Record<string, unknown>;

/** Minimal CBOR (RFC 8949) for what attestation needs: maps, text, bytes, small integers. */
function cbor(value: unknown): Buffer {
  const head = (major: number, length: number) => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 256) return Buffer.from([(major << 5) | 24, length]);
    return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  };
  if (typeof value === 'number') {
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) {
    const parts = [...value.entries()].flatMap(([key, item]) => [cbor(key), cbor(item)]);
    return Buffer.concat([head(5, value.size), ...parts]);
  }
  throw new Error(`cannot encode ${typeof value}`);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64url = (data: Buffer) => data.toString('base64url');

interface Credential {
  readonly id: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly rpId: string;
  readonly userHandle: Buffer;
  counter: number;
}

export class SoftwareAuthenticator {
  private readonly credentials: Credential[] = [];

  constructor(
    /** The web origin the "browser" runs the app on (clientDataJSON.origin). */
    private readonly origin: string,
    /** Whether it keeps a signature counter (synced passkeys send 0). */
    private readonly counts = true,
  ) {}

  private clientData(type: string, challenge: string): Buffer {
    return Buffer.from(
      JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }),
    );
  }

  private authData(rpId: string, counter: number, attested?: Buffer): Buffer {
    // UP (user present), UV (user verified), AT (attested credential data follows).
    const flags = 0x01 | 0x04 | (attested ? 0x40 : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([
      sha256(rpId),
      Buffer.from([flags]),
      count,
      ...(attested ? [attested] : []),
    ]);
  }

  /** `navigator.credentials.create(options)`, answered as JSON. */
  create(optionsJson: string): string {
    const options = JSON.parse(optionsJson) as {
      challenge: string;
      rp: { id: string };
      user: { id: string };
    };
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = cbor(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
    const id = randomBytes(32);
    const credential: Credential = {
      id,
      privateKey,
      publicKey,
      rpId: options.rp.id,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      counter: 0,
    };
    this.credentials.push(credential);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, id, coseKey]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', this.authData(options.rp.id, 0, attested)],
      ]),
    );
    return JSON.stringify({
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
    } satisfies Json);
  }

  /** `navigator.credentials.get(options)`, answered as JSON, with the newest usable passkey. */
  get(
    optionsJson: string,
    overrides: { counter?: number; challenge?: string; forge?: boolean } = {},
  ): string {
    const options = JSON.parse(optionsJson) as {
      challenge: string;
      rpId: string;
      allowCredentials?: { id: string }[];
    };
    const allowed = new Set((options.allowCredentials ?? []).map((entry) => entry.id));
    const credential = [...this.credentials]
      .reverse()
      .find(
        (candidate) =>
          candidate.rpId === options.rpId &&
          (allowed.size === 0 || allowed.has(b64url(candidate.id))),
      );
    if (!credential) throw new Error('no passkey for these options');
    if (this.counts) credential.counter += 1;
    const counter = overrides.counter ?? (this.counts ? credential.counter : 0);
    const clientDataJSON = this.clientData(
      'webauthn.get',
      overrides.challenge ?? options.challenge,
    );
    const authenticatorData = this.authData(credential.rpId, counter);
    // A forger signs with a key of its own: the signature is well-formed and wrong.
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
      overrides.forge
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : credential.privateKey,
    );
    return JSON.stringify({
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        userHandle: b64url(credential.userHandle),
      },
    } satisfies Json);
  }
}

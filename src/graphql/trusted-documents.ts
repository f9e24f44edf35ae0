import { createHash } from 'node:crypto';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { parse, validate, type GraphQLSchema } from 'graphql';
import type { ErrorCode } from '../errors';

/**
 * Trusted documents (TRUSTED_DOCUMENTS): the operations a first-party frontend will ever send,
 * from codegen's client preset manifest (`persistedDocuments: true` writes
 * `persisted-documents.json`, `{ "<sha256 hex>": "<document>" }`). A request may name one by its
 * hash instead of sending its text, and in `enforce` mode nothing else runs.
 */
export interface TrustedDocumentSettings {
  readonly mode: 'allow' | 'enforce';
  /** sha256 hex of the text -> the text. */
  readonly documents: ReadonlyMap<string, string>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** GraphQL over HTTP's document identifier is "sha256:<hex>" (codegen writes it so); or bare. */
const bareHash = (id: string) => (id.startsWith('sha256:') ? id.slice('sha256:'.length) : id);

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Reads a manifest: a JSON object from sha256 hex hashes (bare or `sha256:` prefixed) to document
 * texts, each hash that of its text. Returns the documents, or every problem found.
 */
export function parseTrustedDocumentManifest(
  json: string,
): { readonly documents: Map<string, string> } | { readonly problems: string[] } {
  let manifest: unknown;
  try {
    manifest = JSON.parse(json);
  } catch {
    return { problems: ['is not JSON'] };
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    return { problems: ['must be a JSON object from sha256 hashes to documents'] };
  }
  const documents = new Map<string, string>();
  const problems: string[] = [];
  for (const [id, text] of Object.entries(manifest)) {
    const hash = bareHash(id);
    if (!SHA256_HEX.test(hash)) problems.push(`${id.slice(0, 80)} is not a sha256 hex hash`);
    else if (typeof text !== 'string') problems.push(`${hash} does not map to a document`);
    else if (sha256Hex(text) !== hash) problems.push(`${hash} is not the hash of its document`);
    else documents.set(hash, text);
  }
  return problems.length > 0 ? { problems } : { documents };
}

/** The manifest's documents that do not parse or validate against `schema`, with why. */
export function findInvalidTrustedDocuments(
  schema: GraphQLSchema,
  documents: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [hash, text] of documents) {
    try {
      const errors = validate(schema, parse(text));
      if (errors.length > 0) problems.push(`${hash}: ${errors[0]?.message ?? 'invalid'}`);
    } catch (error) {
      problems.push(`${hash}: ${(error as Error).message}`);
    }
  }
  return problems;
}

export interface TrustedDocumentRefusal {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface TrustedDocuments {
  /**
   * Puts a request that names a trusted document (`documentId`, or Apollo's
   * `extensions.persistedQuery.sha256Hash`) or sends one's exact text into the form Apollo
   * resolves from `cache` by hash, with no hashing of the text. Returns why the request is
   * refused instead, or null. `params` is the POST body or the GET query string, changed in
   * place.
   */
  admit(params: Record<string, unknown>, method: string): TrustedDocumentRefusal | null;
  /** Apollo's persisted-query cache: the manifest, read-only (nothing can be registered). */
  readonly cache: KeyValueCache<string>;
  readonly hashes: ReadonlySet<string>;
}

const APQ_PREFIX = 'apq:';

const required: TrustedDocumentRefusal = {
  code: 'TRUSTED_DOCUMENT_REQUIRED',
  message: 'Only trusted documents run here: send the hash of a document the app was built with',
};
const mismatch: TrustedDocumentRefusal = {
  code: 'BAD_REQUEST',
  message: 'The document does not match the hash it was sent with',
};
const documentIdOnGet: TrustedDocumentRefusal = {
  code: 'BAD_REQUEST',
  message: 'A GET request names a trusted document in extensions.persistedQuery, not documentId',
};

function persistedQueryHash(extensions: unknown): string | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' ? bareHash(hash) : undefined;
}

export function createTrustedDocuments(settings: TrustedDocumentSettings): TrustedDocuments {
  const { documents, mode } = settings;
  const hashOfText = new Map([...documents].map(([hash, text]) => [text, hash] as const));
  const named = (params: Record<string, unknown>, hash: string) => {
    const extensions =
      typeof params.extensions === 'object' && params.extensions !== null ? params.extensions : {};
    params.extensions = { ...extensions, persistedQuery: { version: 1, sha256Hash: hash } };
    delete params.query;
    delete params.documentId;
  };

  return {
    admit(params, method) {
      const get = method === 'GET';
      // A document in any other shape is no trusted document (Apollo refuses it anyway).
      if (mode === 'enforce' && params.query !== undefined && typeof params.query !== 'string') {
        return required;
      }
      const text = typeof params.query === 'string' ? params.query : undefined;
      let hash = get
        ? persistedQueryHash(parseJsonParam(params.extensions))
        : persistedQueryHash(params.extensions);
      if (params.documentId !== undefined) {
        if (get) return documentIdOnGet;
        if (typeof params.documentId !== 'string') return mismatch;
        const id = bareHash(params.documentId);
        if (hash !== undefined && hash !== id) return mismatch;
        hash = id;
      }
      if (hash !== undefined) {
        const trusted = documents.get(hash);
        if (trusted !== undefined) {
          if (text !== undefined && text !== trusted) return mismatch;
          if (!get) named(params, hash);
          return null;
        }
        // Unknown, with no text to fall back on: Apollo answers PERSISTED_QUERY_NOT_FOUND.
        if (text === undefined) {
          if (!get) named(params, hash);
          return null;
        }
        if (mode === 'enforce') return required;
        if (get) return null;
        // A document outside the manifest, sent with its text: it runs as any other would.
        delete params.documentId;
        if (typeof params.extensions === 'object' && params.extensions !== null) {
          const { persistedQuery: _unused, ...rest } = params.extensions as Record<string, unknown>;
          params.extensions = rest;
        }
        return null;
      }
      if (text === undefined) return null;
      const known = hashOfText.get(text);
      if (known !== undefined) {
        if (!get) named(params, known);
        return null;
      }
      return mode === 'enforce' ? required : null;
    },
    cache: {
      get: (key) =>
        Promise.resolve(
          key.startsWith(APQ_PREFIX)
            ? documents.get(bareHash(key.slice(APQ_PREFIX.length)))
            : undefined,
        ),
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
    },
    hashes: new Set(documents.keys()),
  };
}

function parseJsonParam(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

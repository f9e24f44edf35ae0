import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from 'graphql';
import { ConfigError } from '../../src/config';
import { errorCodes, post, startTestApi, type TestApi } from '../helpers/api';
import { MeQuery } from '../helpers/operations';
import { createUser, tokenFor } from '../helpers/users';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ME = print(MeQuery);
/** `me` as Apollo Client sends it: its cache adds `__typename` to every selection. */
const ME_FROM_APOLLO_CLIENT = print(new InMemoryCache().transformDocument(MeQuery));
const HEALTH = 'query Health { health }';
const OUTSIDER = '{ passwordPolicy { minLength } }';

/** A manifest as codegen's client preset writes it: `{ "<sha256 hex>": "<document>" }`. */
function writeManifest(documents: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
  const path = join(dir, 'persisted-documents.json');
  writeFileSync(path, JSON.stringify(Object.fromEntries(documents.map((d) => [sha256(d), d]))));
  return path;
}

const manifest = writeManifest([ME, HEALTH, ME_FROM_APOLLO_CLIENT]);

const send = (api: TestApi, body: Record<string, unknown>, token?: string) =>
  post(api, '/graphql', JSON.stringify(body), token ? { authorization: `Bearer ${token}` } : {});

const byHash = (hash: string) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
});

describe('trusted documents, allowed alongside any document (TRUSTED_DOCUMENTS)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ TRUSTED_DOCUMENTS: manifest });
  });
  afterAll(() => api.close());

  test('when a request names a trusted document by documentId or by Apollo hash, then it runs', async () => {
    const user = await createUser(api);
    const token = await tokenFor(api, user);
    for (const body of [
      { documentId: `sha256:${sha256(ME)}` },
      { documentId: sha256(ME) },
      byHash(sha256(ME)),
      { query: ME },
    ]) {
      const response = await send(api, body, token);
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        me: expect.objectContaining({ id: user.id }) as unknown,
      });
    }
  });

  test('when a GET names a trusted document in extensions, then it runs; documentId is for POST', async () => {
    const extensions = encodeURIComponent(JSON.stringify(byHash(sha256(HEALTH)).extensions));
    const headers = { 'apollo-require-preflight': 'true' };
    const ok = await fetch(`${api.url}/graphql?extensions=${extensions}`, { headers });
    expect(await ok.json()).toEqual({ data: { health: true } });
    const refused = await fetch(`${api.url}/graphql?documentId=${sha256(HEALTH)}`, { headers });
    expect(refused.status).toBe(400);
    expect(errorCodes({ body: (await refused.json()) as never })).toEqual(['BAD_REQUEST']);
  });

  test('when the hash is unknown, then the answer is PERSISTED_QUERY_NOT_FOUND', async () => {
    const response = await send(api, { documentId: sha256('{ nothing }') });
    expect(errorCodes(response)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  test('when the text sent does not match the hash, then the request is refused', async () => {
    const response = await send(api, { query: HEALTH, ...byHash(sha256(ME)) });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_REQUEST']);
  });

  test('when a document outside the manifest is sent as text, then it still runs', async () => {
    const response = await send(api, { query: OUTSIDER });
    expect(response.body.data).toEqual({ passwordPolicy: { minLength: expect.any(Number) } });
  });

  test("when Apollo Client's persisted-query link sends hashes, then trusted documents run by hash", async () => {
    const hashesSent: string[] = [];
    const client = new ApolloClient({
      link: new PersistedQueryLink({
        sha256: (text: string) => {
          const hash = sha256(text);
          hashesSent.push(hash);
          return hash;
        },
      }).concat(new HttpLink({ uri: `${api.url}/graphql` })),
      cache: new InMemoryCache(),
    });
    const { data } = await client.query({ query: MeQuery, fetchPolicy: 'no-cache' });
    expect(data).toEqual({ me: null });
    expect(hashesSent).toEqual([sha256(ME_FROM_APOLLO_CLIENT)]);
  });
});

describe('trusted documents enforced (TRUSTED_DOCUMENTS_MODE=enforce)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_MODE: 'enforce' });
  });
  afterAll(() => api.close());

  test('when a document outside the manifest is sent, then it is refused before parsing with TRUSTED_DOCUMENT_REQUIRED', async () => {
    for (const body of [
      { query: OUTSIDER },
      { query: OUTSIDER, ...byHash(sha256(OUTSIDER)) },
      // Not even parsable: refused as untrusted, not as a syntax error.
      { query: '{ this is not graphql' },
    ]) {
      const response = await send(api, body);
      expect(response.status).toBe(400);
      expect(errorCodes(response)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    }
  });

  test('when a GET hides another document behind a fragment, then it is refused as Apollo would read it', async () => {
    // Apollo reads the URL's query string up to the "#", as the check now does: a second
    // `query` after it must not make the first one look absent.
    const path = `/graphql?query=${encodeURIComponent(OUTSIDER)}#&query=x`;
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        // The options form: a URL string would lose its fragment before it is sent.
        const { hostname, port } = new URL(api.url);
        const request = httpRequest(
          { hostname, port, path, headers: { 'apollo-require-preflight': 'true' } },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.end();
      },
    );
    expect(status).toBe(400);
    expect(body).toContain('TRUSTED_DOCUMENT_REQUIRED');
  });

  test('when a trusted document is sent by hash or as its exact text, then it runs', async () => {
    for (const body of [{ documentId: sha256(HEALTH) }, { query: HEALTH }]) {
      expect((await send(api, body)).body.data).toEqual({ health: true });
    }
  });
});

describe('trusted documents at start-up', () => {
  test('when the manifest holds a document the schema does not accept, then start-up is refused naming it', async () => {
    const stale = 'query Stale { removedField }';
    const error = await startTestApi({ TRUSTED_DOCUMENTS: writeManifest([ME, stale]) }).then(
      (api) => api.close().then(() => null),
      (problem: unknown) => problem,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(sha256(stale));
  });
});

import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';
import { createTtlCache } from '../cache';

/**
 * What one lexical token of a parsed document holds on the heap, measured: a 1000-token document
 * kept about 120 to 250 KiB (its token list, AST nodes and locations), whatever its text's length.
 */
export const HEAP_BYTES_PER_TOKEN = 256;

/** How many documents seen once are remembered, waiting for a second use. */
const CANDIDATES_MAX = 10_000;
const CANDIDATE_TTL_MS = 10 * 60 * 1000;

/** The tokens a parsed document keeps, counted along its token list. */
function tokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token = document.loc?.startToken ?? null; token !== null; token = token.next) {
    count += 1;
  }
  return Math.max(count, 1);
}

/**
 * Apollo's store of parsed, validated documents, bounded by what they really hold on the heap
 * (Apollo's default is sized by JSON length, which undercounts it ten times or more), and
 * admitting a document only at its second use. Real clients send the same few documents again
 * and again; a flood of distinct ones would otherwise cycle through the store, and every evicted
 * document, old enough by then to live in V8's old space, is garbage that is collected late:
 * 3000 distinct 1000-token documents grew the process by 200 to 530 MiB with a 16 MiB store,
 * about 125 MiB without one, and as little with admission. Null (no store) when the budget is 0.
 */
export function createDocumentStore(
  budgetBytes: number,
  trustedHashes: ReadonlySet<string> = new Set(),
): KeyValueCache<DocumentNode> | null {
  if (budgetBytes <= 0 && trustedHashes.size === 0) return null;
  // Trusted documents (a bounded set the operator shipped) are kept from their first use on,
  // outside the budget: each is parsed and validated once per process.
  const trusted = new Map<string, DocumentNode>();
  const isTrusted = (key: string) => trustedHashes.has(key.slice(key.lastIndexOf(':') + 1));
  const documents = new InMemoryLRUCache<DocumentNode>({
    maxSize: Math.max(budgetBytes, 1),
    sizeCalculation: (document) => tokenCount(document) * HEAP_BYTES_PER_TOKEN,
  });
  const candidates = createTtlCache<true>(CANDIDATE_TTL_MS, CANDIDATES_MAX);
  return {
    get(key) {
      const pinned = trusted.get(key);
      return pinned ? Promise.resolve(pinned) : documents.get(key);
    },
    async set(key, document) {
      if (isTrusted(key)) {
        trusted.set(key, document);
      } else if (budgetBytes <= 0) {
        return;
      } else if (candidates.get(key)) {
        candidates.delete(key);
        await documents.set(key, document);
      } else {
        candidates.set(key, true);
      }
    },
    delete(key) {
      trusted.delete(key);
      return documents.delete(key);
    },
  };
}

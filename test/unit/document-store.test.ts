import { parse } from 'graphql';
import { createDocumentStore, HEAP_BYTES_PER_TOKEN } from '../../src/graphql/document-store';

describe('the document store', () => {
  test('when a document is seen once, then it is not kept; at its second use, it is', async () => {
    const store = createDocumentStore(1024 * 1024);
    const document = parse('{ health }');
    await store?.set('a', document);
    await expect(store?.get('a')).resolves.toBeUndefined();
    await store?.set('a', document);
    await expect(store?.get('a')).resolves.toBe(document);
  });

  test('when documents outgrow the budget, then the least recently used are dropped', async () => {
    // Room for about two documents of three tokens ({ health }).
    const store = createDocumentStore(HEAP_BYTES_PER_TOKEN * 7);
    for (const key of ['a', 'b', 'c']) {
      await store?.set(key, parse('{ health }'));
      await store?.set(key, parse('{ health }'));
    }
    await expect(store?.get('a')).resolves.toBeUndefined();
    await expect(store?.get('c')).resolves.toBeDefined();
  });

  test('when the budget is 0, then there is no store', () => {
    expect(createDocumentStore(0)).toBeNull();
  });
});

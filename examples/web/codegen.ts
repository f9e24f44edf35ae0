import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const config: CodegenConfig = {
  // The running API (introspection is on outside production), or a schema file you publish.
  schema: process.env.GRAPHQL_SCHEMA ?? 'http://localhost:4000/graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      // Writes persisted-documents.json, the manifest the API trusts (TRUSTED_DOCUMENTS).
      presetConfig: { persistedDocuments: true, fragmentMasking: false },
      // Apollo Client's cache adds __typename; the trusted documents must carry it too.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        // Stock Vite apps compile with verbatimModuleSyntax: types must be imported as types.
        useTypeImports: true,
        enumsAsTypes: true,
        // The API sends DateTime as an ISO 8601 string.
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;

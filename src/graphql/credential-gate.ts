import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { publicRootFields } from '../auth/directive';
import type { Context } from '../context';

/** True when every root field the operation selects (through fragments too) is public. */
function asksOnlyPublic(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  rootType: string,
  open: ReadonlySet<string>,
): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return (
            selection.name.value === '__typename' || open.has(`${rootType}.${selection.name.value}`)
          );
        case Kind.INLINE_FRAGMENT:
          return walk(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          if (visited.has(name)) return true;
          visited.add(name);
          const fragment = fragments.get(name);
          return fragment !== undefined && walk(fragment.selectionSet);
        }
      }
    });
  return walk(operation.selectionSet);
}

/**
 * A request whose bearer token is unusable runs as anonymous only when it asks for nothing but
 * `@public` root fields (signing in, refreshing, `health`), so an app that sends a stale header
 * on every request can still sign in again. Anything else, `me` included, is answered with the
 * token's refusal (401, its reason, a Bearer challenge) before anything executes, so the client
 * still learns that it must refresh.
 */
export function credentialGatePlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  const open = publicRootFields(schema);
  const hooks = Promise.resolve<GraphQLRequestListener<Context>>({
    didResolveOperation({ contextValue, operation, document, schema: current }) {
      const refusal = contextValue.unusableCredential;
      if (refusal === null) return Promise.resolve();
      const root = operation ? current.getRootType(operation.operation)?.name : undefined;
      if (operation && root && asksOnlyPublic(operation, document, root, open)) {
        return Promise.resolve();
      }
      return Promise.reject(refusal);
    },
  });
  return { requestDidStart: () => hooks };
}

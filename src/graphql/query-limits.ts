import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  isListType,
  isInputObjectType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type ASTVisitor,
  type DocumentNode,
  type OperationDefinitionNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { limitExceeded } from '../errors';

/** The GraphQL attack surface's limits (OWASP GraphQL cheat sheet), all from configuration. */
export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectivesPerField: number;
  readonly maxCost: number;
  /** The most items any list argument may hold. */
  readonly maxListLength: number;
}

/** Fields that check credentials: one per document, so aliases cannot batch password guesses. */
const SINGLE_USE_FIELDS: ReadonlySet<string> = new Set(['login', 'changePassword', 'refreshToken']);
/** Introspection is governed by its own switch; its deep type references are not counted. */
const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);
/** What a list field without a `first` argument is assumed to return, for cost. */
const ASSUMED_LIST_SIZE = 10;

type FragmentLookup = (name: string) => FragmentDefinitionNode | undefined | null;

/** Every field node under a selection set, through inline fragments and fragment spreads. */
function* fieldsOf(
  selectionSet: SelectionSetNode,
  fragments: FragmentLookup,
  seen: Set<string> = new Set(),
): Generator<FieldNode> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) yield selection;
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      yield* fieldsOf(selection.selectionSet, fragments, seen);
    } else if (!seen.has(selection.name.value)) {
      // Each spread is followed once per path: cycles are another rule's error, not a hang.
      const fragment = fragments(selection.name.value);
      if (fragment) {
        yield* fieldsOf(fragment.selectionSet, fragments, new Set([...seen, selection.name.value]));
      }
    }
  }
}

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: FragmentLookup): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const field of fieldsOf(selectionSet, fragments)) {
    if (INTROSPECTION_FIELDS.has(field.name.value)) continue;
    deepest = Math.max(deepest, 1 + depthOf(field.selectionSet, fragments));
  }
  return deepest;
}

/** Static limits, checked with the rest of validation (and cached with it by Apollo). */
export function createLimitRules(limits: QueryLimits): ValidationRule[] {
  const depthRule = (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const depth = depthOf(operation.selectionSet, (name) => context.getFragment(name));
      if (depth > limits.maxDepth) {
        context.reportError(
          limitExceeded(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`, operation),
        );
      }
    },
  });

  const aliasAndDirectiveRule = (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(field) {
        if (field.alias) aliases += 1;
        if ((field.directives?.length ?? 0) > limits.maxDirectivesPerField) {
          context.reportError(
            limitExceeded(
              `A field may carry at most ${limits.maxDirectivesPerField} directives`,
              field,
            ),
          );
        }
      },
      Document: {
        leave(document) {
          if (aliases > limits.maxAliases) {
            context.reportError(
              limitExceeded(
                `The document uses ${aliases} aliases; the limit is ${limits.maxAliases}`,
                document,
              ),
            );
          }
        },
      },
    };
  };

  const singleUseRule = (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const counts = new Map<string, number>();
      for (const field of fieldsOf(operation.selectionSet, (name) => context.getFragment(name))) {
        if (SINGLE_USE_FIELDS.has(field.name.value)) {
          counts.set(field.name.value, (counts.get(field.name.value) ?? 0) + 1);
        }
      }
      for (const [name, count] of counts) {
        if (count > 1) {
          context.reportError(
            limitExceeded(`\`${name}\` may appear only once in a document`, operation),
          );
        }
      }
    },
  });

  return [depthRule, aliasAndDirectiveRule, singleUseRule];
}

function longestList(value: unknown, type: GraphQLInputType): number {
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) {
    return Math.max(value.length, ...value.map((item) => longestList(item, nullable.ofType)));
  }
  if (isInputObjectType(nullable) && value !== null && typeof value === 'object') {
    const fields = nullable.getFields();
    return Math.max(
      0,
      ...Object.entries(value as Record<string, unknown>).map(([name, item]) => {
        const field = fields[name];
        return field ? longestList(item, field.type) : 0;
      }),
    );
  }
  return 0;
}

interface CostWalk {
  readonly schema: GraphQLSchema;
  readonly fragments: FragmentLookup;
  readonly variables: Record<string, unknown>;
  readonly limits: QueryLimits;
}

/**
 * A simple, predictable cost: every field costs 1, and a list multiplies what is below it by the
 * `first` given on it or on the connection above it (else by an assumed 10).
 */
function costOf(
  parent: GraphQLNamedType,
  selectionSet: SelectionSetNode | undefined,
  walk: CostWalk,
  pendingFirst: number | null,
): number {
  if (!selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) return 0;
  let total = 0;
  for (const field of fieldsOf(selectionSet, walk.fragments)) {
    const definition: GraphQLField<unknown, unknown> | undefined =
      parent.getFields()[field.name.value];
    if (!definition || INTROSPECTION_FIELDS.has(field.name.value)) {
      total += 1;
      continue;
    }
    let first: number | null = pendingFirst;
    for (const argument of field.arguments ?? []) {
      const argumentDefinition = definition.args.find((arg) => arg.name === argument.name.value);
      if (!argumentDefinition) continue;
      const value: unknown = valueFromAST(argument.value, argumentDefinition.type, walk.variables);
      if (longestList(value, argumentDefinition.type) > walk.limits.maxListLength) {
        throw limitExceeded(
          `Argument "${argument.name.value}" may hold at most ${walk.limits.maxListLength} items`,
        );
      }
      if (argument.name.value === 'first' && typeof value === 'number') first = value;
    }
    const isList = isListType(getNullableType(definition.type));
    const multiplier = isList ? (first ?? ASSUMED_LIST_SIZE) : 1;
    const below = costOf(
      getNamedType(definition.type),
      field.selectionSet,
      walk,
      isList ? null : first,
    );
    total += 1 + multiplier * below;
  }
  return total;
}

/** Limits that depend on variables, checked once the operation is known, before execution. */
export function queryCostPlugin<TContext extends object>(
  limits: QueryLimits,
): ApolloServerPlugin<TContext> {
  // Apollo reuses one DocumentNode per query string: an operation without variables is checked
  // once, not on every request.
  const checked = new WeakMap<DocumentNode, Set<OperationDefinitionNode>>();
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return Promise.resolve();
          const constant = (operation.variableDefinitions ?? []).length === 0;
          if (constant && checked.get(document)?.has(operation)) return Promise.resolve();
          const root = schema.getRootType(operation.operation);
          const fragments = new Map(
            document.definitions
              .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
              .map((definition) => [definition.name.value, definition]),
          );
          const cost = root
            ? costOf(
                root,
                operation.selectionSet,
                {
                  schema,
                  fragments: (name) => fragments.get(name),
                  variables: request.variables ?? {},
                  limits,
                },
                null,
              )
            : 0;
          if (cost > limits.maxCost) {
            throw limitExceeded(`Query cost ${cost} exceeds the limit of ${limits.maxCost}`);
          }
          if (constant) checked.set(document, (checked.get(document) ?? new Set()).add(operation));
          return Promise.resolve();
        },
      });
    },
  };
}

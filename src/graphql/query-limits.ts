import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  isListType,
  isInputObjectType,
  isObjectType,
  isInterfaceType,
  Kind,
  OperationTypeNode,
  valueFromAST,
  type ASTVisitor,
  type DocumentNode,
  type OperationDefinitionNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { pageSize } from '../db/ids';
import { invalidDocument } from '../errors';

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

/** What the static limits need to know of a selection set, computed once and reused. */
interface Shape {
  /** The deepest chain of fields below (introspection excluded). */
  readonly depth: number;
  /** How often each credential field is selected here (through fragments, not subfields), up to 2. */
  readonly credentialFields: ReadonlyMap<string, number>;
}

const NO_SHAPE: Shape = { depth: 0, credentialFields: new Map() };

function addCounts(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [name, count] of from) into.set(name, Math.min(2, (into.get(name) ?? 0) + count));
}

/**
 * Measures selection sets, each fragment once: a fragment spread twice, or spread by fragments
 * spread twice, is measured once and its result reused, so the work is linear in the document's
 * size whatever its fan-out. A fragment reached again while it is being measured (a cycle, which
 * graphql-js's own rule reports) counts as empty instead of recursing without end.
 */
function createShapeMeter(fragments: FragmentLookup): (selectionSet: SelectionSetNode) => Shape {
  const measured = new Map<string, Shape | 'measuring'>();

  function ofFragment(name: string): Shape {
    const known = measured.get(name);
    if (known === 'measuring') return NO_SHAPE;
    if (known) return known;
    const fragment = fragments(name);
    if (!fragment) return NO_SHAPE;
    measured.set(name, 'measuring');
    const shape = measure(fragment.selectionSet);
    measured.set(name, shape);
    return shape;
  }

  function measure(selectionSet: SelectionSetNode): Shape {
    let depth = 0;
    const credentialFields = new Map<string, number>();
    for (const selection of selectionSet.selections) {
      let inner: Shape;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (SINGLE_USE_FIELDS.has(name)) addCounts(credentialFields, new Map([[name, 1]]));
        if (INTROSPECTION_FIELDS.has(name)) continue;
        const below = selection.selectionSet ? measure(selection.selectionSet) : NO_SHAPE;
        // Credential fields count where they run: at the root, not as fields of a payload.
        inner = { depth: 1 + below.depth, credentialFields: NO_SHAPE.credentialFields };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet);
      } else {
        inner = ofFragment(selection.name.value);
      }
      depth = Math.max(depth, inner.depth);
      addCounts(credentialFields, inner.credentialFields);
    }
    return { depth, credentialFields };
  }

  return measure;
}

/** Static limits, checked with the rest of validation (and cached with it by Apollo). */
export function createLimitRules(limits: QueryLimits): ValidationRule[] {
  const shapeRule = (context: ValidationContext): ASTVisitor => {
    const measure = createShapeMeter((name) => context.getFragment(name));
    return {
      OperationDefinition(operation) {
        if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
          // The schema has no subscriptions, and this server speaks no streaming transport.
          context.reportError(invalidDocument('Subscriptions are not supported', operation));
          return;
        }
        const { depth, credentialFields } = measure(operation.selectionSet);
        if (depth > limits.maxDepth) {
          context.reportError(
            invalidDocument(
              `Query depth ${depth} exceeds the limit of ${limits.maxDepth}`,
              operation,
            ),
          );
        }
        for (const [name, count] of credentialFields) {
          if (count > 1) {
            context.reportError(
              invalidDocument(`\`${name}\` may appear only once in a document`, operation),
            );
          }
        }
      },
    };
  };

  const aliasAndDirectiveRule = (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(field) {
        if (field.alias) aliases += 1;
        if ((field.directives?.length ?? 0) > limits.maxDirectivesPerField) {
          context.reportError(
            invalidDocument(
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
              invalidDocument(
                `The document uses ${aliases} aliases; the limit is ${limits.maxAliases}`,
                document,
              ),
            );
          }
        },
      },
    };
  };

  return [shapeRule, aliasAndDirectiveRule];
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
  readonly fragments: FragmentLookup;
  readonly variables: Record<string, unknown>;
  readonly limits: QueryLimits;
  /** A fragment's cost per parent type and `first` from above, measured once per request. */
  readonly measured: Map<string, number | 'measuring'>;
}

/** The `first` a field asks for, validated before it may count towards the cost. */
function firstOf(value: unknown): number | null {
  return typeof value === 'number' ? pageSize(value, { refusesRequest: true }) : null;
}

/** The cost of the selections a fragment spread brings in, each (fragment, context) once. */
function costOfSpread(
  parent: GraphQLNamedType,
  name: string,
  walk: CostWalk,
  pendingFirst: number | null,
): number {
  const key = `${name}\u0000${parent.name}\u0000${pendingFirst ?? ''}`;
  const known = walk.measured.get(key);
  if (known === 'measuring') return 0;
  if (known !== undefined) return known;
  const fragment = walk.fragments(name);
  if (!fragment) return 0;
  walk.measured.set(key, 'measuring');
  const cost = costOf(parent, fragment.selectionSet, walk, pendingFirst);
  walk.measured.set(key, cost);
  return cost;
}

/**
 * A simple, predictable cost: every field costs 1, and a list multiplies what is below it by the
 * `first` given on it or on the connection above it (else by an assumed 10). Linear in the
 * document's size: each fragment is costed once per context and reused.
 */
function costOf(
  parent: GraphQLNamedType,
  selectionSet: SelectionSetNode | undefined,
  walk: CostWalk,
  pendingFirst: number | null,
): number {
  if (!selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) return 0;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      total += costOf(parent, selection.selectionSet, walk, pendingFirst);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      total += costOfSpread(parent, selection.name.value, walk, pendingFirst);
      continue;
    }
    const field = selection;
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
        throw invalidDocument(
          `Argument "${argument.name.value}" may hold at most ${walk.limits.maxListLength} items`,
        );
      }
      if (argument.name.value === 'first') first = firstOf(value) ?? first;
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
  // The same hooks for every request: nothing per request is allocated to hold them.
  const hooks = Promise.resolve<GraphQLRequestListener<TContext>>({
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
              fragments: (name) => fragments.get(name),
              variables: request.variables ?? {},
              limits,
              measured: new Map(),
            },
            null,
          )
        : 0;
      if (cost > limits.maxCost) {
        throw invalidDocument(`Query cost ${cost} exceeds the limit of ${limits.maxCost}`);
      }
      if (constant) checked.set(document, (checked.get(document) ?? new Set()).add(operation));
      return Promise.resolve();
    },
  });
  return { requestDidStart: () => hooks };
}

import {
  defaultFieldResolver,
  isNonNullType,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { accessRefusal } from '../errors';
import {
  decideAccess,
  REQUIRED_ACTIONS,
  type AccessDecision,
  type AccessRule,
  type Principal,
  type RequiredAction,
} from './policy';
import { ROLES, type Role } from '../users/roles';

export interface AuthDirectiveOptions<TContext> {
  /** Reads the signed-in caller from the context; null for anonymous requests. */
  readonly getPrincipal: (context: TContext) => Principal | null;
  /** Hears of every refusal (after it is decided, before it is thrown), e.g. for an audit trail. */
  readonly onRefusal?: (
    context: TContext,
    field: string,
    decision: Exclude<AccessDecision, 'allow'>,
  ) => void;
  readonly authDirective?: string;
  readonly publicDirective?: string;
}

/** `Type.field` of every root field marked `@public` (the fields open to anyone). */
export function publicRootFields(
  schema: GraphQLSchema,
  publicDirective = 'public',
): ReadonlySet<string> {
  const coordinates = new Set<string>();
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (getDirective(schema, field, publicDirective) !== undefined) {
        coordinates.add(`${root?.name}.${field.name}`);
      }
    }
  }
  return coordinates;
}

/** A field's access rule, read once from its directive. */
interface Rule extends AccessRule {
  /** Anonymous callers get null rather than UNAUTHENTICATED. */
  readonly nullForAnonymous: boolean;
}

/**
 * The field's description with its access rule appended, so Sandbox, introspection and the types
 * generated from them say who may call it; written from the directive, so it cannot drift.
 */
function withRule(description: string | null | undefined, rule: Rule): string {
  const who =
    rule.requires === null
      ? 'Requires sign-in.'
      : rule.requires.length === 1
        ? `Requires role: ${rule.requires[0]}.`
        : `Requires one of the roles: ${rule.requires.join(', ')}.`;
  const text = [
    who,
    ...(rule.mfa ? ['Requires a sign-in with a second factor.'] : []),
    ...(rule.nullForAnonymous ? ['Anonymous callers get null.'] : []),
    ...(rule.allowedDuring.includes('CHANGE_PASSWORD')
      ? ['Open while a password change is required.']
      : []),
    ...(rule.allowedDuring.includes('ENROLL_MFA')
      ? ['Open while a second factor must be set up.']
      : []),
  ].join(' ');
  return description ? `${description}\n\n${text}` : text;
}

/** Thrown at build time for schema mistakes: a programmer's error, never a client's. */
export class SchemaAccessError extends Error {
  override name = 'SchemaAccessError';
}

function readRequires(args: Record<string, unknown>, coordinate: string): readonly Role[] | null {
  const requires = args.requires as readonly string[] | null | undefined;
  if (requires === undefined || requires === null) return null;
  if (requires.length === 0) {
    throw new SchemaAccessError(
      `${coordinate}: @auth(requires: []) admits nobody; omit "requires" to admit any signed-in user`,
    );
  }
  const unknown = requires.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length > 0) {
    throw new SchemaAccessError(`${coordinate}: unknown roles ${unknown.join(', ')}`);
  }
  return Object.freeze([...new Set(requires as readonly Role[])]);
}

function readAllowedDuring(
  args: Record<string, unknown>,
  coordinate: string,
): readonly RequiredAction[] {
  const actions = (args.allowedDuring as readonly string[] | null | undefined) ?? [];
  const unknown = actions.filter(
    (action) => !(REQUIRED_ACTIONS as readonly string[]).includes(action),
  );
  if (unknown.length > 0) {
    throw new SchemaAccessError(`${coordinate}: unknown required actions ${unknown.join(', ')}`);
  }
  return Object.freeze([...new Set(actions as readonly RequiredAction[])]);
}

/**
 * Returns a schema transformer for `@auth` and `@public`. Each protected field's required roles
 * and wrapper are computed once here; unannotated fields keep their resolvers untouched. Apply it
 * last, after resolvers are attached. The schema refuses to build when a root field declares no
 * access rule, so forgetting `@auth` can never silently publish a field.
 */
export function authDirectiveTransformer<TContext>(
  options: AuthDirectiveOptions<TContext>,
): (schema: GraphQLSchema) => GraphQLSchema {
  const { getPrincipal, onRefusal, authDirective = 'auth', publicDirective = 'public' } = options;
  // Built once: the refusal path allocates nothing per call.
  const refusals = {
    unauthenticated: accessRefusal('unauthenticated'),
    forbidden: accessRefusal('forbidden'),
    'password-change-required': accessRefusal('password-change-required'),
    'mfa-enrollment-required': accessRefusal('mfa-enrollment-required'),
    'mfa-required': accessRefusal('mfa-required'),
  } as const;

  function guard<TSource, TArgs>(
    coordinate: string,
    rule: Rule,
    resolver: GraphQLFieldResolver<TSource, TContext, TArgs>,
  ): GraphQLFieldResolver<TSource, TContext, TArgs> {
    return (source, args, context, info) => {
      const decision = decideAccess(getPrincipal(context), rule);
      if (decision === 'allow') return resolver(source, args, context, info);
      if (decision === 'unauthenticated' && rule.nullForAnonymous) return null;
      onRefusal?.(context, coordinate, decision);
      throw refusals[decision];
    };
  }

  return (schema) => {
    const rootTypeNames = new Set(
      [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
        .filter((type) => type != null)
        .map((type) => type.name),
    );
    const undeclared: string[] = [];

    const transformed = mapSchema(schema, {
      [MapperKind.OBJECT_FIELD]: (
        fieldConfig: GraphQLFieldConfig<unknown, TContext>,
        fieldName,
        typeName,
      ) => {
        const coordinate = `${typeName}.${fieldName}`;
        const fieldRule = getDirective(schema, fieldConfig, authDirective)?.[0];
        const isPublic = getDirective(schema, fieldConfig, publicDirective) !== undefined;
        if (fieldRule && isPublic) {
          throw new SchemaAccessError(
            `${coordinate} has both @${authDirective} and @${publicDirective}`,
          );
        }
        const parent = schema.getType(typeName);
        const typeRule = parent ? getDirective(schema, parent, authDirective)?.[0] : undefined;
        const rule = fieldRule ?? (isPublic ? undefined : typeRule);
        if (!rule) {
          if (!isPublic && rootTypeNames.has(typeName)) undeclared.push(coordinate);
          return fieldConfig;
        }
        const access: Rule = {
          requires: readRequires(rule, coordinate),
          allowedDuring: readAllowedDuring(rule, coordinate),
          mfa: rule.mfa === true,
          nullForAnonymous: rule.nullForAnonymous === true,
        };
        if (access.nullForAnonymous && isNonNullType(fieldConfig.type)) {
          throw new SchemaAccessError(
            `${coordinate}: @${authDirective}(nullForAnonymous: true) needs a nullable field`,
          );
        }
        return {
          ...fieldConfig,
          description: withRule(fieldConfig.description, access),
          resolve: guard(coordinate, access, fieldConfig.resolve ?? defaultFieldResolver),
          ...(fieldConfig.subscribe
            ? { subscribe: guard(coordinate, access, fieldConfig.subscribe) }
            : {}),
        };
      },
    });

    if (undeclared.length > 0) {
      throw new SchemaAccessError(
        `Every root field must declare its access with @${authDirective} or @${publicDirective}; ` +
          `these do not: ${undeclared.join(', ')}`,
      );
    }
    return transformed;
  };
}

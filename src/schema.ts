import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { Resolvers } from './__generated__/graphql';
import { auditResolvers } from './audit/resolvers';
import { authDirectiveTransformer } from './auth/directive';
import { authResolvers } from './auth/resolvers';
import type { Context } from './context';
import { DateTime } from './date-time';
import { sessionResolvers } from './sessions/resolvers';
import { userResolvers } from './users/resolvers';

/** schema/ sits beside src/ and dist/, so this resolves the same from source and from the build. */
export const SCHEMA_DIRECTORY = join(__dirname, '..', 'schema');

export function loadTypeDefs(directory = SCHEMA_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(directory, file), 'utf8'));
}

const baseResolvers: Resolvers = {
  DateTime,
  Query: { health: () => true },
};

/**
 * The executable schema: SDL from schema/, resolvers attached, and `@auth` applied last.
 * `authorization: false` leaves the directive unapplied, for peers that authorize otherwise.
 */
export function buildSchema(options: { authorization?: boolean } = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [baseResolvers, authResolvers, sessionResolvers, userResolvers, auditResolvers],
    resolverValidationOptions: {
      requireResolversToMatchSchema: 'error',
      requireResolversForResolveType: 'error',
    },
  });
  if (options.authorization === false) return schema;
  return authDirectiveTransformer<Context>({
    getPrincipal: (context) => context.viewer?.user ?? null,
    // A signed-in user probing for fields above their roles is worth a trail; anonymous calls to
    // protected fields are every app's first page load, and are not recorded.
    onRefusal: (context, field, decision) => {
      if (decision !== 'forbidden' || context.viewer === null) return;
      context.services.audit.recordRefusal(context.viewer.user._id, field, context.client);
    },
  })(schema);
}

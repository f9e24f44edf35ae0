import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { Resolvers } from '../__generated__/graphql';
import { auditResolvers } from '../audit/resolvers';
import { authDirectiveTransformer } from '../auth/directive';
import { authResolvers } from '../auth/resolvers';
import type { Context } from '../context';
import { invitationResolvers } from '../invitations/resolvers';
import { mfaResolvers } from '../mfa/resolvers';
import { sessionResolvers } from '../sessions/resolvers';
import { signUpResolvers } from '../sign-up/resolvers';
import { userResolvers } from '../users/resolvers';
import { DateTime } from './date-time';

/** schema/ sits beside src/ and dist/, so this resolves the same from source and from the build. */
export const SCHEMA_DIRECTORY = join(__dirname, '..', '..', 'schema');

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

/** Every resolver, feature by feature, as the SDL in schema/ declares them. */
export const resolvers: readonly Resolvers[] = Object.freeze([
  baseResolvers,
  authResolvers,
  sessionResolvers,
  userResolvers,
  auditResolvers,
  signUpResolvers,
  invitationResolvers,
  mfaResolvers,
]);

/** The SDL with its resolvers attached, before any authorization is applied. */
function buildUnprotectedSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [...resolvers],
    resolverValidationOptions: {
      requireResolversToMatchSchema: 'error',
      requireResolversForResolveType: 'error',
    },
  });
}

/** The executable schema: SDL from schema/, resolvers attached, and `@auth` applied last. */
export function buildSchema(): GraphQLSchema {
  return authDirectiveTransformer<Context>({
    getPrincipal: (context) => context.principal,
    // A signed-in user probing for fields above their roles is worth a trail; anonymous calls to
    // protected fields are every app's first page load, and are not recorded.
    onRefusal: (context, field, decision) => {
      if (decision === 'forbidden') context.services.audit.recordRefusal(context.caller, field);
    },
  })(buildUnprotectedSchema());
}

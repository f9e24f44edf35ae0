import type { Role } from './roles';

/** What the policy needs to know about a caller. */
export interface Principal {
  readonly roles: readonly Role[];
}

export type AccessDecision = 'allow' | 'unauthenticated' | 'forbidden';

/**
 * The single role check of the code base. `requires === null` admits any signed-in user;
 * otherwise the caller needs at least one of the listed roles.
 */
export function decideAccess(
  principal: Principal | null,
  requires: readonly Role[] | null,
): AccessDecision {
  if (principal === null) return 'unauthenticated';
  if (requires === null) return 'allow';
  return requires.some((role) => principal.roles.includes(role)) ? 'allow' : 'forbidden';
}

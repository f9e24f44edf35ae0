import type { Role } from '../users/roles';

export type AccessDecision = 'allow' | 'unauthenticated' | 'forbidden';

/**
 * The single role check of the code base. `roles` are the caller's (null when nobody is signed
 * in); `requires === null` admits any signed-in user, otherwise the caller needs at least one of
 * the listed roles.
 */
export function decideAccess(
  roles: readonly Role[] | null,
  requires: readonly Role[] | null,
): AccessDecision {
  if (roles === null) return 'unauthenticated';
  if (requires === null) return 'allow';
  return requires.some((role) => roles.includes(role)) ? 'allow' : 'forbidden';
}

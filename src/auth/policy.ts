import type { Role } from '../users/roles';

/**
 * What a signed-in user must do before the API serves them anything else (Keycloak calls these
 * required actions). While one is pending, only fields that `@auth(allowedDuring:)` names it on
 * answer.
 */
export const REQUIRED_ACTIONS = ['CHANGE_PASSWORD'] as const;
export type RequiredAction = (typeof REQUIRED_ACTIONS)[number];

/** The signed-in user as the policy sees them: a stored user record satisfies it as it is. */
export interface Principal {
  readonly roles: readonly Role[];
  /** Set by an administrator; cleared when the user chooses a new password. */
  readonly mustChangePassword?: boolean | null;
}

/** A field's access rule, read once from its `@auth` directive. */
export interface AccessRule {
  /** Null admits any signed-in user; otherwise one of these roles is needed. */
  readonly requires: readonly Role[] | null;
  /** The required actions the field stays open during (`me`, `changePassword`, `logout`). */
  readonly allowedDuring: readonly RequiredAction[];
}

export type AccessDecision = 'allow' | 'unauthenticated' | 'forbidden' | 'password-change-required';

/**
 * The single access decision of the code base. `principal` is null when nobody is signed in.
 * Roles come first: a field the user could never call is refused as such, not as a step to take.
 */
export function decideAccess(principal: Principal | null, rule: AccessRule): AccessDecision {
  if (principal === null) return 'unauthenticated';
  const { requires } = rule;
  if (requires !== null && !requires.some((role) => principal.roles.includes(role))) {
    return 'forbidden';
  }
  if (principal.mustChangePassword === true && !rule.allowedDuring.includes('CHANGE_PASSWORD')) {
    return 'password-change-required';
  }
  return 'allow';
}

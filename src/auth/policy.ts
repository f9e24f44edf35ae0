import type { AccessRefusalKind } from '../errors';
import type { Role } from '../users/roles';

/**
 * What a signed-in user must do before the API serves them anything else (Keycloak calls these
 * required actions). While one is pending, only fields that `@auth(allowedDuring:)` names it on
 * answer.
 */
export const REQUIRED_ACTIONS = ['CHANGE_PASSWORD', 'ENROLL_MFA'] as const;
export type RequiredAction = (typeof REQUIRED_ACTIONS)[number];

/** The signed-in caller as the policy sees them, made once per request by `principalOf`. */
export interface Principal {
  readonly roles: readonly Role[];
  /** The required actions pending, in the order they are asked for. */
  readonly requiredActions: readonly RequiredAction[];
  /** Whether this session was signed in with two factors (`mfa` in the token's `amr`). */
  readonly multiFactor: boolean;
  /**
   * The user's role demands a second factor, they have one, and this session did not use it (it
   * began before the factor was set up): only what ENROLL_MFA allows, until they sign in again.
   */
  readonly stepUpRequired: boolean;
}

/** A field's access rule, read once from its `@auth` directive. */
export interface AccessRule {
  /** Null admits any signed-in user; otherwise one of these roles is needed. */
  readonly requires: readonly Role[] | null;
  /** The required actions the field stays open during (`me`, `changePassword`, `logout`). */
  readonly allowedDuring: readonly RequiredAction[];
  /** Only sessions signed in with a second factor (step-up). */
  readonly mfa: boolean;
}

export type AccessDecision = 'allow' | AccessRefusalKind;

const REFUSAL_OF_ACTION = {
  CHANGE_PASSWORD: 'password-change-required',
  ENROLL_MFA: 'mfa-enrollment-required',
} as const satisfies Record<RequiredAction, AccessDecision>;

/** What the policy needs of a stored user. */
export interface PrincipalSource {
  readonly roles: readonly Role[];
  readonly mustChangePassword?: boolean | null;
  /** The second factors the user has set up (TOTP, passkeys). */
  readonly mfaMethods?: readonly string[] | null;
}

/**
 * The principal of a signed-in request: the user's roles, what they must do first (a password an
 * administrator asked them to change; a second factor their role requires, MFA_REQUIRED_ROLES),
 * and whether the token's `amr` says two factors were used.
 */
export function principalOf(
  user: PrincipalSource,
  authMethods: readonly string[],
  mfaRequiredRoles: readonly Role[],
): Principal {
  const requiredActions: RequiredAction[] = [];
  if (user.mustChangePassword === true) requiredActions.push('CHANGE_PASSWORD');
  const mfaRequired = mfaRequiredRoles.some((role) => user.roles.includes(role));
  const enrolled = (user.mfaMethods ?? []).length > 0;
  if (mfaRequired && !enrolled) requiredActions.push('ENROLL_MFA');
  const multiFactor = authMethods.includes('mfa');
  return {
    roles: user.roles,
    requiredActions,
    multiFactor,
    stepUpRequired: mfaRequired && enrolled && !multiFactor,
  };
}

/**
 * The single access decision of the code base. `principal` is null when nobody is signed in.
 * Roles come first: a field the user could never call is refused as such, not as a step to take.
 * Then the first pending required action, if the field is not open during it; then the step-up.
 */
export function decideAccess(principal: Principal | null, rule: AccessRule): AccessDecision {
  if (principal === null) return 'unauthenticated';
  const { requires } = rule;
  if (requires !== null && !requires.some((role) => principal.roles.includes(role))) {
    return 'forbidden';
  }
  // One step at a time: the first pending action decides (a password to change before a factor
  // to set up), so the field that completes it is always reachable.
  const [pending] = principal.requiredActions;
  if (pending !== undefined && !rule.allowedDuring.includes(pending)) {
    return REFUSAL_OF_ACTION[pending];
  }
  if (principal.stepUpRequired && !rule.allowedDuring.includes('ENROLL_MFA')) return 'mfa-required';
  if (rule.mfa && !principal.multiFactor) return 'mfa-required';
  return 'allow';
}

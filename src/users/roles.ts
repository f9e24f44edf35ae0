import type { Role } from '../__generated__/graphql';

export type { Role };

// A Record keyed by the generated union: adding a role to the SDL fails the build until it is here.
const ROLE_FLAGS: Record<Role, true> = { ADMIN: true, USER: true };

export const ROLES: readonly Role[] = Object.freeze(Object.keys(ROLE_FLAGS) as Role[]);

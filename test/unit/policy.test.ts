import { decideAccess } from '../../src/auth/policy';

describe('decideAccess', () => {
  const admin = ['ADMIN'] as const;
  const user = ['USER'] as const;
  const nobody = [] as const;

  test.each([
    ['anonymous, any signed-in user', null, null, 'unauthenticated'],
    ['anonymous, admins', null, ['ADMIN'], 'unauthenticated'],
    ['a user without roles, any signed-in user', nobody, null, 'allow'],
    ['a user without roles, users', nobody, ['USER'], 'forbidden'],
    ['a user, admins', user, ['ADMIN'], 'forbidden'],
    ['a user, users or admins', user, ['USER', 'ADMIN'], 'allow'],
    ['an admin, admins', admin, ['ADMIN'], 'allow'],
    ['an admin, users only', admin, ['USER'], 'forbidden'],
  ] as const)(
    'when %s are required, then the decision is fixed',
    (_case, who, requires, expected) => {
      expect(decideAccess(who, requires)).toBe(expected);
    },
  );
});

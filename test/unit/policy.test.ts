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
      expect(
        decideAccess(who === null ? null : { roles: who }, { requires, allowedDuring: [] }),
      ).toBe(expected);
    },
  );

  const mustChange = { roles: ['ADMIN'], mustChangePassword: true } as const;

  test('when a user must change their password, then only fields open during it allow them', () => {
    expect(decideAccess(mustChange, { requires: null, allowedDuring: [] })).toBe(
      'password-change-required',
    );
    expect(decideAccess(mustChange, { requires: ['ADMIN'], allowedDuring: [] })).toBe(
      'password-change-required',
    );
    expect(decideAccess(mustChange, { requires: null, allowedDuring: ['CHANGE_PASSWORD'] })).toBe(
      'allow',
    );
  });

  test('when a user who must change their password lacks the role, then the answer is forbidden', () => {
    expect(decideAccess(mustChange, { requires: ['USER'], allowedDuring: [] })).toBe('forbidden');
  });

  test('when the flag is false or absent, then nothing is pending', () => {
    const rule = { requires: null, allowedDuring: [] };
    expect(decideAccess({ roles: [], mustChangePassword: false }, rule)).toBe('allow');
    expect(decideAccess({ roles: [], mustChangePassword: null }, rule)).toBe('allow');
  });
});

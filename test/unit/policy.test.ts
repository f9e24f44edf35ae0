import { decideAccess, principalOf, type AccessRule } from '../../src/auth/policy';
import type { Role } from '../../src/users/roles';

const rule = (overrides: Partial<AccessRule> = {}): AccessRule => ({
  requires: null,
  allowedDuring: [],
  mfa: false,
  ...overrides,
});

const user = (roles: readonly Role[], extra: object = {}, amr: readonly string[] = ['pwd']) =>
  principalOf({ roles, ...extra }, amr, []);

describe('decideAccess', () => {
  test.each([
    ['anonymous, any signed-in user', null, null, 'unauthenticated'],
    ['anonymous, admins', null, ['ADMIN'], 'unauthenticated'],
    ['a user without roles, any signed-in user', [], null, 'allow'],
    ['a user without roles, users', [], ['USER'], 'forbidden'],
    ['a user, admins', ['USER'], ['ADMIN'], 'forbidden'],
    ['a user, users or admins', ['USER'], ['USER', 'ADMIN'], 'allow'],
    ['an admin, admins', ['ADMIN'], ['ADMIN'], 'allow'],
    ['an admin, users only', ['ADMIN'], ['USER'], 'forbidden'],
  ] as const)(
    'when %s are required, then the decision is fixed',
    (_case, roles, requires, expected) => {
      expect(decideAccess(roles === null ? null : user(roles), rule({ requires }))).toBe(expected);
    },
  );

  const mustChange = user(['ADMIN'], { mustChangePassword: true });

  test('when a user must change their password, then only fields open during it allow them', () => {
    expect(decideAccess(mustChange, rule())).toBe('password-change-required');
    expect(decideAccess(mustChange, rule({ requires: ['ADMIN'] }))).toBe(
      'password-change-required',
    );
    expect(decideAccess(mustChange, rule({ allowedDuring: ['CHANGE_PASSWORD'] }))).toBe('allow');
  });

  test('when a user who must change their password lacks the role, then the answer is forbidden', () => {
    expect(decideAccess(mustChange, rule({ requires: ['USER'] }))).toBe('forbidden');
  });

  test('when the flag is false or absent, then nothing is pending', () => {
    expect(decideAccess(user([], { mustChangePassword: false }), rule())).toBe('allow');
    expect(decideAccess(user([], { mustChangePassword: null }), rule())).toBe('allow');
  });

  test('when a role must have a second factor and the user has none, then only enrolment fields allow them', () => {
    const admin = principalOf({ roles: ['ADMIN'] }, ['pwd'], ['ADMIN']);
    expect(admin.requiredActions).toEqual(['ENROLL_MFA']);
    expect(decideAccess(admin, rule())).toBe('mfa-enrollment-required');
    expect(decideAccess(admin, rule({ allowedDuring: ['ENROLL_MFA'] }))).toBe('allow');
    const enrolled = principalOf(
      { roles: ['ADMIN'], mfaMethods: ['TOTP'] },
      ['pwd', 'otp', 'mfa'],
      ['ADMIN'],
    );
    expect(decideAccess(enrolled, rule())).toBe('allow');
    const plainUser = principalOf({ roles: ['USER'] }, ['pwd'], ['ADMIN']);
    expect(decideAccess(plainUser, rule())).toBe('allow');
  });

  test('when both actions are pending, then the password change comes first and the field that completes it is reachable', () => {
    const both = principalOf({ roles: ['ADMIN'], mustChangePassword: true }, ['pwd'], ['ADMIN']);
    expect(decideAccess(both, rule())).toBe('password-change-required');
    expect(decideAccess(both, rule({ allowedDuring: ['CHANGE_PASSWORD'] }))).toBe('allow');
    expect(decideAccess(both, rule({ allowedDuring: ['ENROLL_MFA'] }))).toBe(
      'password-change-required',
    );
  });

  test('when a role needs a second factor and the user has one, then a session without it gets only what enrolment allows', () => {
    const enrolled = { roles: ['ADMIN'] as const, mfaMethods: ['TOTP'] };
    const passwordOnly = principalOf(enrolled, ['pwd'], ['ADMIN']);
    expect(decideAccess(passwordOnly, rule())).toBe('mfa-required');
    expect(decideAccess(passwordOnly, rule({ allowedDuring: ['ENROLL_MFA'] }))).toBe('allow');
    expect(decideAccess(principalOf(enrolled, ['pwd', 'otp', 'mfa'], ['ADMIN']), rule())).toBe(
      'allow',
    );
    expect(decideAccess(principalOf(enrolled, ['pwd'], []), rule())).toBe('allow');
  });

  test('when a field needs a second factor, then only sessions whose amr says mfa pass', () => {
    expect(decideAccess(user(['ADMIN']), rule({ mfa: true }))).toBe('mfa-required');
    expect(decideAccess(user(['ADMIN'], {}, ['pwd', 'otp', 'mfa']), rule({ mfa: true }))).toBe(
      'allow',
    );
    expect(
      decideAccess(
        user(['USER'], {}, ['pwd', 'otp', 'mfa']),
        rule({ requires: ['ADMIN'], mfa: true }),
      ),
    ).toBe('forbidden');
  });
});

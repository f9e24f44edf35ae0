import { createPasswordHasher, type PasswordHasher } from '../../src/passwords/hasher';
import { findPasswordProblem, passwordLength } from '../../src/passwords/policy';

const policy = { minLength: 15, maxLength: 128 };

describe('password hashing', () => {
  const settings = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
  let hasher: PasswordHasher;
  beforeAll(async () => {
    hasher = await createPasswordHasher(settings, { concurrency: 2 });
  });
  const hash = (password: string) => hasher.withPermit((permit) => hasher.hash(permit, password));
  const verify = (stored: string, password: string) =>
    hasher.withPermit((permit) => hasher.verify(permit, stored, password));
  afterAll(() => hasher.close());

  test('when a password is hashed, then it is argon2id with the configured parameters', async () => {
    const stored = await hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await expect(verify(stored, 'correct horse battery staple')).resolves.toBe(true);
    await expect(verify(stored, 'correct horse battery stapl')).resolves.toBe(false);
  });

  test('when the stored hash is malformed, then verification fails without throwing', async () => {
    await expect(verify('not-a-hash', 'anything')).resolves.toBe(false);
  });

  test('when there is no user, then the dummy check still does argon2 work', async () => {
    const started = performance.now();
    await hasher.withPermit((permit) => hasher.verifyAgainstDummy(permit, 'whatever'));
    const dummy = performance.now() - started;
    const stored = await hash('x');
    const verifyStarted = performance.now();
    await verify(stored, 'y');
    // Generous bound: the point is that it is a real hash, not a few microseconds of nothing.
    expect(dummy).toBeGreaterThan((performance.now() - verifyStarted) * 0.3);
  });
});

describe('password policy', () => {
  test('when the password is shorter than the minimum, then it is refused', () => {
    expect(findPasswordProblem('fourteen chars', policy)).toEqual({
      reason: 'TOO_SHORT',
      message: 'must be at least 15 characters long',
    });
    expect(findPasswordProblem('fifteen chars!!', policy)).toBeNull();
  });

  test('when the password is longer than 128 characters, then it is refused, not truncated', () => {
    expect(findPasswordProblem('a'.repeat(129), policy)).toEqual({
      reason: 'TOO_LONG',
      message: 'must be at most 128 characters long',
    });
    expect(findPasswordProblem(`${'a1'.repeat(63)}xy`, policy)).toBeNull();
  });

  test('when the password is a common one, then it is refused whatever its case', () => {
    const lowered = { minLength: 8, maxLength: 128 };
    for (const [password, against] of [
      ['password', lowered],
      ['PassWord', lowered],
      ['1qaz2wsx3edc4rfv', policy],
    ] as const) {
      expect(findPasswordProblem(password, against)).toMatchObject({
        reason: 'TOO_COMMON',
        message: expect.stringMatching(/too common/) as string,
      });
    }
  });

  test('when a password has no digits or symbols, then it is still accepted', () => {
    expect(findPasswordProblem('just some lowercase words', policy)).toBeNull();
  });

  test('when a password holds emoji, then each counts as one character', () => {
    expect(passwordLength('🔐🔐🔐')).toBe(3);
    expect(findPasswordProblem('🔐'.repeat(14), policy)?.message).toMatch(/at least 15/);
  });
});

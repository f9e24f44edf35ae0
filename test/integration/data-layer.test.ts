import { createUserModel } from '../../src/users/model';
import { startTestApi, type TestApi } from '../helpers/api';
import { createUser } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('mongoose safety settings', () => {
  test('when a filter value smuggles an operator, then it is treated as a value, never run', async () => {
    await createUser(api);
    const model = createUserModel(api.connection);
    const smuggled = JSON.parse('{"usernameNormalized": {"$ne": null}}') as Record<string, unknown>;
    // sanitizeFilter wraps it in $eq, and a string field cannot equal an object.
    await expect(model.find(smuggled).lean()).rejects.toThrow(/Cast to string failed/);
    await expect(model.countDocuments({})).resolves.toBeGreaterThan(0);
  });

  test('when a filter names a field the schema does not have, then the query is refused', async () => {
    const model = createUserModel(api.connection);
    await expect(model.find({ isAdmin: true }).lean()).rejects.toThrow(/strictQuery/);
  });

  test('when users are read without asking, then the password hash is never in the result', async () => {
    await createUser(api);
    const model = createUserModel(api.connection);
    const users = await model.find({}).lean();
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(user).not.toHaveProperty('passwordHash');
  });
});

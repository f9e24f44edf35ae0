import {
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { PAGE_SIZE } from '../../src/db/ids';
import { buildSchema } from '../../src/graphql/schema';

function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const check = (coordinate: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(coordinate);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    check(type.name, type.description);
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) {
          check(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (['auth', 'public'].includes(directive.name)) {
      check(`@${directive.name}`, directive.description);
      for (const arg of directive.args) check(`@${directive.name}(${arg.name})`, arg.description);
    }
  }
  return missing;
}

describe('the schema', () => {
  test('when it is built, then every type, field, argument and enum value is described', () => {
    expect(undescribed(buildSchema())).toEqual([]);
  });

  test('when it is built, then no output type exposes a password', () => {
    const schema = buildSchema();
    const roots = [schema.getQueryType(), schema.getMutationType()];
    const passwordFields = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => !roots.includes(type))
      .flatMap((type) => Object.keys(type.getFields()).map((field) => `${type.name}.${field}`))
      // PasswordPolicy describes the rule a new password must meet, and a flag says one must be
      // chosen; neither holds a password.
      .filter(
        (coordinate) =>
          /password/i.test(coordinate) &&
          !coordinate.startsWith('PasswordPolicy.') &&
          coordinate !== 'User.mustChangePassword',
      );
    expect(passwordFields).toEqual([]);
  });
});

describe('page sizes in the contract', () => {
  test('when a paged field describes first, then it states the limits the code enforces', () => {
    const query = buildSchema().getQueryType();
    for (const field of ['users', 'auditEvents']) {
      const first = query?.getFields()[field]?.args.find((arg) => arg.name === 'first');
      expect(first?.defaultValue).toBeUndefined();
      expect(first?.description).toContain(`from 1 to ${PAGE_SIZE.max}`);
      expect(first?.description).toContain(`${PAGE_SIZE.default} when omitted`);
    }
  });
});

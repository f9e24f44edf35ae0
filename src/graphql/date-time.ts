import { GraphQLScalarType, Kind } from 'graphql';
import { badUserInput } from '../errors';

function toDate(value: unknown): Date | null {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  return date !== null && !Number.isNaN(date.getTime()) ? date : null;
}

// Full ISO-8601 date-times with a zone, the form this scalar itself produces.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && ISO_DATE_TIME.test(value) ? toDate(value) : null;
  if (date === null)
    throw badUserInput('DateTime', {
      reason: 'INVALID_FORMAT',
      message: 'must be an ISO-8601 date-time',
    });
  return date;
}

/** ISO-8601 date-times in UTC, e.g. `2026-01-31T12:00:00.000Z`. */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time, serialized as an ISO-8601 string in UTC.',
  serialize(value) {
    const date = toDate(value);
    // A bad stored value is a server fault; this error is masked like any other.
    if (date === null) throw new TypeError('DateTime cannot serialize a non-date value');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    return parseDateTime(ast.kind === Kind.STRING ? ast.value : null);
  },
});

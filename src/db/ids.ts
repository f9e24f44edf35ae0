import { Types } from 'mongoose';
import { badUserInput } from '../errors';

/** Client input as query values: ids and page sizes, checked here and nowhere else. */

const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/i;

/**
 * Every paged query's size: the one source of these numbers (the SDL's descriptions repeat them
 * for readers, and a unit test holds them to these).
 */
export const PAGE_SIZE = Object.freeze({ default: 20, max: 100 });

/** The ObjectId `value` spells, or null (never a cast error) for anything else. */
export function toObjectId(value: string): Types.ObjectId | null {
  return OBJECT_ID_PATTERN.test(value) ? new Types.ObjectId(value) : null;
}

/** Like toObjectId, but bad input is a BAD_USER_INPUT naming `field`. */
export function parseObjectId(value: string, field: string): Types.ObjectId {
  const id = toObjectId(value);
  if (id === null)
    throw badUserInput(field, { reason: 'INVALID_FORMAT', message: 'is not a valid ID' });
  return id;
}

/**
 * The page size a client asked for (`first`), or the default when it asked for none. `refusesRequest`
 * is for checks made before execution, whose refusal answers the whole request with a 400.
 */
export function pageSize(
  first: number | null | undefined,
  options: { readonly refusesRequest?: boolean } = {},
): number {
  const size = first ?? PAGE_SIZE.default;
  if (!Number.isInteger(size) || size < 1 || size > PAGE_SIZE.max) {
    throw badUserInput(
      'first',
      {
        reason: size > PAGE_SIZE.max ? 'TOO_LONG' : 'TOO_SHORT',
        message: `must be between 1 and ${PAGE_SIZE.max}`,
      },
      options,
    );
  }
  return size;
}

/** An opaque page cursor for a row: its ObjectId's 12 bytes, base64url. */
export function encodeIdCursor(id: Types.ObjectId): string {
  return Buffer.from(id.id).toString('base64url');
}

/** The id an `encodeIdCursor` cursor names; BAD_USER_INPUT on `after` for anything else. */
export function decodeIdCursor(cursor: string): Types.ObjectId {
  const bytes = /^[A-Za-z0-9_-]{16}$/.test(cursor) ? Buffer.from(cursor, 'base64url') : null;
  if (bytes?.length !== 12)
    throw badUserInput('after', { reason: 'INVALID_FORMAT', message: 'is not a valid cursor' });
  return new Types.ObjectId(bytes);
}

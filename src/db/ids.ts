import { Types } from 'mongoose';
import { badUserInput } from '../errors';

/** Client input as query values: ids and page sizes, checked here and nowhere else. */

const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/i;

export const PAGE_SIZE_MAX = 100;

/** The ObjectId `value` spells, or null (never a cast error) for anything else. */
export function toObjectId(value: string): Types.ObjectId | null {
  return OBJECT_ID_PATTERN.test(value) ? new Types.ObjectId(value) : null;
}

/** Like toObjectId, but bad input is a BAD_USER_INPUT naming `field`. */
export function parseObjectId(value: string, field: string): Types.ObjectId {
  const id = toObjectId(value);
  if (id === null) throw badUserInput(field, 'is not a valid ID');
  return id;
}

export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE_MAX) {
    throw badUserInput('first', `must be between 1 and ${PAGE_SIZE_MAX}`);
  }
}

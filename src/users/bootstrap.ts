import { randomBytes } from 'node:crypto';
import { SYSTEM_CALLER } from '../caller';
import { isClientError } from '../errors';
import type { UserService } from './service';

export const GENERATED_ADMIN_USERNAME = 'admin';

export interface InitialAdminSettings {
  /** The administrator to create when no user has that username. */
  readonly initialAdmin: { readonly username: string; readonly password: string } | null;
  /** Create an admin with a random password when none was configured (development only). */
  readonly generateInitialAdmin: boolean;
}

export interface CreatedAdmin {
  readonly username: string;
  /** Set only when the password was generated here; the caller shows it once. */
  readonly generatedPassword: string | null;
}

/**
 * Creates the configured administrator when no user has that username; an existing user is never
 * touched. In development without configured credentials, an admin with a random password is
 * created instead. Returns the admin it created, or null.
 */
export async function ensureInitialAdmin(
  users: UserService,
  config: InitialAdminSettings,
): Promise<CreatedAdmin | null> {
  const generated = config.initialAdmin === null && config.generateInitialAdmin;
  const wanted =
    config.initialAdmin ??
    (generated
      ? { username: GENERATED_ADMIN_USERNAME, password: randomBytes(24).toString('base64url') }
      : null);
  if (wanted === null) return null;
  if ((await users.findForSignIn(wanted.username)) !== null) return null;
  try {
    // Production configuration has already checked ADMIN_PASSWORD against the policy; a developer
    // may pick a short one for a throwaway local database.
    await users.create({ ...wanted, roles: ['ADMIN'] }, SYSTEM_CALLER, {
      skipPasswordPolicy: true,
    });
  } catch (error) {
    // Another instance sharing the database created it first: that is the outcome we wanted.
    if (isClientError(error) && error.extensions.field === 'username') return null;
    throw error;
  }
  return { username: wanted.username, generatedPassword: generated ? wanted.password : null };
}

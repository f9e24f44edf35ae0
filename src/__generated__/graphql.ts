/* eslint-disable */
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { UserRecord } from '../users/model';
import type { UserConnectionSource } from '../users/service';
import type { SessionRecord } from '../sessions/model';
import type { AuthPayloadModel } from '../auth/resolvers';
import type { AuditEventRecord } from '../audit/model';
import type { InvitationRecord } from '../invitations/model';
import type { PasskeyRecord } from '../mfa/model';
import type { Context } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, serialized as an ISO-8601 string in UTC, e.g. `2026-01-31T12:00:00.000Z`. */
  DateTime: { input: Date | string; output: Date | string; }
};

/** The kinds of security event the audit trail records. */
export type AuditAction =
  /** A signed-in user was refused a field their roles do not allow. */
  | 'AUTHORIZATION_DENIED'
  /**
   * The old address was told of an address change (`updateMe`); `outcome` as for
   * `PASSWORD_RESET_REQUESTED`.
   */
  | 'EMAIL_CHANGE_NOTIFIED'
  /**
   * A link to confirm an email address was mailed (after sign-up, an address change or
   * `resendEmailVerification`); `outcome` as for `PASSWORD_RESET_REQUESTED`.
   */
  | 'EMAIL_VERIFICATION_SENT'
  /** An email address was confirmed through its link. */
  | 'EMAIL_VERIFIED'
  /** An invitation was accepted: the account was created, with the invitation's id. */
  | 'INVITATION_ACCEPTED'
  /** An administrator revoked an invitation before it was accepted. */
  | 'INVITATION_REVOKED'
  /** A sign-in attempt, through `login` or `POST /token`; `outcome` tells how it went. */
  | 'LOGIN'
  /** A sign-in attempt refused because the account or the client address must wait. */
  | 'LOGIN_THROTTLED'
  /** A second factor was turned off by its user (`disableTotp`). */
  | 'MFA_DISABLED'
  /** A second factor was turned on (`details.method`: `TOTP`). */
  | 'MFA_ENABLED'
  /** An administrator removed every second factor of a user (`resetUserMfa`); their sessions ended. */
  | 'MFA_RESET'
  /** A password change, successful or refused for a wrong current password. */
  | 'PASSWORD_CHANGED'
  /** A stored password hash was upgraded to the configured argon2 parameters at sign-in. */
  | 'PASSWORD_REHASHED'
  /** A password was set through a reset link; every session of the user ended. */
  | 'PASSWORD_RESET'
  /**
   * A password reset link was asked for a known account: `success` when the mail server took the
   * message, `failure` when it did not, `denied` when the address had had enough mail this hour.
   */
  | 'PASSWORD_RESET_REQUESTED'
  /** A signed-in user changed their own full name or address (`updateMe`). */
  | 'PROFILE_UPDATED'
  /** The user replaced their recovery codes. */
  | 'RECOVERY_CODES_REGENERATED'
  /** A retired refresh token was presented again; its whole session was revoked. */
  | 'REFRESH_TOKEN_REUSE_DETECTED'
  /** Every session of a user was ended (`logoutAll`, `revokeUserSessions`). */
  | 'SESSIONS_REVOKED_ALL'
  /** One session was ended (logout, `revokeSession`, `POST /revoke`). */
  | 'SESSION_REVOKED'
  /** Someone tried to sign up with an address that has an account; its owner was mailed. */
  | 'SIGN_UP_ADDRESS_TAKEN'
  /** A user was created. */
  | 'USER_CREATED'
  /** A user was deleted, by an administrator or by themselves (`deleteMe`). */
  | 'USER_DELETED'
  /** A user was disabled. */
  | 'USER_DISABLED'
  /** A user was enabled again. */
  | 'USER_ENABLED'
  /**
   * An administrator invited an address (`inviteUser`); `outcome` as for
   * `PASSWORD_RESET_REQUESTED`. The invitation is the target.
   */
  | 'USER_INVITED'
  /** A user's roles were changed. */
  | 'USER_ROLES_CHANGED'
  /** Someone created their own account: they followed the link `signUp` mailed them. */
  | 'USER_SIGNED_UP';

/** One security event. Never contains a password or a token. */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  /** What happened. */
  action: AuditAction;
  /** The user who acted, when known. */
  actorId: Maybe<Scalars['ID']['output']>;
  /** The username given, for attempts where no user could be identified (a failed sign-in). */
  actorName: Maybe<Scalars['String']['output']>;
  /** When it happened. */
  at: Scalars['DateTime']['output'];
  /** Further facts about the event, as a JSON object in a string. */
  details: Maybe<Scalars['String']['output']>;
  /** The event's identifier. */
  id: Scalars['ID']['output'];
  /** The client address of the request. */
  ipAddress: Maybe<Scalars['String']['output']>;
  /** How it ended. */
  outcome: AuditOutcome;
  /** The request id, as in the logs and the `x-request-id` response header. */
  requestId: Maybe<Scalars['String']['output']>;
  /** The user or session acted upon, when there is one. */
  targetId: Maybe<Scalars['ID']['output']>;
  /** The `User-Agent` the client sent with the request, shortened to 256 characters. */
  userAgent: Maybe<Scalars['String']['output']>;
};

/** A page of audit events, newest first. */
export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  /** The events on this page with their cursors. */
  edges: Array<AuditEventEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
};

/** One event in an `AuditEventConnection`. */
export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  /** An opaque cursor for this position; pass it as `after` to continue after this event. */
  cursor: Scalars['String']['output'];
  /** The event. */
  node: AuditEvent;
};

/** Narrows the audit trail; all given conditions must hold. */
export type AuditEventFilter = {
  /** Only events of this kind. */
  action?: InputMaybe<AuditAction>;
  /** Only events by this user. */
  actorId?: InputMaybe<Scalars['ID']['input']>;
  /** Only events at or after this instant. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  /** Only events acting on this user or session. */
  targetId?: InputMaybe<Scalars['ID']['input']>;
  /** Only events before this instant. */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

/** How a recorded event ended. */
export type AuditOutcome =
  /** It was refused by a rule: throttling, a missing role, a replayed token. */
  | 'DENIED'
  /** It was attempted and failed, for example a wrong password. */
  | 'FAILURE'
  /** It happened. */
  | 'SUCCESS';

/** What a successful sign-in returns. */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** A signed JWT to send as `Authorization: Bearer <accessToken>` on later requests. */
  accessToken: Scalars['String']['output'];
  /**
   * After a sign-in with a password: a token naming this client as a device that has signed in to
   * the account. Send it with later sign-ins (`login(deviceToken:)`, or `device_token` at
   * `POST /token`): attacks from other addresses can lock an account for unknown clients, but a
   * known device still gets through, with a small failure budget of its own. Browsers also get it
   * as an httpOnly `device` cookie and need not handle it. Null after a refresh or a password
   * change.
   */
  deviceToken: Maybe<Scalars['String']['output']>;
  /** Seconds until the access token expires. */
  expiresIn: Scalars['Int']['output'];
  /** After a sign-in completed with a recovery code: how many unused codes the user has left. */
  recoveryCodesRemaining: Maybe<Scalars['Int']['output']>;
  /** Seconds until the refresh token expires, by the idle or the absolute session limit. */
  refreshExpiresIn: Scalars['Int']['output'];
  /**
   * An opaque token for `refreshToken` (or `grant_type=refresh_token` at `/token`); single use.
   * Null when the API keeps it in an httpOnly cookie instead (`REFRESH_TOKEN_TRANSPORT=cookie`).
   */
  refreshToken: Maybe<Scalars['String']['output']>;
  /** How to present the access token: always `Bearer`. */
  tokenType: Scalars['String']['output'];
  /** The user who signed in. */
  user: User;
};

/** The fields of a new user. */
export type CreateUserInput = {
  /** An optional email address, unique regardless of case. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** An optional full name, up to 200 characters. */
  fullName?: InputMaybe<Scalars['String']['input']>;
  /** `true` makes the user choose a new password after signing in (for a password you gave them). */
  mustChangePassword?: InputMaybe<Scalars['Boolean']['input']>;
  /** The initial password; it must satisfy the password policy (length, not a common password). */
  password: Scalars['String']['input'];
  /** The roles to grant; defaults to `[USER]`. */
  roles?: InputMaybe<Array<Role>>;
  /** 3 to 64 letters, digits, `.`, `_` or `-`; unique regardless of case. */
  username: Scalars['String']['input'];
};

/**
 * Why an input field was refused. Not used by any field: a `BAD_USER_INPUT` error lists every
 * refused input field in `extensions.fields` as `{ field, reason }`, with a reason from this set
 * (and `extensions.field` repeats the first field's name).
 */
export type InputErrorReason =
  /** A value that must match a stored one does not (the current password). */
  | 'INCORRECT'
  /** Holds characters the field does not allow (control or invisible characters, symbols in a username). */
  | 'INVALID_CHARACTERS'
  /** Not in the expected form: an email address, an ID, a cursor, a date-time. */
  | 'INVALID_FORMAT'
  /**
   * A token from an emailed link that is unknown, expired, already used, replaced by a newer one or
   * meant for something else: the user asks for a new link.
   */
  | 'INVALID_TOKEN'
  /** Refused by a rule of the system, such as leaving no active administrator. */
  | 'NOT_ALLOWED'
  /** The field is required, or a list must not be empty. */
  | 'REQUIRED'
  /** A username (or a look-alike of one) or an email address someone already has. */
  | 'TAKEN'
  /** A password on the list of common passwords. */
  | 'TOO_COMMON'
  /** Longer than allowed, or a number above its range. */
  | 'TOO_LONG'
  /** Shorter than allowed (a password, a username), or a number below its range. */
  | 'TOO_SHORT'
  /** The new value must differ from the current one (a new password). */
  | 'UNCHANGED';

/** An administrator's invitation to create an account, waiting for its link to be followed. */
export type Invitation = {
  __typename?: 'Invitation';
  /** When the address was first invited. */
  createdAt: Scalars['DateTime']['output'];
  /** The address the invitation was mailed to; the account gets it, already confirmed. */
  email: Scalars['String']['output'];
  /** When the link stops working (`INVITATION_TTL` after the latest invitation). */
  expiresAt: Scalars['DateTime']['output'];
  /** The full name the account will start with, if one was given. */
  fullName: Maybe<Scalars['String']['output']>;
  /** The invitation's id; the account it creates will have the same id. */
  id: Scalars['ID']['output'];
  /** The administrator who sent (or last re-sent) the invitation; null once they are deleted. */
  invitedBy: Maybe<User>;
  /** The roles the account will hold. */
  roles: Array<Role>;
};

/** A page of pending invitations, oldest first. */
export type InvitationConnection = {
  __typename?: 'InvitationConnection';
  /** The invitations on this page with their cursors. */
  edges: Array<InvitationEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
};

/** One invitation in an `InvitationConnection`. */
export type InvitationEdge = {
  __typename?: 'InvitationEdge';
  /** An opaque cursor for this position; pass it as `after` to continue after this invitation. */
  cursor: Scalars['String']['output'];
  /** The invitation. */
  node: Invitation;
};

/** Whom to invite. */
export type InviteUserInput = {
  /** The address to mail the link to; no account may have it yet. */
  email: Scalars['String']['input'];
  /** An optional full name, up to 200 characters. */
  fullName?: InputMaybe<Scalars['String']['input']>;
  /** The roles the account will hold; defaults to `[USER]`. */
  roles?: InputMaybe<Array<Role>>;
};

/** Write operations. */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Creates the invited account, with the invitation's address confirmed, and signs it in. A token
   * that is unknown, expired, used, revoked or replaced by a newer invitation is `BAD_USER_INPUT`
   * on `token` with reason `INVALID_TOKEN`; a taken username is `TAKEN` on `username`, and the
   * link still works for another try.
   */
  acceptInvitation: AuthPayload;
  /**
   * Once the password is checked (`INCORRECT` on `password`, counted like a sign-in), options for
   * `navigator.credentials.create` (`PublicKeyCredentialCreationOptionsJSON`, as a JSON string): a discoverable passkey with user verification, for the relying party
   * `WEBAUTHN_RP_ID`. The challenge in them works once, for `MFA_CHALLENGE_TTL` (5 minutes). `FORBIDDEN` with reason
   * `FEATURE_OFF` when passkeys are not configured.
   */
  beginPasskeyRegistration: Maybe<Scalars['String']['output']>;
  /**
   * Options for `navigator.credentials.get` (`PublicKeyCredentialRequestOptionsJSON`, as a JSON
   * string). Without `challenge`: any passkey of this site, for a sign-in with the passkey alone.
   * With the challenge of an `MFA_REQUIRED` answer: only that user's passkeys, for
   * `completeMfaSignIn`.
   */
  beginPasskeySignIn: Scalars['String']['output'];
  /**
   * Starts setting up TOTP once the password is checked (`INCORRECT` on `password`, counted like a
   * sign-in): a fresh secret, valid for 10 minutes, that `confirmTotpEnrollment` turns on.
   * `CONFLICT` when TOTP is already on.
   */
  beginTotpEnrollment: Maybe<TotpEnrollment>;
  /**
   * Changes the caller's password. A wrong current password is refused like a failed sign-in.
   * Every session ends, this one included, and fresh tokens for a new session are returned.
   * Clears `mustChangePassword`.
   */
  changePassword: Maybe<AuthPayload>;
  /**
   * Completes a sign-in that answered `MFA_REQUIRED`, with a TOTP code or a recovery code (each
   * accepted once), or with a passkey. A wrong code is `BAD_USER_INPUT` on `code` with reason `INCORRECT`, counted
   * like a wrong password; the challenge takes up to five wrong codes before it dies. An expired, spent or
   * unknown challenge, or one presented by another client, is `UNAUTHENTICATED` with reason
   * `MFA_CHALLENGE_INVALID`: sign in again.
   */
  completeMfaSignIn: AuthPayload;
  /**
   * Turns TOTP on with a current code of the new secret and returns ten recovery codes. Show them
   * once: only their hashes are kept. A wrong code is `INCORRECT` on `code` and counts like a wrong
   * password.
   */
  confirmTotpEnrollment: Maybe<Array<Scalars['String']['output']>>;
  /** Creates a user. */
  createUser: Maybe<User>;
  /**
   * Deletes the caller's account after checking the password (counted like a sign-in; a wrong one
   * is `BAD_USER_INPUT` on `password` with reason `INCORRECT`). Every session ends. The last active
   * administrator cannot: `FORBIDDEN` with reason `LAST_ADMINISTRATOR`.
   */
  deleteMe: Maybe<Scalars['Boolean']['output']>;
  /** Deletes a user. The last active administrator cannot be deleted. Returns `true` once deleted. */
  deleteUser: Maybe<Scalars['Boolean']['output']>;
  /** Turns TOTP off and deletes the recovery codes; needs the password and a current code. */
  disableTotp: Maybe<Scalars['Boolean']['output']>;
  /**
   * Stores the passkey the browser made from `beginPasskeyRegistration`'s options (the
   * `RegistrationResponseJSON`, as a JSON string) under `name`. A response that does not verify
   * (another origin, a spent or expired challenge, no user verification) is `INCORRECT` on
   * `response`.
   */
  finishPasskeyRegistration: Maybe<Passkey>;
  /**
   * Signs in with a passkey alone: the `AuthenticationResponseJSON` over `beginPasskeySignIn`'s
   * options. The passkey verified its user, so the session counts two factors. Every refusal is
   * the one `UNAUTHENTICATED` (`BAD_CREDENTIALS`).
   */
  finishPasskeySignIn: AuthPayload;
  /**
   * Mails an address a link to create an account (`APP_URL/accept-invitation?token=...`), valid
   * once, for `INVITATION_TTL`. Inviting an address again updates its invitation and voids the
   * earlier link. An address an account already has is `BAD_USER_INPUT` with reason `TAKEN`.
   * `FORBIDDEN` with reason `FEATURE_OFF` when `SIGNUP_MODE=closed`.
   */
  inviteUser: Maybe<Invitation>;
  /**
   * Exchanges a username and password for an access token. Every failure, whether the user
   * is unknown, the password is wrong or the account is disabled, is the same
   * `UNAUTHENTICATED` error with the message `Incorrect username or password`.
   */
  login: AuthPayload;
  /** Ends the current session: its access and refresh tokens stop working. Other sessions live on. */
  logout: Maybe<Scalars['Boolean']['output']>;
  /** Ends every session of the caller, this one included. */
  logoutAll: Maybe<Scalars['Boolean']['output']>;
  /**
   * Exchanges a refresh token for a new access token and a new refresh token; the presented one is
   * retired. Presenting a retired refresh token again ends the whole session as a suspected theft.
   */
  refreshToken: AuthPayload;
  /**
   * Replaces the recovery codes with ten new ones (the old ones stop working): with TOTP on, given
   * a current code; with passkeys only, from a session that signed in with one (the way a
   * passkey-only user gets codes at all).
   */
  regenerateRecoveryCodes: Maybe<Array<Scalars['String']['output']>>;
  /** Removes one of the caller's passkeys; needs the password. `false` when there is no such passkey. */
  removePasskey: Maybe<Scalars['Boolean']['output']>;
  /**
   * Emails a link to reset the password of the active account with this address, if there is
   * one: `APP_URL/reset-password?token=...`, valid once, for `PASSWORD_RESET_TTL`. Always answers
   * `true`, at once and the same way, whether or not the address belongs to anyone; only the
   * number of requests from one client address is limited (`RATE_LIMITED`).
   */
  requestPasswordReset: Scalars['Boolean']['output'];
  /** Mails a new confirmation link to the caller's unconfirmed address; earlier links stop working. */
  resendEmailVerification: Maybe<Scalars['Boolean']['output']>;
  /**
   * Sets a new password with the token from a reset link, ends every session of the user and
   * signs in a new one. For an account with a second factor, the answer is `MFA_REQUIRED`, as
   * after `login`, and nothing changes until `completeMfaSignIn` gives the factor: then the new
   * password is set, every session ends and a new one begins. A mailbox alone changes nothing. A token that is unknown, expired, used, or replaced by a newer link is
   * `BAD_USER_INPUT` on `token` with reason `INVALID_TOKEN`.
   */
  resetPassword: AuthPayload;
  /**
   * Removes every second factor of a user (they set one up again at their next sign-in) and ends
   * their sessions. `NOT_FOUND` for an unknown user.
   */
  resetUserMfa: Maybe<Scalars['Boolean']['output']>;
  /** Revokes a pending invitation: its link stops working. `false` when there is no such invitation. */
  revokeInvitation: Maybe<Scalars['Boolean']['output']>;
  /**
   * Ends one of the caller's sessions. Returns `false` when no such session of the caller is
   * active (an unknown id and someone else's give the same answer).
   */
  revokeSession: Maybe<Scalars['Boolean']['output']>;
  /** Ends every session of a user. Returns `true` once done. */
  revokeUserSessions: Maybe<Scalars['Boolean']['output']>;
  /**
   * Creates an account with role USER when `SIGNUP_MODE=open` (otherwise `FORBIDDEN` with reason
   * `FEATURE_OFF`) and mails a link to confirm the address. Answers `true` whether or not the
   * address already has an account (its owner is told by mail instead); a taken username is
   * `BAD_USER_INPUT` with reason `TAKEN`. Counted like sign-ins per client address.
   */
  signUp: Scalars['Boolean']['output'];
  /**
   * Changes the caller's full name or email address. A new address needs `currentPassword`
   * (`REQUIRED` or `INCORRECT` on it, counted like a sign-in), counts as a request that sends mail
   * (`MAIL_MAX_PER_IP_PER_HOUR`); an address another account has is `BAD_USER_INPUT` with reason
   * `TAKEN`.
   */
  updateMe: Maybe<User>;
  /**
   * Changes a user's email, full name, roles, disabled flag or `mustChangePassword`. The last
   * active administrator cannot be demoted or disabled.
   */
  updateUser: Maybe<User>;
  /**
   * Confirms an email address with the token from its link. A token that is unknown, expired,
   * used, replaced, or for an address the account no longer has is `BAD_USER_INPUT` on `token`
   * with reason `INVALID_TOKEN`.
   */
  verifyEmail: Scalars['Boolean']['output'];
};


/** Write operations. */
export type MutationAcceptInvitationArgs = {
  password: Scalars['String']['input'];
  token: Scalars['String']['input'];
  username: Scalars['String']['input'];
};


/** Write operations. */
export type MutationBeginPasskeyRegistrationArgs = {
  password: Scalars['String']['input'];
};


/** Write operations. */
export type MutationBeginPasskeySignInArgs = {
  challenge?: InputMaybe<Scalars['String']['input']>;
};


/** Write operations. */
export type MutationBeginTotpEnrollmentArgs = {
  password: Scalars['String']['input'];
};


/** Write operations. */
export type MutationChangePasswordArgs = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


/** Write operations. */
export type MutationCompleteMfaSignInArgs = {
  challenge: Scalars['String']['input'];
  code?: InputMaybe<Scalars['String']['input']>;
  passkey?: InputMaybe<Scalars['String']['input']>;
};


/** Write operations. */
export type MutationConfirmTotpEnrollmentArgs = {
  code: Scalars['String']['input'];
};


/** Write operations. */
export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


/** Write operations. */
export type MutationDeleteMeArgs = {
  password: Scalars['String']['input'];
};


/** Write operations. */
export type MutationDeleteUserArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. */
export type MutationDisableTotpArgs = {
  code: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


/** Write operations. */
export type MutationFinishPasskeyRegistrationArgs = {
  name: Scalars['String']['input'];
  response: Scalars['String']['input'];
};


/** Write operations. */
export type MutationFinishPasskeySignInArgs = {
  response: Scalars['String']['input'];
};


/** Write operations. */
export type MutationInviteUserArgs = {
  input: InviteUserInput;
};


/** Write operations. */
export type MutationLoginArgs = {
  deviceToken?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
  username: Scalars['String']['input'];
};


/** Write operations. */
export type MutationRefreshTokenArgs = {
  refreshToken?: InputMaybe<Scalars['String']['input']>;
};


/** Write operations. */
export type MutationRegenerateRecoveryCodesArgs = {
  code?: InputMaybe<Scalars['String']['input']>;
};


/** Write operations. */
export type MutationRemovePasskeyArgs = {
  id: Scalars['ID']['input'];
  password: Scalars['String']['input'];
};


/** Write operations. */
export type MutationRequestPasswordResetArgs = {
  email: Scalars['String']['input'];
};


/** Write operations. */
export type MutationResetPasswordArgs = {
  newPassword: Scalars['String']['input'];
  token: Scalars['String']['input'];
};


/** Write operations. */
export type MutationResetUserMfaArgs = {
  userId: Scalars['ID']['input'];
};


/** Write operations. */
export type MutationRevokeInvitationArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. */
export type MutationRevokeSessionArgs = {
  id: Scalars['ID']['input'];
};


/** Write operations. */
export type MutationRevokeUserSessionsArgs = {
  userId: Scalars['ID']['input'];
};


/** Write operations. */
export type MutationSignUpArgs = {
  input: SignUpInput;
};


/** Write operations. */
export type MutationUpdateMeArgs = {
  input: UpdateMeInput;
};


/** Write operations. */
export type MutationUpdateUserArgs = {
  id: Scalars['ID']['input'];
  input: UpdateUserInput;
};


/** Write operations. */
export type MutationVerifyEmailArgs = {
  token: Scalars['String']['input'];
};

/** Relay-style information about one page of a connection. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last item on this page; pass it as `after` to fetch the next page. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** Whether more items follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** A passkey (WebAuthn credential) of the signed-in user. */
export type Passkey = {
  __typename?: 'Passkey';
  /** Whether it is synced between devices by its provider (a multi-device passkey). */
  backedUp: Scalars['Boolean']['output'];
  /** When it was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** The credential id, base64url. */
  id: Scalars['ID']['output'];
  /** When it last signed in, if it has. */
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  /** The name the user gave it. */
  name: Scalars['String']['output'];
};

/** What every new password must meet, so a form can check it before it submits. */
export type PasswordPolicy = {
  __typename?: 'PasswordPolicy';
  /** The most characters (Unicode code points) a password may have. */
  maxLength: Scalars['Int']['output'];
  /** The fewest characters (Unicode code points) a password may have. */
  minLength: Scalars['Int']['output'];
  /** Whether passwords on a list of about 49,000 common ones (compared case-insensitively) are refused. */
  refusesCommonPasswords: Scalars['Boolean']['output'];
};

/** Read operations. */
export type Query = {
  __typename?: 'Query';
  /** A greeting only administrators can read. */
  adminOnly: Maybe<Scalars['String']['output']>;
  /** Pages through the audit trail, newest first. */
  auditEvents: Maybe<AuditEventConnection>;
  /** A liveness probe for GraphQL clients: always `true`, open to everyone. */
  health: Scalars['Boolean']['output'];
  /** Pages through the invitations not yet accepted, revoked or expired, oldest first. */
  invitations: Maybe<InvitationConnection>;
  /**
   * The signed-in user, or null when the request carries no `Authorization` header, so "am I
   * signed in?" is a plain query. An unusable token is refused with 401, as on every guarded field.
   */
  me: Maybe<User>;
  /**
   * The caller's own security history, newest first: sign-ins (failed ones included), password
   * changes and resets, session revocations, confirmed addresses and profile changes, each with
   * its client address and user agent.
   */
  mySecurityEvents: Maybe<AuditEventConnection>;
  /** The caller's passkeys, oldest first. */
  passkeys: Maybe<Array<Passkey>>;
  /** The password policy that `createUser` and `changePassword` apply, open to everyone. */
  passwordPolicy: PasswordPolicy;
  /** The caller's sessions that can still be refreshed, most recently used first. */
  sessions: Maybe<Array<Session>>;
  /** Finds one user by id; `null` when no such user exists. */
  user: Maybe<User>;
  /** A greeting any signed-in user or administrator can read. */
  userOnly: Maybe<Scalars['String']['output']>;
  /** Pages through every user, oldest first. */
  users: Maybe<UserConnection>;
};


/** Read operations. */
export type QueryAuditEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditEventFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. */
export type QueryInvitationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. */
export type QueryMySecurityEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Read operations. */
export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


/** Read operations. */
export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * Something a signed-in user must do before the API serves them anything but the few fields
 * marked for it: `me`, what completes the action, and `logout`.
 */
export type RequiredAction =
  /** An administrator asked the user to choose a new password (`User.mustChangePassword`). */
  | 'CHANGE_PASSWORD'
  /**
   * The user holds a role in `MFA_REQUIRED_ROLES` and has no second factor yet: refused with reason
   * `MFA_ENROLLMENT_REQUIRED` until they set one up.
   */
  | 'ENROLL_MFA';

/** The roles a user can hold. Roles are read from the database on every request. */
export type Role =
  /** Administers users and sees everything an ordinary user sees. */
  | 'ADMIN'
  /** An ordinary signed-in user. */
  | 'USER';

/** A way to complete a sign-in after the password. */
export type SecondFactorMethod =
  /** A passkey (WebAuthn). */
  | 'PASSKEY'
  /** One of the single-use recovery codes handed out when TOTP was turned on. */
  | 'RECOVERY_CODE'
  /** A six-digit code from an authenticator app (RFC 6238). */
  | 'TOTP';

/** One signed-in device or client: a login and the refresh tokens rotated from it. */
export type Session = {
  __typename?: 'Session';
  /** When the user signed in. */
  createdAt: Scalars['DateTime']['output'];
  /** Whether this is the session of the access token making the request. */
  current: Scalars['Boolean']['output'];
  /** When the session ends at the latest, however often it is refreshed. */
  expiresAt: Scalars['DateTime']['output'];
  /** The session's identifier; pass it to `revokeSession` to end it. */
  id: Scalars['ID']['output'];
  /** The client address of the last sign-in or refresh. */
  ipAddress: Maybe<Scalars['String']['output']>;
  /** When the session last signed in or refreshed its tokens. */
  lastUsedAt: Scalars['DateTime']['output'];
  /** The User-Agent header of the last sign-in or refresh, if one was sent. */
  userAgent: Maybe<Scalars['String']['output']>;
};

/** What `signUp` needs: the same rules as `createUser`, with an email address required. */
export type SignUpInput = {
  /** The address the confirmation link is mailed to. */
  email: Scalars['String']['input'];
  /** An optional full name, up to 200 characters. */
  fullName?: InputMaybe<Scalars['String']['input']>;
  /** The password; it must satisfy the password policy. */
  password: Scalars['String']['input'];
  /** 3 to 64 letters, digits, `.`, `_` or `-`; unique regardless of case. */
  username: Scalars['String']['input'];
};

/** A TOTP secret waiting for its first code: show the QR code, or the secret for typing in. */
export type TotpEnrollment = {
  __typename?: 'TotpEnrollment';
  /** The `otpauth://totp/...` URI the QR code holds. */
  otpauthUri: Scalars['String']['output'];
  /** The URI as a PNG QR code, a `data:image/png;base64,...` URL for an `<img src>`. */
  qrCodeDataUrl: Scalars['String']['output'];
  /** The secret in base32, for apps that cannot scan. */
  secret: Scalars['String']['output'];
};

/** The caller's own fields to change; omitted fields stay as they are. */
export type UpdateMeInput = {
  /** The caller's current password: required to change `email`, so a stolen session cannot. */
  currentPassword?: InputMaybe<Scalars['String']['input']>;
  /**
   * A new email address. It is unconfirmed until the link mailed to it is followed, and the old
   * address is told of the change. It cannot be removed (`null` is refused).
   */
  email?: InputMaybe<Scalars['String']['input']>;
  /** A new full name, up to 200 characters, or `null` to remove it. */
  fullName?: InputMaybe<Scalars['String']['input']>;
};

/** The fields of a user to change; omitted fields stay as they are. */
export type UpdateUserInput = {
  /** `true` disables the account, `false` enables it. */
  disabled?: InputMaybe<Scalars['Boolean']['input']>;
  /** A new email address, or `null` to remove it. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** A new full name, or `null` to remove it. */
  fullName?: InputMaybe<Scalars['String']['input']>;
  /** `true` makes the user choose a new password before anything else; `false` lifts that. */
  mustChangePassword?: InputMaybe<Scalars['Boolean']['input']>;
  /** The complete new set of roles. */
  roles?: InputMaybe<Array<Role>>;
};

/** An account that can sign in. Passwords are never readable through the API. */
export type User = {
  __typename?: 'User';
  /** When the account was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Whether the account is disabled; disabled users cannot sign in or use their tokens. */
  disabled: Scalars['Boolean']['output'];
  /** The user's email address, if one was given. */
  email: Maybe<Scalars['String']['output']>;
  /** Whether `email` was confirmed through the link mailed to it. Any change of address clears it. */
  emailVerified: Scalars['Boolean']['output'];
  /** The user's full name, if one was given. */
  fullName: Maybe<Scalars['String']['output']>;
  /** The user's stable, opaque identifier. */
  id: Scalars['ID']['output'];
  /** The second factors the user has set up (`TOTP`, `PASSKEY`); empty when none. */
  mfaMethods: Array<SecondFactorMethod>;
  /**
   * Whether the user must choose a new password before anything else: until they call
   * `changePassword`, every field but `me`, `changePassword` and `logout` is refused with
   * `FORBIDDEN` and reason `PASSWORD_CHANGE_REQUIRED`.
   */
  mustChangePassword: Scalars['Boolean']['output'];
  /** The roles the user holds. */
  roles: Array<Role>;
  /** When the account was last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** The name the user signs in with, as it was registered. */
  username: Scalars['String']['output'];
};

/** A page of users, oldest first. */
export type UserConnection = {
  __typename?: 'UserConnection';
  /** The users on this page with their cursors. */
  edges: Array<UserEdge>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
  /**
   * How many users exist in all, from the collection's metadata: cheap at any size, exact on a
   * single server, possibly off by a few on a sharded cluster or after an unclean shutdown.
   */
  totalCount: Scalars['Int']['output'];
};

/** One user in a `UserConnection`. */
export type UserEdge = {
  __typename?: 'UserEdge';
  /** An opaque cursor for this position; pass it as `after` to continue after this user. */
  cursor: Scalars['String']['output'];
  /** The user. */
  node: User;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  AuditAction: AuditAction;
  AuditEvent: ResolverTypeWrapper<AuditEventRecord>;
  AuditEventConnection: ResolverTypeWrapper<Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversTypes['AuditEventEdge']> }>;
  AuditEventEdge: ResolverTypeWrapper<Omit<AuditEventEdge, 'node'> & { node: ResolversTypes['AuditEvent'] }>;
  AuditEventFilter: AuditEventFilter;
  AuditOutcome: AuditOutcome;
  AuthPayload: ResolverTypeWrapper<AuthPayloadModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CreateUserInput: CreateUserInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  InputErrorReason: InputErrorReason;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Invitation: ResolverTypeWrapper<InvitationRecord>;
  InvitationConnection: ResolverTypeWrapper<Omit<InvitationConnection, 'edges'> & { edges: Array<ResolversTypes['InvitationEdge']> }>;
  InvitationEdge: ResolverTypeWrapper<Omit<InvitationEdge, 'node'> & { node: ResolversTypes['Invitation'] }>;
  InviteUserInput: InviteUserInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Passkey: ResolverTypeWrapper<PasskeyRecord>;
  PasswordPolicy: ResolverTypeWrapper<PasswordPolicy>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RequiredAction: RequiredAction;
  Role: Role;
  SecondFactorMethod: SecondFactorMethod;
  Session: ResolverTypeWrapper<SessionRecord>;
  SignUpInput: SignUpInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  TotpEnrollment: ResolverTypeWrapper<TotpEnrollment>;
  UpdateMeInput: UpdateMeInput;
  UpdateUserInput: UpdateUserInput;
  User: ResolverTypeWrapper<UserRecord>;
  UserConnection: ResolverTypeWrapper<UserConnectionSource>;
  UserEdge: ResolverTypeWrapper<Omit<UserEdge, 'node'> & { node: ResolversTypes['User'] }>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  AuditEvent: AuditEventRecord;
  AuditEventConnection: Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversParentTypes['AuditEventEdge']> };
  AuditEventEdge: Omit<AuditEventEdge, 'node'> & { node: ResolversParentTypes['AuditEvent'] };
  AuditEventFilter: AuditEventFilter;
  AuthPayload: AuthPayloadModel;
  Boolean: Scalars['Boolean']['output'];
  CreateUserInput: CreateUserInput;
  DateTime: Scalars['DateTime']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Invitation: InvitationRecord;
  InvitationConnection: Omit<InvitationConnection, 'edges'> & { edges: Array<ResolversParentTypes['InvitationEdge']> };
  InvitationEdge: Omit<InvitationEdge, 'node'> & { node: ResolversParentTypes['Invitation'] };
  InviteUserInput: InviteUserInput;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Passkey: PasskeyRecord;
  PasswordPolicy: PasswordPolicy;
  Query: Record<PropertyKey, never>;
  Session: SessionRecord;
  SignUpInput: SignUpInput;
  String: Scalars['String']['output'];
  TotpEnrollment: TotpEnrollment;
  UpdateMeInput: UpdateMeInput;
  UpdateUserInput: UpdateUserInput;
  User: UserRecord;
  UserConnection: UserConnectionSource;
  UserEdge: Omit<UserEdge, 'node'> & { node: ResolversParentTypes['User'] };
}>;

export type AuthDirectiveArgs = {
  allowedDuring?: Maybe<Array<RequiredAction>>;
  mfa?: Maybe<Scalars['Boolean']['input']>;
  nullForAnonymous?: Maybe<Scalars['Boolean']['input']>;
  requires?: Maybe<Array<Role>>;
};

export type AuthDirectiveResolver<Result, Parent, ContextType = Context, Args = AuthDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type PublicDirectiveArgs = { };

export type PublicDirectiveResolver<Result, Parent, ContextType = Context, Args = PublicDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AuditEventResolvers<ContextType = Context, ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent']> = ResolversObject<{
  action?: Resolver<ResolversTypes['AuditAction'], ParentType, ContextType>;
  actorId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  actorName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  details?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ipAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuditOutcome'], ParentType, ContextType>;
  requestId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  targetId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  userAgent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type AuditEventConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['AuditEventConnection'] = ResolversParentTypes['AuditEventConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEventEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['AuditEventEdge'] = ResolversParentTypes['AuditEventEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEvent'], ParentType, ContextType>;
}>;

export type AuthPayloadResolvers<ContextType = Context, ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload']> = ResolversObject<{
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  deviceToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  expiresIn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  recoveryCodesRemaining?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  refreshExpiresIn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refreshToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  tokenType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InvitationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Invitation'] = ResolversParentTypes['Invitation']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  fullName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  invitedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
}>;

export type InvitationConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['InvitationConnection'] = ResolversParentTypes['InvitationConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['InvitationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type InvitationEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['InvitationEdge'] = ResolversParentTypes['InvitationEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Invitation'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  acceptInvitation?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationAcceptInvitationArgs, 'password' | 'token' | 'username'>>;
  beginPasskeyRegistration?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType, RequireFields<MutationBeginPasskeyRegistrationArgs, 'password'>>;
  beginPasskeySignIn?: Resolver<ResolversTypes['String'], ParentType, ContextType, Partial<MutationBeginPasskeySignInArgs>>;
  beginTotpEnrollment?: Resolver<Maybe<ResolversTypes['TotpEnrollment']>, ParentType, ContextType, RequireFields<MutationBeginTotpEnrollmentArgs, 'password'>>;
  changePassword?: Resolver<Maybe<ResolversTypes['AuthPayload']>, ParentType, ContextType, RequireFields<MutationChangePasswordArgs, 'currentPassword' | 'newPassword'>>;
  completeMfaSignIn?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationCompleteMfaSignInArgs, 'challenge'>>;
  confirmTotpEnrollment?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType, RequireFields<MutationConfirmTotpEnrollmentArgs, 'code'>>;
  createUser?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<MutationCreateUserArgs, 'input'>>;
  deleteMe?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationDeleteMeArgs, 'password'>>;
  deleteUser?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationDeleteUserArgs, 'id'>>;
  disableTotp?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationDisableTotpArgs, 'code' | 'password'>>;
  finishPasskeyRegistration?: Resolver<Maybe<ResolversTypes['Passkey']>, ParentType, ContextType, RequireFields<MutationFinishPasskeyRegistrationArgs, 'name' | 'response'>>;
  finishPasskeySignIn?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationFinishPasskeySignInArgs, 'response'>>;
  inviteUser?: Resolver<Maybe<ResolversTypes['Invitation']>, ParentType, ContextType, RequireFields<MutationInviteUserArgs, 'input'>>;
  login?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'password' | 'username'>>;
  logout?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  logoutAll?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, Partial<MutationRefreshTokenArgs>>;
  regenerateRecoveryCodes?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType, Partial<MutationRegenerateRecoveryCodesArgs>>;
  removePasskey?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationRemovePasskeyArgs, 'id' | 'password'>>;
  requestPasswordReset?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationRequestPasswordResetArgs, 'email'>>;
  resendEmailVerification?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  resetPassword?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationResetPasswordArgs, 'newPassword' | 'token'>>;
  resetUserMfa?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationResetUserMfaArgs, 'userId'>>;
  revokeInvitation?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationRevokeInvitationArgs, 'id'>>;
  revokeSession?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationRevokeSessionArgs, 'id'>>;
  revokeUserSessions?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType, RequireFields<MutationRevokeUserSessionsArgs, 'userId'>>;
  signUp?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationSignUpArgs, 'input'>>;
  updateMe?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<MutationUpdateMeArgs, 'input'>>;
  updateUser?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<MutationUpdateUserArgs, 'id' | 'input'>>;
  verifyEmail?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationVerifyEmailArgs, 'token'>>;
}>;

export type PageInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type PasskeyResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Passkey'] = ResolversParentTypes['Passkey']> = ResolversObject<{
  backedUp?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type PasswordPolicyResolvers<ContextType = Context, ParentType extends ResolversParentTypes['PasswordPolicy'] = ResolversParentTypes['PasswordPolicy']> = ResolversObject<{
  maxLength?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  minLength?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refusesCommonPasswords?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  adminOnly?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  auditEvents?: Resolver<Maybe<ResolversTypes['AuditEventConnection']>, ParentType, ContextType, Partial<QueryAuditEventsArgs>>;
  health?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  invitations?: Resolver<Maybe<ResolversTypes['InvitationConnection']>, ParentType, ContextType, Partial<QueryInvitationsArgs>>;
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  mySecurityEvents?: Resolver<Maybe<ResolversTypes['AuditEventConnection']>, ParentType, ContextType, Partial<QueryMySecurityEventsArgs>>;
  passkeys?: Resolver<Maybe<Array<ResolversTypes['Passkey']>>, ParentType, ContextType>;
  passwordPolicy?: Resolver<ResolversTypes['PasswordPolicy'], ParentType, ContextType>;
  sessions?: Resolver<Maybe<Array<ResolversTypes['Session']>>, ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  userOnly?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  users?: Resolver<Maybe<ResolversTypes['UserConnection']>, ParentType, ContextType, Partial<QueryUsersArgs>>;
}>;

export type SessionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Session'] = ResolversParentTypes['Session']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  current?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ipAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastUsedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  userAgent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type TotpEnrollmentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['TotpEnrollment'] = ResolversParentTypes['TotpEnrollment']> = ResolversObject<{
  otpauthUri?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  qrCodeDataUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  secret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type UserResolvers<ContextType = Context, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  disabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  emailVerified?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  fullName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  mfaMethods?: Resolver<Array<ResolversTypes['SecondFactorMethod']>, ParentType, ContextType>;
  mustChangePassword?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  username?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type UserConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['UserConnection'] = ResolversParentTypes['UserConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['UserEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['UserEdge'] = ResolversParentTypes['UserEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  AuditEventEdge?: AuditEventEdgeResolvers<ContextType>;
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Invitation?: InvitationResolvers<ContextType>;
  InvitationConnection?: InvitationConnectionResolvers<ContextType>;
  InvitationEdge?: InvitationEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Passkey?: PasskeyResolvers<ContextType>;
  PasswordPolicy?: PasswordPolicyResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Session?: SessionResolvers<ContextType>;
  TotpEnrollment?: TotpEnrollmentResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserConnection?: UserConnectionResolvers<ContextType>;
  UserEdge?: UserEdgeResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = Context> = ResolversObject<{
  auth?: AuthDirectiveResolver<any, any, ContextType>;
  public?: PublicDirectiveResolver<any, any, ContextType>;
}>;

/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserFields on User {\n    id\n    username\n    email\n    fullName\n    roles\n    disabled\n    mustChangePassword\n    createdAt\n    updatedAt\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    tokenType\n    expiresIn\n    refreshToken\n    refreshExpiresIn\n    deviceToken\n    user {\n      ...UserFields\n    }\n  }\n": typeof types.AuthPayloadFieldsFragmentDoc,
    "\n  mutation Login($username: String!, $password: String!, $deviceToken: String) {\n    login(username: $username, password: $password, deviceToken: $deviceToken) {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n": typeof types.MeDocument,
    "\n  query Health {\n    health\n  }\n": typeof types.HealthDocument,
    "\n  query PasswordPolicy {\n    passwordPolicy {\n      minLength\n      maxLength\n      refusesCommonPasswords\n    }\n  }\n": typeof types.PasswordPolicyDocument,
    "\n  query HealthAndUserOnly {\n    health\n    userOnly\n  }\n": typeof types.HealthAndUserOnlyDocument,
    "\n  query AdminOnly {\n    adminOnly\n  }\n": typeof types.AdminOnlyDocument,
    "\n  query UserOnly {\n    userOnly\n  }\n": typeof types.UserOnlyDocument,
    "\n  query Users($first: Int, $after: String) {\n    users(first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          username\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.UsersDocument,
    "\n  query User($id: ID!) {\n    user(id: $id) {\n      ...UserFields\n    }\n  }\n": typeof types.UserDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n": typeof types.DeleteUserDocument,
    "\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.RefreshTokenDocument,
    "\n  mutation RefreshFromCookie {\n    refreshToken {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.RefreshFromCookieDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.ChangePasswordDocument,
    "\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ipAddress\n      current\n    }\n  }\n": typeof types.SessionsDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": typeof types.LogoutAllDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n": typeof types.RevokeUserSessionsDocument,
    "\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          at\n          action\n          outcome\n          actorId\n          actorName\n          targetId\n          ipAddress\n          requestId\n          details\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AuditEventsDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input)\n  }\n": typeof types.SignUpDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n": typeof types.VerifyEmailDocument,
    "\n  mutation ResendEmailVerification {\n    resendEmailVerification\n  }\n": typeof types.ResendEmailVerificationDocument,
    "\n  query MyEmail {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n": typeof types.MyEmailDocument,
    "\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      id\n      email\n      fullName\n      roles\n      invitedBy {\n        id\n        username\n      }\n      createdAt\n      expiresAt\n    }\n  }\n": typeof types.InviteUserDocument,
    "\n  query Invitations($first: Int, $after: String) {\n    invitations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          email\n          roles\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.InvitationsDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n": typeof types.RevokeInvitationDocument,
    "\n  mutation AcceptInvitation($token: String!, $username: String!, $password: String!) {\n    acceptInvitation(token: $token, username: $username, password: $password) {\n      ...AuthPayloadFields\n      user {\n        emailVerified\n      }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  mutation UpdateMe($input: UpdateMeInput!) {\n    updateMe(input: $input) {\n      id\n      email\n      emailVerified\n      fullName\n    }\n  }\n": typeof types.UpdateMeDocument,
    "\n  mutation DeleteMe($password: String!) {\n    deleteMe(password: $password)\n  }\n": typeof types.DeleteMeDocument,
    "\n  query MySecurityEvents($first: Int, $after: String) {\n    mySecurityEvents(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          action\n          outcome\n          actorId\n          targetId\n          ipAddress\n          userAgent\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MySecurityEventsDocument,
    "\n  mutation BeginTotpEnrollment($password: String!) {\n    beginTotpEnrollment(password: $password) {\n      secret\n      otpauthUri\n      qrCodeDataUrl\n    }\n  }\n": typeof types.BeginTotpEnrollmentDocument,
    "\n  mutation ConfirmTotpEnrollment($code: String!) {\n    confirmTotpEnrollment(code: $code)\n  }\n": typeof types.ConfirmTotpEnrollmentDocument,
    "\n  mutation RegenerateRecoveryCodes($code: String) {\n    regenerateRecoveryCodes(code: $code)\n  }\n": typeof types.RegenerateRecoveryCodesDocument,
    "\n  mutation DisableTotp($password: String!, $code: String!) {\n    disableTotp(password: $password, code: $code)\n  }\n": typeof types.DisableTotpDocument,
    "\n  mutation CompleteMfaSignIn($challenge: String!, $code: String!) {\n    completeMfaSignIn(challenge: $challenge, code: $code) {\n      ...AuthPayloadFields\n      recoveryCodesRemaining\n      user {\n        mfaMethods\n      }\n    }\n  }\n": typeof types.CompleteMfaSignInDocument,
    "\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId)\n  }\n": typeof types.ResetUserMfaDocument,
    "\n  query MyFactors {\n    me {\n      id\n      mfaMethods\n    }\n  }\n": typeof types.MyFactorsDocument,
    "\n  mutation BeginPasskeyRegistration($password: String!) {\n    beginPasskeyRegistration(password: $password)\n  }\n": typeof types.BeginPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($response: String!, $name: String!) {\n    finishPasskeyRegistration(response: $response, name: $name) {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n": typeof types.FinishPasskeyRegistrationDocument,
    "\n  query Passkeys {\n    passkeys {\n      id\n      name\n      lastUsedAt\n    }\n  }\n": typeof types.PasskeysDocument,
    "\n  mutation RemovePasskey($id: ID!, $password: String!) {\n    removePasskey(id: $id, password: $password)\n  }\n": typeof types.RemovePasskeyDocument,
    "\n  mutation BeginPasskeySignIn($challenge: String) {\n    beginPasskeySignIn(challenge: $challenge)\n  }\n": typeof types.BeginPasskeySignInDocument,
    "\n  mutation FinishPasskeySignIn($response: String!) {\n    finishPasskeySignIn(response: $response) {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.FinishPasskeySignInDocument,
    "\n  mutation CompleteMfaWithPasskey($challenge: String!, $passkey: String!) {\n    completeMfaSignIn(challenge: $challenge, passkey: $passkey) {\n      ...AuthPayloadFields\n    }\n  }\n": typeof types.CompleteMfaWithPasskeyDocument,
};
const documents: Documents = {
    "\n  fragment UserFields on User {\n    id\n    username\n    email\n    fullName\n    roles\n    disabled\n    mustChangePassword\n    createdAt\n    updatedAt\n  }\n": types.UserFieldsFragmentDoc,
    "\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    tokenType\n    expiresIn\n    refreshToken\n    refreshExpiresIn\n    deviceToken\n    user {\n      ...UserFields\n    }\n  }\n": types.AuthPayloadFieldsFragmentDoc,
    "\n  mutation Login($username: String!, $password: String!, $deviceToken: String) {\n    login(username: $username, password: $password, deviceToken: $deviceToken) {\n      ...AuthPayloadFields\n    }\n  }\n": types.LoginDocument,
    "\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n": types.MeDocument,
    "\n  query Health {\n    health\n  }\n": types.HealthDocument,
    "\n  query PasswordPolicy {\n    passwordPolicy {\n      minLength\n      maxLength\n      refusesCommonPasswords\n    }\n  }\n": types.PasswordPolicyDocument,
    "\n  query HealthAndUserOnly {\n    health\n    userOnly\n  }\n": types.HealthAndUserOnlyDocument,
    "\n  query AdminOnly {\n    adminOnly\n  }\n": types.AdminOnlyDocument,
    "\n  query UserOnly {\n    userOnly\n  }\n": types.UserOnlyDocument,
    "\n  query Users($first: Int, $after: String) {\n    users(first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          username\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.UsersDocument,
    "\n  query User($id: ID!) {\n    user(id: $id) {\n      ...UserFields\n    }\n  }\n": types.UserDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n": types.UpdateUserDocument,
    "\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n": types.DeleteUserDocument,
    "\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthPayloadFields\n    }\n  }\n": types.RefreshTokenDocument,
    "\n  mutation RefreshFromCookie {\n    refreshToken {\n      ...AuthPayloadFields\n    }\n  }\n": types.RefreshFromCookieDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n": types.ChangePasswordDocument,
    "\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ipAddress\n      current\n    }\n  }\n": types.SessionsDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": types.LogoutAllDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": types.RevokeSessionDocument,
    "\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n": types.RevokeUserSessionsDocument,
    "\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          at\n          action\n          outcome\n          actorId\n          actorName\n          targetId\n          ipAddress\n          requestId\n          details\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AuditEventsDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input)\n  }\n": types.SignUpDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n": types.VerifyEmailDocument,
    "\n  mutation ResendEmailVerification {\n    resendEmailVerification\n  }\n": types.ResendEmailVerificationDocument,
    "\n  query MyEmail {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n": types.MyEmailDocument,
    "\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      id\n      email\n      fullName\n      roles\n      invitedBy {\n        id\n        username\n      }\n      createdAt\n      expiresAt\n    }\n  }\n": types.InviteUserDocument,
    "\n  query Invitations($first: Int, $after: String) {\n    invitations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          email\n          roles\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.InvitationsDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n": types.RevokeInvitationDocument,
    "\n  mutation AcceptInvitation($token: String!, $username: String!, $password: String!) {\n    acceptInvitation(token: $token, username: $username, password: $password) {\n      ...AuthPayloadFields\n      user {\n        emailVerified\n      }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  mutation UpdateMe($input: UpdateMeInput!) {\n    updateMe(input: $input) {\n      id\n      email\n      emailVerified\n      fullName\n    }\n  }\n": types.UpdateMeDocument,
    "\n  mutation DeleteMe($password: String!) {\n    deleteMe(password: $password)\n  }\n": types.DeleteMeDocument,
    "\n  query MySecurityEvents($first: Int, $after: String) {\n    mySecurityEvents(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          action\n          outcome\n          actorId\n          targetId\n          ipAddress\n          userAgent\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MySecurityEventsDocument,
    "\n  mutation BeginTotpEnrollment($password: String!) {\n    beginTotpEnrollment(password: $password) {\n      secret\n      otpauthUri\n      qrCodeDataUrl\n    }\n  }\n": types.BeginTotpEnrollmentDocument,
    "\n  mutation ConfirmTotpEnrollment($code: String!) {\n    confirmTotpEnrollment(code: $code)\n  }\n": types.ConfirmTotpEnrollmentDocument,
    "\n  mutation RegenerateRecoveryCodes($code: String) {\n    regenerateRecoveryCodes(code: $code)\n  }\n": types.RegenerateRecoveryCodesDocument,
    "\n  mutation DisableTotp($password: String!, $code: String!) {\n    disableTotp(password: $password, code: $code)\n  }\n": types.DisableTotpDocument,
    "\n  mutation CompleteMfaSignIn($challenge: String!, $code: String!) {\n    completeMfaSignIn(challenge: $challenge, code: $code) {\n      ...AuthPayloadFields\n      recoveryCodesRemaining\n      user {\n        mfaMethods\n      }\n    }\n  }\n": types.CompleteMfaSignInDocument,
    "\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId)\n  }\n": types.ResetUserMfaDocument,
    "\n  query MyFactors {\n    me {\n      id\n      mfaMethods\n    }\n  }\n": types.MyFactorsDocument,
    "\n  mutation BeginPasskeyRegistration($password: String!) {\n    beginPasskeyRegistration(password: $password)\n  }\n": types.BeginPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($response: String!, $name: String!) {\n    finishPasskeyRegistration(response: $response, name: $name) {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n": types.FinishPasskeyRegistrationDocument,
    "\n  query Passkeys {\n    passkeys {\n      id\n      name\n      lastUsedAt\n    }\n  }\n": types.PasskeysDocument,
    "\n  mutation RemovePasskey($id: ID!, $password: String!) {\n    removePasskey(id: $id, password: $password)\n  }\n": types.RemovePasskeyDocument,
    "\n  mutation BeginPasskeySignIn($challenge: String) {\n    beginPasskeySignIn(challenge: $challenge)\n  }\n": types.BeginPasskeySignInDocument,
    "\n  mutation FinishPasskeySignIn($response: String!) {\n    finishPasskeySignIn(response: $response) {\n      ...AuthPayloadFields\n    }\n  }\n": types.FinishPasskeySignInDocument,
    "\n  mutation CompleteMfaWithPasskey($challenge: String!, $passkey: String!) {\n    completeMfaSignIn(challenge: $challenge, passkey: $passkey) {\n      ...AuthPayloadFields\n    }\n  }\n": types.CompleteMfaWithPasskeyDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    username\n    email\n    fullName\n    roles\n    disabled\n    mustChangePassword\n    createdAt\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    username\n    email\n    fullName\n    roles\n    disabled\n    mustChangePassword\n    createdAt\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    tokenType\n    expiresIn\n    refreshToken\n    refreshExpiresIn\n    deviceToken\n    user {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  fragment AuthPayloadFields on AuthPayload {\n    accessToken\n    tokenType\n    expiresIn\n    refreshToken\n    refreshExpiresIn\n    deviceToken\n    user {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!, $deviceToken: String) {\n    login(username: $username, password: $password, deviceToken: $deviceToken) {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation Login($username: String!, $password: String!, $deviceToken: String) {\n    login(username: $username, password: $password, deviceToken: $deviceToken) {\n      ...AuthPayloadFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Health {\n    health\n  }\n"): (typeof documents)["\n  query Health {\n    health\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PasswordPolicy {\n    passwordPolicy {\n      minLength\n      maxLength\n      refusesCommonPasswords\n    }\n  }\n"): (typeof documents)["\n  query PasswordPolicy {\n    passwordPolicy {\n      minLength\n      maxLength\n      refusesCommonPasswords\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HealthAndUserOnly {\n    health\n    userOnly\n  }\n"): (typeof documents)["\n  query HealthAndUserOnly {\n    health\n    userOnly\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminOnly {\n    adminOnly\n  }\n"): (typeof documents)["\n  query AdminOnly {\n    adminOnly\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserOnly {\n    userOnly\n  }\n"): (typeof documents)["\n  query UserOnly {\n    userOnly\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users($first: Int, $after: String) {\n    users(first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          username\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Users($first: Int, $after: String) {\n    users(first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          username\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query User($id: ID!) {\n    user(id: $id) {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  query User($id: ID!) {\n    user(id: $id) {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteUser($id: ID!) {\n    deleteUser(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthPayloadFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshFromCookie {\n    refreshToken {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshFromCookie {\n    refreshToken {\n      ...AuthPayloadFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ipAddress\n      current\n    }\n  }\n"): (typeof documents)["\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ipAddress\n      current\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogoutAll {\n    logoutAll\n  }\n"): (typeof documents)["\n  mutation LogoutAll {\n    logoutAll\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          at\n          action\n          outcome\n          actorId\n          actorName\n          targetId\n          ipAddress\n          requestId\n          details\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          at\n          action\n          outcome\n          actorId\n          actorName\n          targetId\n          ipAddress\n          requestId\n          details\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($token: String!, $newPassword: String!) {\n    resetPassword(token: $token, newPassword: $newPassword) {\n      ...AuthPayloadFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input)\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResendEmailVerification {\n    resendEmailVerification\n  }\n"): (typeof documents)["\n  mutation ResendEmailVerification {\n    resendEmailVerification\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyEmail {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n"): (typeof documents)["\n  query MyEmail {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      id\n      email\n      fullName\n      roles\n      invitedBy {\n        id\n        username\n      }\n      createdAt\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation InviteUser($input: InviteUserInput!) {\n    inviteUser(input: $input) {\n      id\n      email\n      fullName\n      roles\n      invitedBy {\n        id\n        username\n      }\n      createdAt\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Invitations($first: Int, $after: String) {\n    invitations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          email\n          roles\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Invitations($first: Int, $after: String) {\n    invitations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          email\n          roles\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($token: String!, $username: String!, $password: String!) {\n    acceptInvitation(token: $token, username: $username, password: $password) {\n      ...AuthPayloadFields\n      user {\n        emailVerified\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($token: String!, $username: String!, $password: String!) {\n    acceptInvitation(token: $token, username: $username, password: $password) {\n      ...AuthPayloadFields\n      user {\n        emailVerified\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMe($input: UpdateMeInput!) {\n    updateMe(input: $input) {\n      id\n      email\n      emailVerified\n      fullName\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMe($input: UpdateMeInput!) {\n    updateMe(input: $input) {\n      id\n      email\n      emailVerified\n      fullName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMe($password: String!) {\n    deleteMe(password: $password)\n  }\n"): (typeof documents)["\n  mutation DeleteMe($password: String!) {\n    deleteMe(password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySecurityEvents($first: Int, $after: String) {\n    mySecurityEvents(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          action\n          outcome\n          actorId\n          targetId\n          ipAddress\n          userAgent\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query MySecurityEvents($first: Int, $after: String) {\n    mySecurityEvents(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          action\n          outcome\n          actorId\n          targetId\n          ipAddress\n          userAgent\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginTotpEnrollment($password: String!) {\n    beginTotpEnrollment(password: $password) {\n      secret\n      otpauthUri\n      qrCodeDataUrl\n    }\n  }\n"): (typeof documents)["\n  mutation BeginTotpEnrollment($password: String!) {\n    beginTotpEnrollment(password: $password) {\n      secret\n      otpauthUri\n      qrCodeDataUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTotpEnrollment($code: String!) {\n    confirmTotpEnrollment(code: $code)\n  }\n"): (typeof documents)["\n  mutation ConfirmTotpEnrollment($code: String!) {\n    confirmTotpEnrollment(code: $code)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegenerateRecoveryCodes($code: String) {\n    regenerateRecoveryCodes(code: $code)\n  }\n"): (typeof documents)["\n  mutation RegenerateRecoveryCodes($code: String) {\n    regenerateRecoveryCodes(code: $code)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableTotp($password: String!, $code: String!) {\n    disableTotp(password: $password, code: $code)\n  }\n"): (typeof documents)["\n  mutation DisableTotp($password: String!, $code: String!) {\n    disableTotp(password: $password, code: $code)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteMfaSignIn($challenge: String!, $code: String!) {\n    completeMfaSignIn(challenge: $challenge, code: $code) {\n      ...AuthPayloadFields\n      recoveryCodesRemaining\n      user {\n        mfaMethods\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteMfaSignIn($challenge: String!, $code: String!) {\n    completeMfaSignIn(challenge: $challenge, code: $code) {\n      ...AuthPayloadFields\n      recoveryCodesRemaining\n      user {\n        mfaMethods\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyFactors {\n    me {\n      id\n      mfaMethods\n    }\n  }\n"): (typeof documents)["\n  query MyFactors {\n    me {\n      id\n      mfaMethods\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginPasskeyRegistration($password: String!) {\n    beginPasskeyRegistration(password: $password)\n  }\n"): (typeof documents)["\n  mutation BeginPasskeyRegistration($password: String!) {\n    beginPasskeyRegistration(password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeyRegistration($response: String!, $name: String!) {\n    finishPasskeyRegistration(response: $response, name: $name) {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n"): (typeof documents)["\n  mutation FinishPasskeyRegistration($response: String!, $name: String!) {\n    finishPasskeyRegistration(response: $response, name: $name) {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Passkeys {\n    passkeys {\n      id\n      name\n      lastUsedAt\n    }\n  }\n"): (typeof documents)["\n  query Passkeys {\n    passkeys {\n      id\n      name\n      lastUsedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemovePasskey($id: ID!, $password: String!) {\n    removePasskey(id: $id, password: $password)\n  }\n"): (typeof documents)["\n  mutation RemovePasskey($id: ID!, $password: String!) {\n    removePasskey(id: $id, password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginPasskeySignIn($challenge: String) {\n    beginPasskeySignIn(challenge: $challenge)\n  }\n"): (typeof documents)["\n  mutation BeginPasskeySignIn($challenge: String) {\n    beginPasskeySignIn(challenge: $challenge)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeySignIn($response: String!) {\n    finishPasskeySignIn(response: $response) {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation FinishPasskeySignIn($response: String!) {\n    finishPasskeySignIn(response: $response) {\n      ...AuthPayloadFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteMfaWithPasskey($challenge: String!, $passkey: String!) {\n    completeMfaSignIn(challenge: $challenge, passkey: $passkey) {\n      ...AuthPayloadFields\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteMfaWithPasskey($challenge: String!, $passkey: String!) {\n    completeMfaSignIn(challenge: $challenge, passkey: $passkey) {\n      ...AuthPayloadFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
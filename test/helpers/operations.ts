import { graphql } from '../__generated__';

/** The operations a frontend would send, typed by codegen's client preset. */

export const UserFieldsFragment = graphql(`
  fragment UserFields on User {
    id
    username
    email
    fullName
    roles
    disabled
    mustChangePassword
    createdAt
    updatedAt
  }
`);

export const AuthPayloadFieldsFragment = graphql(`
  fragment AuthPayloadFields on AuthPayload {
    accessToken
    tokenType
    expiresIn
    refreshToken
    refreshExpiresIn
    deviceToken
    user {
      ...UserFields
    }
  }
`);

export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!, $deviceToken: String) {
    login(username: $username, password: $password, deviceToken: $deviceToken) {
      ...AuthPayloadFields
    }
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      ...UserFields
    }
  }
`);

export const HealthQuery = graphql(`
  query Health {
    health
  }
`);

export const PasswordPolicyQuery = graphql(`
  query PasswordPolicy {
    passwordPolicy {
      minLength
      maxLength
      refusesCommonPasswords
    }
  }
`);

/** A public and a guarded field in one operation. */
export const HealthAndUserOnlyQuery = graphql(`
  query HealthAndUserOnly {
    health
    userOnly
  }
`);

export const AdminOnlyQuery = graphql(`
  query AdminOnly {
    adminOnly
  }
`);

export const UserOnlyQuery = graphql(`
  query UserOnly {
    userOnly
  }
`);

export const UsersQuery = graphql(`
  query Users($first: Int, $after: String) {
    users(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          username
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const UserQuery = graphql(`
  query User($id: ID!) {
    user(id: $id) {
      ...UserFields
    }
  }
`);

export const CreateUserMutation = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      ...UserFields
    }
  }
`);

export const UpdateUserMutation = graphql(`
  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
    updateUser(id: $id, input: $input) {
      ...UserFields
    }
  }
`);

export const DeleteUserMutation = graphql(`
  mutation DeleteUser($id: ID!) {
    deleteUser(id: $id)
  }
`);

export const RefreshTokenMutation = graphql(`
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      ...AuthPayloadFields
    }
  }
`);

export const RefreshFromCookieMutation = graphql(`
  mutation RefreshFromCookie {
    refreshToken {
      ...AuthPayloadFields
    }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      ...AuthPayloadFields
    }
  }
`);

export const SessionsQuery = graphql(`
  query Sessions {
    sessions {
      id
      createdAt
      lastUsedAt
      expiresAt
      userAgent
      ipAddress
      current
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

export const LogoutAllMutation = graphql(`
  mutation LogoutAll {
    logoutAll
  }
`);

export const RevokeSessionMutation = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

export const RevokeUserSessionsMutation = graphql(`
  mutation RevokeUserSessions($userId: ID!) {
    revokeUserSessions(userId: $userId)
  }
`);

export const AuditEventsQuery = graphql(`
  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {
    auditEvents(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          id
          at
          action
          outcome
          actorId
          actorName
          targetId
          ipAddress
          requestId
          details
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

export const ResetPasswordMutation = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      ...AuthPayloadFields
    }
  }
`);

export const SignUpMutation = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input)
  }
`);

export const VerifyEmailMutation = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token)
  }
`);

export const ResendEmailVerificationMutation = graphql(`
  mutation ResendEmailVerification {
    resendEmailVerification
  }
`);

export const MyEmailQuery = graphql(`
  query MyEmail {
    me {
      id
      email
      emailVerified
    }
  }
`);

export const InviteUserMutation = graphql(`
  mutation InviteUser($input: InviteUserInput!) {
    inviteUser(input: $input) {
      id
      email
      fullName
      roles
      invitedBy {
        id
        username
      }
      createdAt
      expiresAt
    }
  }
`);

export const InvitationsQuery = graphql(`
  query Invitations($first: Int, $after: String) {
    invitations(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          email
          roles
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const RevokeInvitationMutation = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id)
  }
`);

export const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($token: String!, $username: String!, $password: String!) {
    acceptInvitation(token: $token, username: $username, password: $password) {
      ...AuthPayloadFields
      user {
        emailVerified
      }
    }
  }
`);

export const UpdateMeMutation = graphql(`
  mutation UpdateMe($input: UpdateMeInput!) {
    updateMe(input: $input) {
      id
      email
      emailVerified
      fullName
    }
  }
`);

export const DeleteMeMutation = graphql(`
  mutation DeleteMe($password: String!) {
    deleteMe(password: $password)
  }
`);

export const MySecurityEventsQuery = graphql(`
  query MySecurityEvents($first: Int, $after: String) {
    mySecurityEvents(first: $first, after: $after) {
      edges {
        cursor
        node {
          action
          outcome
          actorId
          targetId
          ipAddress
          userAgent
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const BeginTotpEnrollmentMutation = graphql(`
  mutation BeginTotpEnrollment($password: String!) {
    beginTotpEnrollment(password: $password) {
      secret
      otpauthUri
      qrCodeDataUrl
    }
  }
`);

export const ConfirmTotpEnrollmentMutation = graphql(`
  mutation ConfirmTotpEnrollment($code: String!) {
    confirmTotpEnrollment(code: $code)
  }
`);

export const RegenerateRecoveryCodesMutation = graphql(`
  mutation RegenerateRecoveryCodes($code: String) {
    regenerateRecoveryCodes(code: $code)
  }
`);

export const DisableTotpMutation = graphql(`
  mutation DisableTotp($password: String!, $code: String!) {
    disableTotp(password: $password, code: $code)
  }
`);

export const CompleteMfaSignInMutation = graphql(`
  mutation CompleteMfaSignIn($challenge: String!, $code: String!) {
    completeMfaSignIn(challenge: $challenge, code: $code) {
      ...AuthPayloadFields
      recoveryCodesRemaining
      user {
        mfaMethods
      }
    }
  }
`);

export const ResetUserMfaMutation = graphql(`
  mutation ResetUserMfa($userId: ID!) {
    resetUserMfa(userId: $userId)
  }
`);

export const MyFactorsQuery = graphql(`
  query MyFactors {
    me {
      id
      mfaMethods
    }
  }
`);

export const BeginPasskeyRegistrationMutation = graphql(`
  mutation BeginPasskeyRegistration($password: String!) {
    beginPasskeyRegistration(password: $password)
  }
`);

export const FinishPasskeyRegistrationMutation = graphql(`
  mutation FinishPasskeyRegistration($response: String!, $name: String!) {
    finishPasskeyRegistration(response: $response, name: $name) {
      id
      name
      backedUp
      createdAt
      lastUsedAt
    }
  }
`);

export const PasskeysQuery = graphql(`
  query Passkeys {
    passkeys {
      id
      name
      lastUsedAt
    }
  }
`);

export const RemovePasskeyMutation = graphql(`
  mutation RemovePasskey($id: ID!, $password: String!) {
    removePasskey(id: $id, password: $password)
  }
`);

export const BeginPasskeySignInMutation = graphql(`
  mutation BeginPasskeySignIn($challenge: String) {
    beginPasskeySignIn(challenge: $challenge)
  }
`);

export const FinishPasskeySignInMutation = graphql(`
  mutation FinishPasskeySignIn($response: String!) {
    finishPasskeySignIn(response: $response) {
      ...AuthPayloadFields
    }
  }
`);

export const CompleteMfaWithPasskeyMutation = graphql(`
  mutation CompleteMfaWithPasskey($challenge: String!, $passkey: String!) {
    completeMfaSignIn(challenge: $challenge, passkey: $passkey) {
      ...AuthPayloadFields
    }
  }
`);

import { graphql } from './gql';

export const SignInMutation = graphql(`
  mutation SignIn($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      accessToken
      expiresIn
    }
  }
`);

export const RefreshMutation = graphql(`
  mutation Refresh {
    refreshToken {
      accessToken
      expiresIn
    }
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      id
      username
      roles
      mustChangePassword
    }
  }
`);

export const UsersQuery = graphql(`
  query Users {
    users(first: 50) {
      edges {
        node {
          id
          username
          roles
          createdAt
        }
      }
    }
  }
`);

export const CreateUserMutation = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      username
    }
  }
`);

export const SessionsQuery = graphql(`
  query Sessions {
    sessions {
      id
      userAgent
      lastUsedAt
      current
    }
  }
`);

export const RevokeSessionMutation = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

export const SignOutMutation = graphql(`
  mutation SignOut {
    logout
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      accessToken
      expiresIn
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
      accessToken
      expiresIn
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

export const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($token: String!, $username: String!, $password: String!) {
    acceptInvitation(token: $token, username: $username, password: $password) {
      accessToken
      expiresIn
    }
  }
`);

export const ResendEmailVerificationMutation = graphql(`
  mutation ResendEmailVerification {
    resendEmailVerification
  }
`);

export const CompleteMfaSignInMutation = graphql(`
  mutation CompleteMfaSignIn($challenge: String!, $code: String, $passkey: String) {
    completeMfaSignIn(challenge: $challenge, code: $code, passkey: $passkey) {
      accessToken
      expiresIn
      recoveryCodesRemaining
    }
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
      accessToken
      expiresIn
    }
  }
`);

export const SecondFactorsQuery = graphql(`
  query SecondFactors {
    me {
      id
      mfaMethods
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

export const PasskeysQuery = graphql(`
  query Passkeys {
    passkeys {
      id
      name
      backedUp
      createdAt
      lastUsedAt
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

export const RemovePasskeyMutation = graphql(`
  mutation RemovePasskey($id: ID!, $password: String!) {
    removePasskey(id: $id, password: $password)
  }
`);

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

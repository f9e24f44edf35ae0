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
    createdAt
    updatedAt
  }
`);

export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      accessToken
      tokenType
      expiresIn
      user {
        ...UserFields
      }
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

import { useMutation } from '@apollo/client/react';
import type { FormEvent } from 'react';
import { ChangePasswordMutation } from './operations';
import { Problem } from './problems';
import { session } from './session';
import { SignOut } from './sign-out';

/**
 * While `me.mustChangePassword` holds, the API refuses everything but `me`, `changePassword` and
 * `logout` (PASSWORD_CHANGE_REQUIRED), so this form is all the app shows.
 */
export function ChoosePassword({ onChanged }: { onChanged: () => void }) {
  const [change, { error, loading }] = useMutation(ChangePasswordMutation);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const { data } = await change({
      variables: {
        currentPassword: String(form.get('currentPassword')),
        newPassword: String(form.get('newPassword')),
      },
    }).catch(() => ({ data: undefined }));
    if (!data?.changePassword) return;
    // Every session ended with the change, this one too: the new token is for a new session,
    // and `me` is asked again with it.
    session.signedIn(data.changePassword.accessToken);
    onChanged();
  };
  return (
    <main>
      <h1>Choose a new password</h1>
      <p>An administrator asks you to choose a new password before you go on.</p>
      <form onSubmit={submit}>
        <input
          name="currentPassword"
          type="password"
          placeholder="Current password"
          autoComplete="current-password"
        />
        <input
          name="newPassword"
          type="password"
          placeholder="New password"
          autoComplete="new-password"
        />
        <button type="submit" disabled={loading}>
          Change password
        </button>
        {error && <Problem error={error} />}
      </form>
      <SignOut />
    </main>
  );
}

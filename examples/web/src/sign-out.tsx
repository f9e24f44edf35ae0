import { useMutation } from '@apollo/client/react';
import { SignOutMutation } from './operations';
import { navigate } from './router';
import { session } from './session';

export function SignOut() {
  const [signOut] = useMutation(SignOutMutation);
  return (
    <button
      type="button"
      onClick={async () => {
        // The API clears the cookie; this tab forgets its access token either way.
        await signOut().catch(() => undefined);
        session.signedOut();
        // The next sign-in, whoever makes it, starts from the home page.
        navigate('/');
      }}
    >
      Sign out
    </button>
  );
}

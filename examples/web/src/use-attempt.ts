import { useState } from 'react';

/**
 * One step of a form that takes several requests (a passkey: options, the browser, the answer):
 * busy while it runs, and its failure, whichever request or the browser it came from, kept to
 * show with `<Problem>`.
 */
export function useAttempt() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, attempt };
}

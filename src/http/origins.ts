/**
 * CORS origins: exact ones (`https://app.example.com`, `http://localhost:5173`) and subdomain
 * patterns (`https://*.vercel.app`). A pattern's `*` stands for exactly one DNS label: it matches
 * `https://my-app.vercel.app`, not `https://vercel.app`, `https://a.b.vercel.app`, another scheme
 * or another port. Anything else is refused at start-up, so a typo never silently allows nothing.
 */

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/** Why `entry` is not an origin or a subdomain pattern, or null when it is one. */
export function findOriginProblem(entry: string): string | null {
  if (entry === '*') return null;
  const pattern = entry.startsWith('https://*.') || entry.startsWith('http://*.');
  const concrete = pattern ? entry.replace('*', 'x') : entry;
  if (concrete.includes('*')) return 'may hold "*" only as its first label (https://*.example.com)';
  let url: URL;
  try {
    url = new URL(concrete);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be http or https';
  // An origin is scheme, host and port only: no path (not even "/"), query, user or password.
  if (url.origin !== concrete) return 'must be scheme://host[:port], lower case, with no path';
  if (pattern && url.hostname.split('.').length < 3) {
    return 'must keep at least two labels after "*." (https://*.example.com)';
  }
  return null;
}

/** A matcher for the configured origins (already checked by findOriginProblem). */
export function originMatcher(entries: readonly string[]): (origin: string) => boolean {
  if (entries.includes('*')) return () => true;
  const exact = new Set(entries.filter((entry) => !entry.includes('*')));
  const patterns = entries
    .filter((entry) => entry.includes('*'))
    .map((entry) => {
      const [scheme, rest] = entry.split('*.', 2) as [string, string];
      return new RegExp(`^${escape(scheme)}${LABEL}\\.${escape(rest)}$`);
    });
  return (origin) => exact.has(origin) || patterns.some((pattern) => pattern.test(origin));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

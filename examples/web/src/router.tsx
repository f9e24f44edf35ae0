import type { MouseEvent, ReactNode } from 'react';

/**
 * Where the app is: the address bar's path, and the token of the emailed link that opened it.
 * The token is kept here, in memory, and taken out of the address bar at once, so it lingers
 * neither in the history nor in a Referer.
 */
export interface Route {
  readonly path: string;
  readonly token: string | null;
}

/** The signed-in user's second factors; the app sends users there when their role needs one. */
export const SECURITY_PATH = '/security';

let route: Route = { path: '/', token: null };
const listeners = new Set<() => void>();

function go(next: Route) {
  route = next;
  for (const listener of listeners) listener();
}

export const router = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  route: () => route,
};

/** Reads the address bar once, at start-up, and follows the back and forward buttons. */
export function startRouter() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token !== null) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  }
  route = { path: url.pathname, token };
  window.addEventListener('popstate', () => go({ path: window.location.pathname, token: null }));
}

/** Goes to `path`; going where the app already is adds no history entry. */
export function navigate(path: string) {
  if (path === route.path) return;
  window.history.pushState(null, '', path);
  go({ path, token: null });
}

/** An in-app link: a real `href` (it opens in a new tab too), followed without a reload. */
export function Link({ to, children }: { to: string; children: ReactNode }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={follow}>
      {children}
    </a>
  );
}

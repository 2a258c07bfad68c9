/**
 * The API token in the browser. `serve` and `demo` print a URL with the token in the
 * fragment (`#token=…`): a fragment never reaches the server, so it stays out of access
 * logs and Referer headers. On load it moves to sessionStorage (gone when the tab closes)
 * and is wiped from the address bar and history.
 */
const key = 'kubetriage.token';

export function takeTokenFromLocation(): void {
  const m = /^#token=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  sessionStorage.setItem(key, decodeURIComponent(m[1]));
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/`);
}

export function token(): string | undefined {
  return sessionStorage.getItem(key) ?? undefined;
}

export function setToken(value: string): void {
  sessionStorage.setItem(key, value.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(key);
}

// The session: a short-lived access token kept in memory only (never the password, never in
// storage), renewed with POST /refresh before its `exp`. When renewal is refused (401) or the
// server has no /refresh (404), the session ends and the page asks for the password again.

import { ApiError, call } from './api.js';

/** Reads the claims of a JWT without checking it (the server checks it). */
export function claims(token) {
  const part = token.split('.')[1] ?? '';
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  try {
    return JSON.parse(atob(padded));
  } catch {
    return {};
  }
}

/** Holds the token and keeps it fresh. */
export class Session {
  /** @param {() => void} onEnded called once when the session cannot be renewed */
  constructor(onEnded) {
    this.onEnded = onEnded;
    this.token = null;
    this.userId = null;
    this.timer = 0;
    this.refreshing = null;
    this.failures = 0;
  }

  /** Logs in; throws ApiError on failure. The password is not kept. */
  async login(username, password) {
    const answer = await call('POST', '/authenticate', { body: { username, password } });
    this.accept(answer);
  }

  /** Whether a token is held. */
  get active() {
    return this.token !== null;
  }

  accept(answer) {
    if (!answer || typeof answer.token !== 'string') {
      throw new ApiError('failed', 200, 'the server answered without a token');
    }
    this.token = answer.token;
    this.userId = typeof answer.user_id === 'string' ? answer.user_id : claims(answer.token).sub;
    this.failures = 0;
    this.schedule();
  }

  /**
   * Renews before expiry: after 70 % of the token's lifetime (exp - iat, less one second since
   * both are whole seconds), or sooner if this machine's clock says `exp` is nearer.
   */
  schedule() {
    clearTimeout(this.timer);
    const { exp, iat } = claims(this.token);
    if (typeof exp !== 'number') return;
    const lifetime = typeof iat === 'number' && exp > iat ? exp - iat : 60;
    const byLifetime = (lifetime - 1) * 0.7;
    const byClock = exp - Date.now() / 1000 - 1;
    const secs = byClock > 0 ? Math.min(byLifetime, byClock * 0.8) : byLifetime;
    const delayMs = Math.max(500, secs * 1000);
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {});
    }, delayMs);
  }

  /** Swaps the token for a new one; one call at a time. */
  refresh() {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async doRefresh() {
    if (!this.token) throw new ApiError('unauthorized', 401, 'not signed in');
    try {
      this.accept(await call('POST', '/refresh', { token: this.token }));
    } catch (err) {
      if (err instanceof ApiError && (err.kind === 'unauthorized' || err.kind === 'not-found')) {
        this.end();
      } else {
        // Server away or busy: try again soon while the token may still be valid.
        this.failures += 1;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.refresh().catch(() => {});
        }, Math.min(30000, 1000 * 2 ** this.failures));
      }
      throw err;
    }
  }

  /**
   * Calls an authenticated route; on 401, renews once and tries again.
   * @param {string} method
   * @param {string} path
   */
  async call(method, path) {
    try {
      return await call(method, path, { token: this.token });
    } catch (err) {
      if (!(err instanceof ApiError) || err.kind !== 'unauthorized' || !this.token) throw err;
      await this.refresh();
      return call(method, path, { token: this.token });
    }
  }

  /** Forgets the token and tells the page. */
  end() {
    const wasActive = this.token !== null;
    this.signOut();
    if (wasActive) this.onEnded();
  }

  /** Forgets the token without telling anyone. */
  signOut() {
    clearTimeout(this.timer);
    this.token = null;
    this.userId = null;
  }
}

// HTTP calls to the server this page came from. Every failure becomes an ApiError with a kind
// the page can explain: wrong credentials, rate limited, busy, missing route or unreachable.

/** Why a call failed. */
export class ApiError extends Error {
  /**
   * @param {'unauthorized'|'rate-limited'|'busy'|'not-found'|'unreachable'|'failed'} kind
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} message the server's `error` text or a description
   * @param {number|null} retryAfter seconds from `Retry-After`, if given
   */
  constructor(kind, status, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function kindOf(status) {
  switch (status) {
    case 401: return 'unauthorized';
    case 429: return 'rate-limited';
    case 503: return 'busy';
    case 404: return 'not-found';
    default: return 'failed';
  }
}

function retryAfterSecs(response) {
  const header = response.headers.get('Retry-After');
  if (header === null) return null;
  const secs = Number.parseInt(header, 10);
  if (Number.isFinite(secs)) return Math.max(0, secs);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - Date.now()) / 1000)) : null;
}

/**
 * Calls `path` on this origin and returns the parsed JSON body.
 * @param {string} method
 * @param {string} path
 * @param {{token?: string, body?: unknown, timeoutMs?: number}} options
 */
export async function call(method, path, { token, body, timeoutMs = 10000 } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ApiError('unreachable', 0, err instanceof Error ? err.message : String(err));
  }
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const message = parsed && typeof parsed.error === 'string' ? parsed.error : response.statusText;
    throw new ApiError(kindOf(response.status), response.status, message, retryAfterSecs(response));
  }
  return parsed;
}

/** What to tell the user about a failed sign-in to the server at `host`. */
export function explain(err, host) {
  if (!(err instanceof ApiError)) return `Something went wrong: ${err}`;
  const secs = err.retryAfter;
  const wait = secs === null ? 'a moment' : `${secs} second${secs === 1 ? '' : 's'}`;
  switch (err.kind) {
    case 'unauthorized': return 'Wrong user name or password.';
    case 'rate-limited': return `Too many failed attempts. Try again in ${wait}.`;
    case 'busy': return `The server is busy checking other sign-ins. Try again in ${wait}.`;
    case 'unreachable': return `Cannot reach the server at ${host}. Is it running?`;
    default: return `The server refused the sign-in: ${err.message} (${err.status}).`;
  }
}

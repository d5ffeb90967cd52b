// The sign-in messages for every failure the server can answer, without a browser: 503 (the
// verification queue is full) cannot be provoked on demand against a real server.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, explain } from '../../core/web/assets/api.js';

test('each failed sign-in gets its own clear message', () => {
  const host = '127.0.0.1:4500';
  const cases = [
    [new ApiError('unauthorized', 401, 'invalid username or password'), 'Wrong user name or password.'],
    [new ApiError('rate-limited', 429, 'too many failed login attempts', 8), 'Too many failed attempts. Try again in 8 seconds.'],
    [new ApiError('rate-limited', 429, 'too many failed login attempts', 1), 'Too many failed attempts. Try again in 1 second.'],
    [new ApiError('rate-limited', 429, 'too many failed login attempts'), 'Too many failed attempts. Try again in a moment.'],
    [new ApiError('busy', 503, 'login queue is full', 2), 'The server is busy checking other sign-ins. Try again in 2 seconds.'],
    [new ApiError('unreachable', 0, 'Failed to fetch'), 'Cannot reach the server at 127.0.0.1:4500. Is it running?'],
    [new ApiError('failed', 400, 'malformed json body'), 'The server refused the sign-in: malformed json body (400).'],
  ];
  for (const [err, want] of cases) assert.equal(explain(err, host), want);
});

// The live stream through the worker flow: POST /worker, then a websocket to /connect on this
// page's own origin (wss: when the page came over https), asking for the detailed frame
// (`detail=full`, DESIGN 5.7: per-process CPU, sensors, disk I/O, GPUs, batteries). A lost connection is retried with
// exponential back-off and jitter; a silent one (no frame for a while) is treated as lost.

import { ApiError } from './api.js';

const MAX_DELAY_MS = 30000;
const SILENCE_MS = 15000;

/** The websocket URL for a worker, built from `location`, keeping its id and subscriber. */
export function socketUrl(worker, userId) {
  let id = worker.id;
  let subscriber = userId;
  try {
    const given = new URL(worker.url);
    id = given.searchParams.get('id') ?? id;
    subscriber = given.searchParams.get('subscriber') ?? subscriber;
  } catch {
    // No usable URL: the id and our own user id do.
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams({ id, subscriber, detail: 'full' });
  return `${scheme}//${location.host}/connect?${query}`;
}

/** One subscription that keeps itself connected until stopped. */
export class Stream {
  /**
   * @param {import('./session.js').Session} session
   * @param {{onFrame: (frame: object) => void, onState: (state: string, detail?: object) => void}} handlers
   */
  constructor(session, { onFrame, onState }) {
    this.session = session;
    this.onFrame = onFrame;
    this.onState = onState;
    this.socket = null;
    this.live = false;
    this.retry = 0;
    this.attempts = 0;
    this.watchdog = 0;
    this.stopped = true;
    /** Bumped by start and stop, so a connect still in flight from before knows to give up. */
    this.generation = 0;
    this.connecting = false;
  }

  start() {
    this.stop();
    this.stopped = false;
    this.attempts = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.generation += 1;
    this.connecting = false;
    this.live = false;
    clearTimeout(this.retry);
    clearTimeout(this.watchdog);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000);
      this.socket = null;
    }
  }

  async connect() {
    if (this.stopped || this.connecting) return;
    const generation = this.generation;
    this.connecting = true;
    let worker;
    try {
      worker = await this.session.call('POST', '/worker');
    } catch (err) {
      if (generation !== this.generation) return;
      this.connecting = false;
      if (!this.session.active) return; // the session ended: the page shows the login
      this.lost(err);
      return;
    }
    if (generation !== this.generation) return;
    this.connecting = false;
    const socket = new WebSocket(socketUrl(worker, this.session.userId));
    this.socket = socket;
    this.arm();
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string' || !event.data.startsWith('{')) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.arm();
      if (this.attempts > 0 || !this.live) this.onState('live');
      this.live = true;
      this.attempts = 0;
      this.onFrame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.lost(new Error(event.reason || `connection closed (${event.code})`));
    };
    socket.onerror = () => {};
  }

  /** Restarts the silence timer. */
  arm() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.socket) this.socket.close(4000, 'no data');
    }, SILENCE_MS);
  }

  lost(err) {
    if (this.stopped) return;
    clearTimeout(this.watchdog);
    this.live = false;
    const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempts);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempts += 1;
    const reason = err instanceof ApiError && err.kind === 'unreachable'
      ? 'the server cannot be reached'
      : err.message;
    this.onState('lost', { delay, reason });
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }

  /** Tries at once (e.g. when the tab becomes visible again or the network comes back). */
  nudge() {
    if (this.stopped || this.socket || this.connecting || this.attempts === 0) return;
    clearTimeout(this.retry);
    this.connect();
  }
}

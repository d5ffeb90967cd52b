// Starts the real psmonitor server for the browser tests: a fixture host, a known password, a
// temporary data dir, port 0 (or a given port for a restart), the port read from its
// `listening on http://...` line.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The fixture host every case starts with. */
export const FIXTURE = join(ROOT, 'fixtures/hosts/desktop-intel-wifi.json');
/** The password the test account gets. */
export const PASSWORD = 'browser-test-password-7f3a';
/** The server binary (built by scripts/browser-tests.sh). */
export const BIN = process.env.PSMONITOR_BIN ?? join(ROOT, 'target/debug/psmonitor');

/** A new empty directory under the system temp dir. */
export function tempDir(prefix = 'psmonitor-web-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts a server; resolves once it listens. `fixture: null` reads this machine instead.
 * @param {{fixture?: string|null, dataDir?: string, port?: number, tokenTtl?: string, interval?: string,
 *   bin?: string}} options
 */
export async function startServer({ fixture = FIXTURE, dataDir = tempDir(), port = 0, tokenTtl, interval, bin = BIN } = {}) {
  const args = ['serve', '--data-dir', dataDir, '--port', String(port)];
  if (fixture !== null) args.push('--fixture', fixture);
  if (tokenTtl) args.push('--token-ttl', tokenTtl);
  if (interval) args.push('--interval', interval);
  const child = spawn(bin, args, {
    env: { ...process.env, PSMONITOR_PASSWORD: PASSWORD, PSMONITOR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 30 s: ${Buffer.concat(stderr)}`)), 30000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code ?? signal}) before listening: ${Buffer.concat(stderr)}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    /** Stops the server (SIGTERM, SIGKILL after 5 s). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Writes a copy of the desktop fixture whose CPU load changes every second for `seconds`
 * (busy share 10 % .. 90 % in a fixed pattern), so the page's CPU figure must change.
 */
export function varyingCpuFixture(seconds = 600) {
  const recording = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const [r0, r1] = recording.readings;
  const fields = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
  const step = (a, b) => fields.reduce((sum, f) => sum + (b[f] - a[f]), 0);
  const advance = (times, ticks, busy) => {
    const used = Math.round(ticks * busy);
    return { ...times, user: times.user + used, idle: times.idle + (ticks - used) };
  };
  const totalTicks = step(r0.cpu.total, r1.cpu.total);
  const coreTicks = r1.cpu.cores.map((core, i) => step(r0.cpu.cores[i], core));
  let last = r1;
  for (let k = 1; k <= seconds; k += 1) {
    const busy = 0.1 + (0.8 * ((k * 37) % 100)) / 100;
    const next = structuredClone(last);
    next.uptime_secs = last.uptime_secs + 1;
    next.cpu.total = advance(last.cpu.total, totalTicks, busy);
    next.cpu.cores = last.cpu.cores.map((core, i) => advance(core, coreTicks[i], busy));
    recording.readings.push(next);
    last = next;
  }
  recording.description = 'desktop-intel-wifi with a CPU load that changes every second';
  const path = join(tempDir('psmonitor-fixture-'), 'varying-cpu.json');
  writeFileSync(path, JSON.stringify(recording));
  return path;
}

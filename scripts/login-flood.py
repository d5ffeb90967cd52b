#!/usr/bin/env python3
"""A spread login flood against `psmonitor serve`: how long each login waits for its answer.

Starts the binary given on a fixture host with a fresh data dir, logs the owner in once from
127.0.0.1, then sends wrong passwords from N fresh loopback addresses (127.0.3.x and up), R
each, all at once; meanwhile the owner logs in again from 127.0.0.1. Prints the status counts,
the slowest answer, and the owner's status and wait.

    scripts/login-flood.py target/debug/psmonitor --addresses 300 --rounds 3
"""
import argparse, json, os, socket, subprocess, sys, tempfile, threading, time

def login(src, port, password, timeout=30):
    body = json.dumps({"username": "PSMonitor", "password": password}).encode()
    req = (b"POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
           b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(req)
        sent = time.monotonic()
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        took = time.monotonic() - sent
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return status, took
    except OSError:
        return 0, None
    finally:
        s.close()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--addresses", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    fixture = os.path.join(here, "..", "fixtures", "hosts", "vm-no-sensors.json")
    data = tempfile.mkdtemp()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSMONITOR_")}
    env.update(PSMONITOR_PASSWORD="owner password", PSMONITOR_DATA_DIR=data,
               PSMONITOR_LOG_LEVEL="error",
               DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/psmonitor-flood-bus")
    p = subprocess.Popen([a.binary, "serve", "--port", "0", "--fixture", fixture],
                         stdout=subprocess.PIPE, env=env, text=True)
    try:
        for line in p.stdout:
            if line.startswith("listening on http://"):
                port = int(line.strip().rsplit(":", 1)[1])
                break
        assert login("127.0.0.1", port, "owner password")[0] == 200
        answers, lock = [], threading.Lock()
        def guesser(n):
            src = "127.0.%d.%d" % (3 + n // 250, 1 + n % 250)
            for _ in range(a.rounds):
                r = login(src, port, "wrong guess")
                with lock:
                    answers.append(r)
        threads = [threading.Thread(target=guesser, args=(n,)) for n in range(a.addresses)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        owner = login("127.0.0.1", port, "owner password")
        for t in threads:
            t.join()
        counts = {}
        for status, _ in answers:
            counts[status] = counts.get(status, 0) + 1
        slowest = max(t for _, t in answers if t is not None)
        print(json.dumps({"answers": len(answers), "statuses": counts,
                          "slowest_s": round(slowest, 2),
                          "owner": {"status": owner[0], "s": round(owner[1] or -1, 2)}}))
    finally:
        p.kill()
        p.wait()

if __name__ == "__main__":
    main()

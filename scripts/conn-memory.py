#!/usr/bin/env python3
"""What idle and unauthenticated connections cost the server in memory.

Starts `psmonitor serve` (the binary given) on a fixture host, opens N connections spread over
many loopback addresses (127.0.3.x, so the per-address cap does not refuse them), and reads the
server's VmRSS before and after, for connections that sent nothing and for connections that sent
a complete head announcing a body that never comes. Prints one markdown table row per case.

    scripts/conn-memory.py target/release/psmonitor --label after --count 5000 \
        --server-args '--header-timeout 60s'
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "hosts", "vm-no-sensors.json")
PER_ADDRESS = 50
HEAD = b"POST /authenticate HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def start(binary, data_dir, extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSMONITOR_")}
    env.update(PSMONITOR_PASSWORD="bench", DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    proc = subprocess.Popen(
        ["prlimit", "--nofile=20000:20000", binary, "serve", "--port", "0",
         "--data-dir", data_dir, "--fixture", FIXTURE, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    for line in proc.stdout:
        if line.startswith("listening on http://"):
            host, port = line.strip().rsplit("/", 1)[1].rsplit(":", 1)
            return proc, (host, int(port))
    sys.exit("the server never said it listens")


def open_connections(addr, count, send_head):
    socks = []
    for i in range(count):
        s = socket.socket()
        s.bind((f"127.0.3.{1 + i // PER_ADDRESS}", 0))
        s.connect(addr)
        if send_head:
            s.sendall(HEAD)
        socks.append(s)
    return socks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--label", default="")
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--server-args", default="", help="extra serve flags, e.g. '--header-timeout 60s'")
    args = ap.parse_args()
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    print("| build | case | connections | RSS before | RSS after | per connection |")
    print("|---|---|---|---|---|---|")
    for case, send_head in (("silent", False), ("head, no body", True)):
        with tempfile.TemporaryDirectory() as data_dir:
            proc, addr = start(args.binary, data_dir, args.server_args.split())
            try:
                time.sleep(1)
                before = rss_kib(proc.pid)
                socks = open_connections(addr, args.count, send_head)
                time.sleep(2)
                after = rss_kib(proc.pid)
                per = (after - before) * 1024 / args.count
                print(f"| {args.label} | {case} | {args.count} | {before / 1024:.1f} MiB "
                      f"| {after / 1024:.1f} MiB | {per / 1024:.1f} KiB |")
                for s in socks:
                    s.close()
            finally:
                proc.terminate()
                proc.wait()


if __name__ == "__main__":
    main()

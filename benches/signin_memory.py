#!/usr/bin/env python3
"""Memory through a sign-in storm: starts the release `alcove` binary on a fresh data
directory (127.0.0.1, a free port), creates the owner through the setup link, fires 200
concurrent sign-ins (100 with the owner's right password, 100 with wrong passwords for
unknown addresses, so every one costs an argon2 hash whatever the throttling), and reads
VmRSS / VmHWM from /proc/<pid>/status.

    cargo build --release && python3 benches/signin_memory.py [path/to/alcove]

Prints the resident memory before the storm (the baseline of this run), the peak (VmHWM)
through it, and the resident memory once the server is idle again, for ROUNDS storms
(default 3; IDLE_WAIT_S seconds apart, default 10). Not a timed test: run it by hand and
compare the figures.
"""

import http.client
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

STORM = 200
ROUNDS = int(os.environ.get("ROUNDS", "3"))
PID = None
OWNER_EMAIL = "owner@riverside.example"
OWNER_PASSWORD = "quiet river lantern morning"
IDLE_WAIT_S = int(os.environ.get("IDLE_WAIT_S", "10"))


def parts(pid):
    """Resident memory split as the kernel counts it: heap and stacks, mapped files."""
    rss = ", ".join(f"{f[3:].lower()} {status_kib(pid, f) / 1024:.1f}" for f in ("RssAnon", "RssFile"))
    return f"{rss}; {status_kib(pid, 'Threads')} threads"


def status_kib(pid, field):
    """A number from /proc/<pid>/status (kB for the memory fields)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


class Visitor:
    """Keeps cookies like a browser and sends Origin on POST; never follows redirects."""

    def __init__(self, host, port, source="127.0.0.1"):
        self.host, self.port, self.source = host, port, source
        self.origin = f"https://{host}:{port}"
        self.cookies = {}
        self.context = ssl._create_unverified_context()  # loopback, self-signed

    def request(self, method, path, fields=None):
        conn = http.client.HTTPSConnection(
            self.host, self.port, context=self.context, timeout=300, source_address=(self.source, 0)
        )
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";")[0]
                k, _, v = pair.partition("=")
                if v and "Max-Age=0" not in value:
                    self.cookies[k.strip()] = v.strip()
                else:
                    self.cookies.pop(k.strip(), None)
        conn.close()
        return resp.status, text

    def post(self, path, page, fields):
        m = re.search(r'name="csrf"[^>]*value="([^"]*)"', page)
        if not m:
            raise RuntimeError(f"no form token on the page for {path}")
        return self.request("POST", path, dict(fields, csrf=m.group(1)))


def start(binary, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALCOVE_")}
    proc = subprocess.Popen(
        [binary, "--data-dir", data_dir, "serve", "--listen", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    origin = link = None
    deadline = time.time() + 120
    for line in proc.stdout:
        line = line.strip()
        if line.startswith("Alcove is listening on "):
            origin = line.removeprefix("Alcove is listening on ").rstrip("/")
        if line.startswith("https://") and "/setup/" in line:
            link = line
        if line == "Press Ctrl+C to stop." or time.time() > deadline:
            break
    if not origin or not link:
        proc.kill()
        raise RuntimeError("the server did not print its address and setup link")
    # Keep draining stdout so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, origin, link


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/alcove"
    with tempfile.TemporaryDirectory() as tmp:
        proc, origin, link = start(binary, os.path.join(tmp, "data"))
        try:
            run(proc.pid, origin, link)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def run(pid, origin, link):
    global PID
    PID = pid
    host, port = urllib.parse.urlparse(origin).hostname, urllib.parse.urlparse(origin).port
    time.sleep(1)
    started_rss = status_kib(pid, "VmRSS")
    owner = Visitor(host, port)
    path = urllib.parse.urlparse(link).path
    status, page = owner.request("GET", path)
    assert status == 200, status
    status, _ = owner.post(
        path,
        page,
        {
            "practice": "Riverside Counselling",
            "name": "Dana Reyes",
            "email": OWNER_EMAIL,
            "password": OWNER_PASSWORD,
            "confirm": OWNER_PASSWORD,
        },
    )
    assert status == 303, f"owner set-up answered {status}"
    time.sleep(4)  # past the 2 s after which an idle hashing thread ends
    baseline = status_kib(pid, "VmRSS")
    baseline_parts = parts(pid)
    hwm_before = status_kib(pid, "VmHWM")

    mib = lambda kib: f"{kib / 1024:.1f} MiB"
    print(f"RSS just after start          : {mib(started_rss)}")
    print(f"baseline RSS before the storm : {mib(baseline)} (owner set up; VmHWM until then {mib(hwm_before)}; {baseline_parts})")
    for round in range(1, ROUNDS + 1):
        took, counts, peak_seen = storm(host, port, f"127.0.0.{round + 1}")
        hwm = status_kib(pid, "VmHWM")
        time.sleep(IDLE_WAIT_S)
        idle = status_kib(pid, "VmRSS")
        print(f"storm {round}: {STORM} concurrent sign-ins in {took:.1f} s; answers by status: {counts}")
        print(f"  peak RSS through the storms : {mib(hwm)} (VmHWM; sampled VmRSS max {mib(peak_seen)})")
        print(f"  idle RSS {IDLE_WAIT_S} s after       : {mib(idle)} ({parts(pid)})")


def storm(host, port, source):
    """Fires STORM sign-ins at once from the loopback address `source` (each storm its own,
    so the per-address limit of the one before does not refuse it unhashed); returns the
    time taken, the answers and the largest VmRSS sampled meanwhile."""
    visitors = [Visitor(host, port, source) for _ in range(STORM)]
    pages = [v.request("GET", "/")[1] for v in visitors]
    barrier = threading.Barrier(STORM)
    statuses = [None] * STORM

    def sign_in(i):
        if i % 2 == 0:
            fields = {"email": OWNER_EMAIL, "password": OWNER_PASSWORD}
        else:
            fields = {"email": f"nobody{i}@elsewhere.example", "password": f"wrong guess {i}"}
        barrier.wait()
        statuses[i] = visitors[i].post("/signin", pages[i], fields)[0]

    started = time.time()
    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(STORM)]
    for t in threads:
        t.start()
    peak_seen = 0
    while any(t.is_alive() for t in threads):
        peak_seen = max(peak_seen, status_kib(PID, "VmRSS"))
        time.sleep(0.05)
    for t in threads:
        t.join()
    counts = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return time.time() - started, dict(sorted(counts.items())), peak_seen


if __name__ == "__main__":
    main()

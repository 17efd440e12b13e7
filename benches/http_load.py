#!/usr/bin/env python3
"""The request path under load, each figure beside a baseline measured in the same run
(issue 12's P1 and P2). Starts the release `alcove` on a fresh data directory (127.0.0.1, a
free port), sets up the owner with sign-in codes, adds a client and 20 conversations, then:

  P1  wrk -t2 -c64 on the signed-in inbox (20 conversations) over TLS, against the bare
      actix-web + rustls server (benches/bare_server.rs) serving a static page of the same
      size; target >= 50 % of its rate, p99 < 10 ms.
  P2  wrk -t2 -c64 posting replies (each answered 303 after its durable commit) into the 20
      conversations, against a loop of 1 KiB writes + fdatasync on the same disk; target
      >= 1.0 x.

and prints Alcove's peak resident memory (VmHWM) through both.

    cargo build --release && cargo bench --bench bare_server --no-run
    python3 benches/http_load.py [target/release/alcove] [bare_server binary]

DURATION (seconds per wrk run, default 10) and ROUNDS (alternating runs of each side,
default 2; the best of each side is kept) are read from the environment. Needs wrk (Debian
package wrk). Not a timed test: run it by hand and compare the ratios.
"""

import glob
import hashlib
import hmac
import os
import re
import base64
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signin_memory as kit  # noqa: E402  (Visitor, start, status_kib)

DURATION = int(os.environ.get("DURATION", "10"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
CONNECTIONS = 64
THREADS = 20
OWNER_EMAIL = "owner@riverside.example"
OWNER_PASSWORD = "quiet river lantern morning"
HERE = os.path.dirname(os.path.abspath(__file__))


def totp(secret_text, at=None):
    """RFC 6238 with Alcove's parameters (SHA-1, 6 digits, 30 s)."""
    compact = "".join(secret_text.split()).upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    step = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def code_after(page, marker):
    at = page.index(marker)
    rest = page[at:]
    return rest[rest.index("<code>") + 6 : rest.index("</code>")]


def location(visitor, method, path, fields=None, page=None):
    """POSTs (with the page's form token) or GETs; returns (status, Location, body)."""
    import http.client
    import ssl

    conn = http.client.HTTPSConnection(visitor.host, visitor.port, context=ssl._create_unverified_context())
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())}
    body = None
    if fields is not None:
        token = re.search(r'name="csrf"[^>]*value="([^"]*)"', page).group(1)
        body = urllib.parse.urlencode(dict(fields, csrf=token))
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = visitor.origin
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode("utf-8", "replace")
    for name, value in resp.getheaders():
        if name.lower() == "set-cookie":
            k, _, v = value.split(";")[0].partition("=")
            if v and "Max-Age=0" not in value:
                visitor.cookies[k.strip()] = v.strip()
    conn.close()
    return resp.status, resp.getheader("Location") or "", text


def seed(origin, link):
    """The owner (with sign-in codes), one client, 20 conversations. Returns the owner's
    visitor and the conversations' paths."""
    host, port = urllib.parse.urlparse(origin).hostname, urllib.parse.urlparse(origin).port
    owner = kit.Visitor(host, port)
    path = urllib.parse.urlparse(link).path
    _, page = owner.request("GET", path)
    status, where, _ = location(
        owner,
        "POST",
        path,
        {
            "practice": "Riverside Counselling",
            "name": "Dana Reyes",
            "email": OWNER_EMAIL,
            "password": OWNER_PASSWORD,
            "confirm": OWNER_PASSWORD,
        },
        page,
    )
    assert status == 303 and where == "/mfa/setup", (status, where)
    _, enroll = owner.request("GET", "/mfa/setup")
    secret = code_after(enroll, "type this key")
    status, _, _ = location(owner, "POST", "/mfa/setup", {"code": totp(secret)}, enroll)
    assert status == 200, status
    _, new = owner.request("GET", "/clients/new")
    status, where, body = location(
        owner, "POST", "/clients", {"legal_name": "Casey Rivera", "email": "casey@example.org"}, new
    )
    assert status == 303, (status, body[:300])
    client = where.removeprefix("/clients/")
    threads = []
    for i in range(THREADS):
        _, compose = owner.request("GET", "/messages/new")
        status, where, body = location(
            owner,
            "POST",
            "/messages",
            {"client": client, "subject": f"Conversation {i + 1}", "body": "Hello, this is a first message."},
            compose,
        )
        assert status == 303, (status, body[:300])
        threads.append(where)
    return owner, threads


def wrk(url, cookie=None, script=None, args=()):
    """One wrk run; returns (requests/s, p99 in ms, non-2xx/3xx answers)."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, float(p99.group(1)) * scale, int(bad.group(1)) if bad else 0


def fdatasync_rate(directory, seconds=DURATION):
    """1 KiB writes, each followed by fdatasync, into a preallocated 4 MiB file on the same
    disk (offsets rotating, so each write is a new block): writes per second."""
    path = os.path.join(directory, "fdatasync-baseline")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(fd, 0, 4 << 20)
        os.fsync(fd)
        chunk = os.urandom(1024)
        n, started = 0, time.time()
        while time.time() - started < seconds:
            os.pwrite(fd, chunk, (n % 4096) * 1024)
            os.fdatasync(fd)
            n += 1
        return n / (time.time() - started)
    finally:
        os.close(fd)
        os.unlink(path)


def start_bare(binary, size):
    proc = subprocess.Popen(
        [binary],
        env=dict(os.environ, BARE_LISTEN="127.0.0.1:0", BARE_BYTES=str(size)),
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    return proc, line.removeprefix("listening on ")


def find_bare():
    found = sorted(
        (p for p in glob.glob("target/release/deps/bare_server-*") if os.access(p, os.X_OK) and not p.endswith(".d")),
        key=os.path.getmtime,
    )
    if not found:
        sys.exit("no bare server: run `cargo bench --bench bare_server --no-run` first")
    return found[-1]


def main():
    alcove = sys.argv[1] if len(sys.argv) > 1 else "target/release/alcove"
    bare_bin = sys.argv[2] if len(sys.argv) > 2 else find_bare()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        proc, origin, link = kit.start(alcove, os.path.join(tmp, "data"))
        bare = None
        try:
            owner, threads = seed(origin, link)
            cookie = "; ".join(f"{k}={v}" for k, v in owner.cookies.items())
            _, inbox = owner.request("GET", "/messages")
            size = len(inbox.encode())
            assert inbox.count('href="/messages/') >= THREADS, "the inbox lists the conversations"
            bare, bare_addr = start_bare(bare_bin, size)
            print(f"inbox page: {size} bytes, {THREADS} conversations; {CONNECTIONS} connections, {DURATION} s per run")

            base, ours = [], []
            for _ in range(ROUNDS):
                base.append(wrk(f"https://{bare_addr}/"))
                ours.append(wrk(f"{origin}/messages", cookie=cookie))
            b, o = max(base), max(ours)
            assert o[2] == 0, f"{o[2]} inbox answers were not 200"
            print(f"P1 bare actix-web + rustls, same page size : {b[0]:>9.0f} req/s  p99 {b[1]:.2f} ms")
            print(f"P1 Alcove signed-in inbox                  : {o[0]:>9.0f} req/s  p99 {o[1]:.2f} ms")
            print(f"P1 ratio                                   : {o[0] / b[0]:.1%} (target >= 50 %, p99 < 10 ms)")

            _, page = owner.request("GET", threads[0])
            token = re.search(r'name="csrf"[^>]*value="([^"]*)"', page).group(1)
            base, ours = [], []
            for _ in range(ROUNDS):
                base.append(fdatasync_rate(tmp))
                ours.append(
                    wrk(
                        f"{origin}/",
                        script=os.path.join(HERE, "http_reply.lua"),
                        args=[token, origin, cookie, *threads],
                    )
                )
            b, o = max(base), max(ours)
            assert o[2] == 0, f"{o[2]} replies were not acknowledged with 303"
            print(f"P2 1 KiB write + fdatasync, same disk      : {b:>9.0f} /s")
            print(f"P2 Alcove durable replies, 64 connections  : {o[0]:>9.0f} /s  p99 {o[1]:.2f} ms")
            print(f"P2 ratio                                   : {o[0] / b:.2f} x (target >= 1.0 x)")
            print(f"Alcove peak RSS (VmHWM) through the loads  : {kit.status_kib(proc.pid, 'VmHWM') / 1024:.1f} MiB")
        finally:
            if bare:
                bare.kill()
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A store of about 1 GiB of files, each figure beside a baseline from the same run (issue
12's P5 and P3, and the space the store takes). Starts the release `alcove` on a fresh data
directory, sets up the owner, a client and a conversation, posts FILES replies with a 24 MiB
file each (default 42, 1 GiB), then prints:

  space  the store file's size against the bytes of the files it holds (target <= 1.3 x);
  P5     restart to /healthz 200, and resident memory right after, on that store, beside
         a start on an empty data directory (target <= 200 ms, <= 20 MB);
  P3     `alcove backup now` against `tar | age` of the same data directory, and `alcove
         restore` against `age -d | tar x` of the same backup, with each one's peak memory
         (targets <= 1.2 x and <= 1.5 x, within 80 MB).

    cargo build --release && python3 benches/store_size.py [target/release/alcove]

Needs `age` and `age-keygen` (Debian package age) and about 4 GiB free where BENCH_DIR
points (default: the system's temporary folder). Not a timed test: run it by hand.
"""

import http.client
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_load as load  # noqa: E402
import signin_memory as kit  # noqa: E402

FILES = int(os.environ.get("FILES", "42"))
FILE_BYTES = 24 << 20


def pdf_like(n, seed):
    """A file the server takes as a PDF: the header, then bytes that do not compress."""
    head = f"%PDF-1.7\n% file {seed}\n".encode()
    return head + os.urandom(n - len(head))


def upload(visitor, thread, data, name):
    _, page = visitor.request("GET", thread)
    token = re.search(r'name="csrf"[^>]*value="([^"]*)"', page).group(1)
    boundary = "----AlcoveBench7d1f9a"
    parts = []
    for k, v in (("csrf", token), ("body", f"File {name}")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
    )
    body = b"".join(parts) + data + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPSConnection(visitor.host, visitor.port, context=ssl._create_unverified_context(), timeout=600)
    conn.request(
        "POST",
        thread,
        body=body,
        headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in visitor.cookies.items()),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": visitor.origin,
        },
    )
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 303, f"upload answered {resp.status}"


def ready_after_start(binary, data_dir):
    """Starts `serve` on `data_dir`; returns (process, origin, seconds to /healthz 200, RSS MiB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALCOVE_")}
    started = time.time()
    proc = subprocess.Popen(
        [binary, "--data-dir", data_dir, "serve", "--listen", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    origin = None
    for line in proc.stdout:
        if line.startswith("Alcove is listening on "):
            origin = line.strip().removeprefix("Alcove is listening on ").rstrip("/")
            break
    url = urllib.parse.urlparse(origin)
    while True:
        try:
            conn = http.client.HTTPSConnection(url.hostname, url.port, context=ssl._create_unverified_context(), timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.005)
    took = time.time() - started
    rss = kit.status_kib(proc.pid, "VmRSS") / 1024
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, origin, took, rss


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def timed(cmd, **kw):
    """Runs `cmd` (a list, or a shell string); returns (seconds, peak RSS MiB of the process).

    The peak is the process's own VmHWM, read every few milliseconds while it runs: the
    `ru_maxrss` that wait4 reports would start from this Python process's size, which a
    child spawned with vfork inherits across exec."""
    started = time.time()
    proc = subprocess.Popen(cmd, shell=isinstance(cmd, str), stdout=subprocess.DEVNULL, **kw)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, kit.status_kib(proc.pid, "VmHWM"))
        except (OSError, RuntimeError, ValueError):
            pass  # exiting: its memory is gone already
        time.sleep(0.005)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode})"
    return time.time() - started, peak / 1024


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/alcove")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        empty = os.path.join(tmp, "empty")
        proc, _, fresh_s, fresh_rss = ready_after_start(binary, empty)
        stop(proc)

        data = os.path.join(tmp, "data")
        proc, origin, link = kit.start(binary, data)
        load.THREADS = 1
        owner, threads = load.seed(origin, link)
        began = time.time()
        for i in range(FILES):
            upload(owner, threads[0], pdf_like(FILE_BYTES, i), f"scan-{i:02}.pdf")
        uploaded = time.time() - began
        hwm = kit.status_kib(proc.pid, "VmHWM") / 1024
        stop(proc)
        held = FILES * FILE_BYTES
        st = os.stat(os.path.join(data, "alcove.redb"))
        store, on_disk = st.st_size, st.st_blocks * 512
        print(f"{FILES} files of 24 MiB uploaded in {uploaded:.1f} s; server peak RSS through the uploads {hwm:.1f} MiB")
        # redb doubles the file while it is under 4 GiB; the part not written yet is a hole
        # (no disk blocks), so both the length and the blocks the disk gave it are shown.
        print(f"space  store file {store / 2**30:.2f} GiB long, {on_disk / 2**30:.2f} GiB on disk, for {held / 2**30:.2f} GiB of files: {store / held:.2f} x long, {on_disk / held:.2f} x on disk (target <= 1.3 x)")

        proc, _, again_s, again_rss = ready_after_start(binary, data)
        stop(proc)
        print(f"P5     restart on that store: ready in {again_s * 1000:.0f} ms, RSS {again_rss:.1f} MiB (targets <= 200 ms, <= 20 MB)")
        print(f"P5     start on an empty dir: ready in {fresh_s * 1000:.0f} ms, RSS {fresh_rss:.1f} MiB (the baseline)")

        key = os.path.join(data, "recovery-key.txt")
        recipient = subprocess.run(["age-keygen", "-y", key], capture_output=True, text=True, check=True).stdout.strip()
        ours_s, ours_rss = timed([binary, "--data-dir", data, "backup", "now"])
        base_s, _ = timed(f"tar -C {data} -cf - --exclude=backups . | age -r {recipient} > {tmp}/baseline.tar.age")
        print(f"P3     backup now {ours_s:.2f} s (peak {ours_rss:.0f} MiB) / tar | age {base_s:.2f} s: {ours_s / base_s:.2f} x (target <= 1.2 x)")
        backup = sorted(
            os.path.join(data, "backups", f) for f in os.listdir(os.path.join(data, "backups")) if f.endswith(".age")
        )[-1]
        ours_s, ours_rss = timed([binary, "--data-dir", os.path.join(tmp, "restored"), "restore", backup, "--identity", key])
        os.makedirs(os.path.join(tmp, "untarred"))
        base_s, _ = timed(f"age -d -i {key} {backup} | tar -C {tmp}/untarred -xf -")
        print(f"P3     restore {ours_s:.2f} s (peak {ours_rss:.0f} MiB) / age -d | tar x {base_s:.2f} s: {ours_s / base_s:.2f} x (target <= 1.5 x)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Speed and memory of the web UI on one profile (a benchmark, not a test).

    scripts/webui-bench.py PROFILE [--pprofx target/release/pprofx] [--go]

Starts `pprofx -http=127.0.0.1:PORT -no_browser PROFILE` and measures:
  * first view: seconds from starting the process to the end of the first
    complete GET /ui/flamegraph (polling until the server answers);
  * refined views: seconds for one GET each with a new focus, hide, sample
    type, a pivot and the top table (each a new sample graph, not cached);
  * peak memory (VmHWM of the server) after all of them, and the peak of
    `pprofx top PROFILE` (getrusage of the child) for the ratio.
With --go, `go tool pprof -http` on the same input: the time until its
first /ui/flamegraph answers and the peak memory of its pprof process.
Prints one line per figure; BENCHMARKS.md records them.
"""
import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, timeout=600):
    req = urllib.request.Request(url, headers={"Host": urllib.parse.urlsplit(url).netloc})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


def wait_first(url, proc, limit):
    """Polls `url` until it answers; returns the body."""
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            return get(url)
        except (ConnectionError, urllib.error.URLError, socket.timeout):
            time.sleep(0.02)
    sys.exit(f"no answer from {url} within {limit} s")


def hwm_kib(pid):
    """Peak resident memory of `pid` and its descendants, KiB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
                total = max(total, int(m.group(1))) if m else total
        except OSError:
            pass
    return total


def cpu_s(pid):
    """User + system CPU seconds of `pid` so far (load-independent)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def data_of(page):
    t = page.decode("utf-8", "replace")
    at = t.index('id="pprofx-data">') + len('id="pprofx-data">')
    return json.loads(t[at : t.index("</script>", at)])


def bench_pprofx(binary, profile):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.time()
    proc = subprocess.Popen(
        [binary, f"-http=127.0.0.1:{port}", "-no_browser", profile],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        page = wait_first(base + "/ui/flamegraph", proc, 120)
        first = time.time() - t0
        cpu = cpu_s(proc.pid)
        print(f"pprofx first view (start → /ui/flamegraph): {first:.2f} s wall, {cpu:.2f} s CPU, {len(page)/1024:.0f} KiB")
        note = re.search(r'id="hidden-note">([^<]*)<', page.decode("utf-8", "replace"))
        if note:
            print(f"  note: {note.group(1)}")
        top = data_of(get(base + "/ui/top"))
        names = [r[0] for r in top["rows"][:3]]
        sample_types = re.findall(r'class="sample" href="[^"]*si=([^"&]+)', page.decode())
        q = urllib.parse.quote
        refined = [
            ("pivot from the flame graph: same sample graph", f"/ui/flamegraph?p={q('^' + re.escape(names[1]) + '$')}"),
            ("focus", f"/ui/flamegraph?f={q('^' + re.escape(names[1]) + '$')}"),
            ("hide", f"/ui/flamegraph?h={q(names[0])}"),
            ("pivot after hide: new sample graph", f"/ui/flamegraph?p={q('^' + re.escape(names[2]) + '$')}"),
            ("top, focus", f"/ui/top?f={q(names[0])}"),
        ]
        if sample_types:
            refined.append(("sample type", f"/ui/flamegraph?si={sample_types[0]}"))
        worst = 0.0
        for label, path in refined:
            t = time.time()
            c = cpu_s(proc.pid)
            body = get(base + path)
            dt = time.time() - t
            worst = max(worst, dt)
            print(f"pprofx refined view ({label}): {dt:.2f} s wall, {cpu_s(proc.pid) - c:.2f} s CPU, {len(body)/1024:.0f} KiB")
        peak = hwm_kib(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    return first, worst, peak


def top_peak(binary, profile):
    t = time.time()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary, "top", profile], stdout=subprocess.DEVNULL, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = r1.ru_maxrss
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    print(f"pprofx top: {time.time() - t:.2f} s wall, {cpu:.2f} s CPU, peak {after / 1024:.0f} MiB")
    if after <= r0.ru_maxrss:
        print("  (peak not above an earlier child's; run this script fresh)")
    return after


def bench_go(profile, limit):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.time()
    proc = subprocess.Popen(
        ["go", "tool", "pprof", f"-http=127.0.0.1:{port}", "-no_browser", profile],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    peak = 0
    try:
        deadline = time.time() + limit
        body = None
        while time.time() < deadline and body is None:
            peak = max(peak, hwm_kib(proc.pid))
            try:
                body = get(base + "/ui/flamegraph", timeout=limit)
            except (ConnectionError, urllib.error.URLError, socket.timeout):
                time.sleep(0.2)
        peak = max(peak, hwm_kib(proc.pid))
        if body is None:
            print(f"go tool pprof -http: no flame graph within {limit} s, peak {peak/1024:.0f} MiB so far")
            return None, peak
        first = time.time() - t0
        print(f"go tool pprof -http first view: {first:.2f} s, {len(body)/1024/1024:.1f} MiB page, peak {peak/1024:.0f} MiB")
        return first, peak
    finally:
        # go runs pprof as a child: end the whole group it leads.
        os.killpg(proc.pid, 9)
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("--pprofx", default="target/release/pprofx")
    ap.add_argument("--go", action="store_true", help="also run go tool pprof -http")
    ap.add_argument("--go-limit", type=float, default=600)
    a = ap.parse_args()
    top = top_peak(a.pprofx, a.profile)
    first, worst, peak = bench_pprofx(a.pprofx, a.profile)
    print(f"pprofx web UI peak {peak/1024:.0f} MiB = {peak/top:.2f}x pprofx top's")
    print(f"targets: first view <= 3 s: {'yes' if first <= 3 else 'NO'}; "
          f"refined <= 1 s: {'yes' if worst <= 1 else 'NO'}; memory <= 1.5x: {'yes' if peak <= 1.5 * top else 'NO'}")
    if a.go:
        bench_go(a.profile, a.go_limit)


if __name__ == "__main__":
    main()

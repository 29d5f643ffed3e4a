"""HTTP load for the intake benchmark: N concurrent clients POSTing a unique body each time.

The generator is Debian's `wrk` (C, event loop; `apt-get install wrk`) driven by a Lua script
that builds each body, so on a 2-core machine it takes little of the CPU the server needs.
Without wrk, a Python asyncio client stands in (`python -m tests.bench.load`): same bodies,
same counts, but it costs several times more CPU per request, which the intake bench prints as
the generator's share so a reader can see when it, not the server, set the pace.

A body is a template in which `{n}` becomes a token unique to the request and `{a}` a number
from 0 to ARTICLES - 1 (which article, or which repeated suggestion).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 50
TIMEOUT = 10  # seconds; an answer slower than this counts as failed, not as a latency


@dataclass(frozen=True)
class Load:
    """What every client sends: `method` `path` with `body` and `headers`, `{n}`/`{a}` filled in."""
    path: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"

    def request(self, n: str, a: int) -> tuple[str, bytes]:
        fill = lambda text: text.replace("{n}", n).replace("{a}", str(a))  # noqa: E731
        return fill(self.path), fill(self.body).encode()


@dataclass
class Result:
    requests: int          # answers received, any status
    seconds: float
    non_2xx: int
    failed: int            # connect, read or write errors and timeouts: no answer at all
    p50_ms: float
    p99_ms: float
    generator_cpu: float   # CPU seconds the generator used
    sample: str = ""       # the first non-2xx answer, for the report

    @property
    def ok(self) -> int:
        return self.requests - self.non_2xx

    @property
    def rate(self) -> float:
        """2xx answers per second: an error is never counted as throughput."""
        return self.ok / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def describe(generator: str) -> str:
    if generator == "wrk":
        first = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True).stdout
        return " ".join(first.split()[:2]) + " (C)"
    return f"Python {sys.version.split()[0]} asyncio client (fallback: wrk is not installed)"


def run(generator: str, url: str, load: Load, *, connections: int, seconds: float,
        tag: str) -> Result:
    """Drive `url` with `connections` clients for `seconds`; the generator runs in its own process."""
    with tempfile.TemporaryDirectory() as folder:
        if generator == "wrk":
            script = Path(folder) / "intake.lua"
            script.write_text(_lua(load, tag))
            command = [wrk_path(), f"-t{min(2, connections)}", f"-c{connections}",
                       f"-d{max(1, round(seconds))}s", f"--timeout={TIMEOUT}s", "-s", str(script), url]
        else:
            spec = Path(folder) / "load.json"
            spec.write_text(json.dumps({"path": load.path, "body": load.body, "headers": load.headers,
                                        "method": load.method}))
            command = [sys.executable, "-m", "tests.bench.load", url, str(spec),
                       "--connections", str(connections), "--seconds", str(seconds), "--tag", tag]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            out, err = process.communicate(timeout=seconds + TIMEOUT + 30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RuntimeError(f"the load generator did not stop after {seconds} s") from None
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1]
             for line in out.splitlines() if line.startswith(("BENCH ", "SAMPLE "))}
    if process.returncode != 0 or "BENCH" not in lines:
        raise RuntimeError(f"the load generator failed ({process.returncode}): "
                           f"{(err or out).strip()[-500:]}")
    figures = json.loads(lines["BENCH"])
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Result(requests=figures["requests"], seconds=figures["duration_us"] / 1e6,
                  non_2xx=figures["non2xx"], failed=figures["failed"],
                  p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000,
                  generator_cpu=cpu, sample=lines.get("SAMPLE", "").strip())


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid Lua string literal


def _lua(load: Load, tag: str) -> str:
    """A wrk script: unique body per request, non-2xx counted per thread and summed at the end."""
    assert all(ord(c) < 128 for c in load.path + load.body + "".join(load.headers.values()))
    headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in load.headers.items())
    return f"""
local method = {_lua_string(load.method)}
local path_template = {_lua_string(load.path)}
local body_template = {_lua_string(load.body)}
local headers = {{{headers}}}
local tag = {_lua_string(tag)}
local threads = {{}}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("id", created)
  table.insert(threads, thread)
end

local seq = 0
non2xx = 0
sample = ""

local function fill(template, n, a)
  return (template:gsub("{{n}}", n):gsub("{{a}}", a))
end

function request()
  seq = seq + 1
  local n = tag .. "-" .. id .. "-" .. seq
  local a = tostring(seq % {ARTICLES})
  local body = fill(body_template, n, a)
  if body == "" then body = nil end
  return wrk.format(method, fill(path_template, n, a), headers, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    local s = thread:get("sample")
    if first == "" and s ~= "" then first = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {{"requests": %d, "duration_us": %d, "non2xx": %d, "failed": %d, "p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
  io.write("SAMPLE " .. first:gsub("[\\r\\n]", " ") .. "\\n")
end
"""


# --- the Python fallback, run as its own process ----------------------------------------

class _Counts:
    def __init__(self):
        self.latencies: list[float] = []
        self.non_2xx = 0
        self.failed = 0
        self.sample = ""


async def _client(host: str, port: int, load: Load, tag: str, index: int, deadline: float,
                  counts: _Counts) -> None:
    reader = writer = None
    extra = "".join(f"{k}: {v}\r\n" for k, v in load.headers.items())
    seq = 0
    while time.perf_counter() < deadline:
        seq += 1
        path, body = load.request(f"{tag}-{index}-{seq}", seq % ARTICLES)
        head = (f"{load.method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
            start = time.perf_counter()  # as wrk: from sending the request to the whole answer
            writer.write(head + body)
            status, close, answer = await asyncio.wait_for(_answer(reader), TIMEOUT)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            counts.failed += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        counts.latencies.append(time.perf_counter() - start)
        if not 200 <= status < 300:
            counts.non_2xx += 1
            if not counts.sample:
                counts.sample = f"{status} {answer[:300].decode(errors='replace')}"
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """Status, whether the server closes the connection, and the body."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip() for k, v in
              (line.split(":", 1) for line in head[1:] if ":" in line)}
    close = fields.get("connection", "").lower() == "close"
    if "content-length" in fields:
        return status, close, await reader.readexactly(int(fields["content-length"]))
    return status, True, await reader.read()  # no length: the body ends when the connection does


async def _drive(url: str, load: Load, connections: int, seconds: float, tag: str) -> dict:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    counts = _Counts()
    start = time.perf_counter()
    await asyncio.gather(*(_client(parts.hostname, parts.port, load, tag, i + 1, start + seconds, counts)
                           for i in range(connections)))
    elapsed = time.perf_counter() - start
    ordered = sorted(counts.latencies) or [0.0]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"requests": len(counts.latencies), "duration_us": int(elapsed * 1e6),
            "non2xx": counts.non_2xx, "failed": counts.failed,
            "p50_us": int(pick(0.50) * 1e6), "p99_us": int(pick(0.99) * 1e6)}, counts.sample


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The Python stand-in for wrk.")
    parser.add_argument("url")
    parser.add_argument("spec", help="a JSON file with path, body and headers")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--tag", default=str(os.getpid()))
    options = parser.parse_args(argv)
    load = Load(**json.loads(Path(options.spec).read_text()))
    figures, sample = asyncio.run(_drive(options.url, load, options.connections,
                                         options.seconds, options.tag))
    print("BENCH " + json.dumps(figures))
    print("SAMPLE " + " ".join(sample.split()))


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Load test: simulated users, each logged in as a demo account, against a running bwmo.

Standard library only (a thread per user with ``http.client``), so it measures the server and
not a load-test framework: every user logs in once (with the CSRF token of the login form);
when all have logged in, the measured window opens and each requests pages from the mix of
its role with a think time of 1-3 s between requests, until the duration is over. Reports
throughput, p50/p95/p99 and every error or non-200.

    python bench/loadtest.py --url http://127.0.0.1:8000 --users 50 --duration 60

Start the server first (``bwmo serve``, see docs/performance.md for the production setup).
The demo accounts and their password come from ``bwmo demo`` / ``bwmo generate``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

PASSWORD = "demo-bwmo-2026"  # noqa: S105 — the documented demo credential (demo data only)

# Per role: the pages its users open, with a weight. ``{region}`` is filled with a region id
# the server lists on the dashboard form; ``{client}`` with a client page found by searching.
MIX: dict[str, list[tuple[str, int]]] = {
    "beleid.assen": [
        ("/monitor/?regio={region}", 5),
        ("/monitor/raadsrapportage/?regio={region}", 1),
        ("/monitor/landelijk/", 1),
    ],
    "controller.assen": [
        ("/financien/", 4),
        ("/monitor/?regio={region}", 3),
        ("/monitor/landelijk/", 1),
    ],
    "toegang.assen": [
        ("/werkvoorraad/", 4),
        ("/clienten/?q={search}", 3),
        ("{client}", 2),
        ("/", 1),
    ],
    "toegang.boce": [
        ("/werkvoorraad/", 4),
        ("/clienten/?q={search}", 3),
        ("{client}", 2),
        ("/", 1),
    ],
    "toegang.tynaarlo": [
        ("/werkvoorraad/", 3),
        ("/clienten/?q={search}", 3),
        ("{client}", 2),
    ],
    "opvang.assen": [
        ("/werkvoorraad/", 3),
        ("/clienten/?q={search}", 2),
        ("{client}", 1),
    ],
    "aanbieder.baken": [
        ("/clienten/?q={search}", 2),
        ("{client}", 2),
        ("/", 1),
    ],
    "contract.assen": [
        ("/berichten/", 3),
        ("/berichten/declaraties/", 1),
        ("/", 1),
    ],
}
SEARCHES = ["de", "van", "an", "ma", "jan", "el", "er"]
CLIENT_LINK = re.compile(r'href="(/clienten/[0-9a-f-]{36}/)"')
REGION_OPTION = re.compile(r'<option value="(\d+)"[^>]*>[^<]*</option>')


@dataclass
class Result:
    page: str
    status: int
    seconds: float
    error: str = ""


@dataclass
class Totals:
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)


class Browser:
    """One user's connection and cookies (no redirects followed except where asked)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed: one new connection, then fail.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())

    def login(self, username: str) -> None:
        status, page, _headers = self.request("GET", "/inloggen/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page answered {status}")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
        )
        status, _page, _headers = self.request("POST", "/inloggen/", body)
        if status != 302:
            raise RuntimeError(f"login of {username} answered {status} (throttled or no account?)")


def _user(
    username: str,
    base: tuple[str, int],
    window: dict[str, float],
    ready: threading.Barrier,
    totals: Totals,
    seed: int,
    regions: list,
) -> None:
    rng = random.Random(seed)  # noqa: S311 — a load pattern, not a secret
    browser = Browser(*base)
    try:
        browser.login(username)
    except Exception as error:
        totals.add(Result("login", 0, 0.0, f"{type(error).__name__}: {error}"))
        ready.wait()
        return
    # Every user is logged in before the measured window opens: hashing 50 passwords
    # (Argon2, on purpose costly) at once is not what the pages cost.
    ready.wait()
    until = window["until"]
    pages, weights = zip(*MIX[username], strict=True)
    clients: list[str] = []
    time.sleep(rng.uniform(0, 3))  # users do not all start in the same second
    while time.monotonic() < until:
        template = rng.choices(pages, weights)[0]
        if template == "{client}" and not clients:
            template = "/clienten/?q={search}"
        path = template.format(
            region=rng.choice(regions) if regions else "",
            search=rng.choice(SEARCHES),
            client=rng.choice(clients) if clients else "",
        )
        name = template.split("?")[0]
        started = time.perf_counter()
        try:
            if name == "/clienten/":
                # The search form POSTs its query (a BSN never goes into a URL): so does the
                # simulated user, with the CSRF token of its session, and then opens the
                # dossiers it found.
                body = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
                        "q": urllib.parse.parse_qs(path.split("?", 1)[1])["q"][0],
                    }
                )
                status, text, _headers = browser.request("POST", "/clienten/", body)
            else:
                status, text, _headers = browser.request("GET", path)
        except Exception as error:
            totals.add(Result(name, 0, time.perf_counter() - started, type(error).__name__))
        else:
            totals.add(Result(name, status, time.perf_counter() - started))
            if name == "/clienten/":
                clients = CLIENT_LINK.findall(text)[:20] or clients
        time.sleep(rng.uniform(1.0, 3.0))


def _wait_for(base: tuple[str, int], seconds: float = 120.0) -> None:
    """Until the server answers (it may still be starting)."""
    until = time.monotonic() + seconds
    while True:
        try:
            Browser(*base).request("GET", "/inloggen/")
            return
        except OSError:
            if time.monotonic() > until:
                raise
            time.sleep(1)


def _regions(base: tuple[str, int]) -> list[str]:
    browser = Browser(*base)
    browser.login("beleid.assen")
    _status, page, _headers = browser.request("GET", "/monitor/")
    select = page.split('name="regio"', 1)[-1].split("</select>", 1)[0]
    return REGION_OPTION.findall(select)


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def run(url: str, users: int, duration: float, seed: int = 2026, regions_at_most: int = 0) -> dict:
    parsed = urllib.parse.urlparse(url)
    base = (parsed.hostname or "127.0.0.1", parsed.port or 80)
    _wait_for(base)
    regions = _regions(base)
    if regions_at_most:
        regions = regions[:regions_at_most]
    totals = Totals()
    names = list(MIX)
    window: dict[str, float] = {}

    def open_window() -> None:  # once, when the last user has logged in
        window["started"] = time.monotonic()
        window["until"] = window["started"] + duration

    ready = threading.Barrier(users, action=open_window)
    threads = [
        threading.Thread(
            target=_user,
            args=(names[i % len(names)], base, window, ready, totals, seed + i, regions),
            daemon=True,
        )
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 300)
    elapsed = time.monotonic() - window.get("started", time.monotonic())
    results = [r for r in totals.results if r.page != "login"]
    times = sorted(r.seconds * 1000 for r in results)
    failures = Counter(f"{r.page} {r.status or r.error}" for r in totals.results if r.status != 200)
    per_page = {}
    for page in sorted({r.page for r in results}):
        mine = sorted(r.seconds * 1000 for r in results if r.page == page)
        per_page[page] = {
            "requests": len(mine),
            "p50_ms": round(_quantile(mine, 0.50)),
            "p95_ms": round(_quantile(mine, 0.95)),
        }
    return {
        "url": url,
        "users": users,
        "duration_s": round(elapsed, 1),
        "requests": len(results),
        "throughput_rps": round(len(results) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(_quantile(times, 0.50)),
        "p95_ms": round(_quantile(times, 0.95)),
        "p99_ms": round(_quantile(times, 0.99)),
        "errors": sum(failures.values()),
        "non_200": dict(failures),
        "pages": per_page,
        "regions": len(regions),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--json", help="also write the summary to this file")
    parser.add_argument(
        "--regions",
        type=int,
        default=0,
        help="only the first N regions of the dashboard's list (default: every region)",
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0:
        parser.error("--users must be at least 1 and --duration positive")
    summary = run(args.url, args.users, args.duration, regions_at_most=args.regions)
    print(
        f"{summary['users']} users, {summary['duration_s']} s: {summary['requests']} requests, "
        f"{summary['throughput_rps']} req/s, p50 {summary['p50_ms']} ms, "
        f"p95 {summary['p95_ms']} ms, p99 {summary['p99_ms']} ms, "
        f"errors/non-200: {summary['errors']}"
    )
    for page, row in summary["pages"].items():
        print(
            f"  {row['requests']:6d}  p50 {row['p50_ms']:6d} ms  p95 {row['p95_ms']:6d} ms  {page}"
        )
    for what, n in summary["non_200"].items():
        print(f"  error: {n} × {what}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(summary, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Profile the pages of the load test's mix, each as the role that uses it, in one process.

For every (role, page) of ``bench/loadtest.py``'s mix: the request through Django's test
client (middleware, access checks, access log, template), repeated; per page the median wall
and CPU time, the number of queries, the time in the database and the slowest statements;
with ``--profile`` also the functions that took the most time (cProfile, cumulative).

    DATABASE_URL=postgres://... python bench/profile_pages.py --repeat 3 [--profile 15]
    python bench/profile_pages.py --only toegang.assen --page /werkvoorraad/

It reads and, like a real user, writes the access log and sessions: run it on a copy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadtest  # the mix of the load test, so both measure the same pages

CLIENT_LINK = re.compile(r'href="(/clienten/[0-9a-f-]{36}/)"')


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bwmo.settings.base")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def _client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _region(username: str) -> str:
    """The region the user's dashboard opens on (without asking for the dashboard itself)."""
    from django.contrib.auth import get_user_model

    from bwmo.accounts.scoping import default_region_for

    region = default_region_for(get_user_model().objects.get(username=username))
    return str(region.pk) if region else ""


def _request(client, template: str, region: str, clients: list[str]):
    """One request of the mix, as the load test makes it (a search is a POST)."""
    if template == "/clienten/?q={search}":
        return client.post("/clienten/", {"q": loadtest.SEARCHES[0]})
    if template == "{client}":
        return client.get(clients[0])
    return client.get(template.format(region=region, search="", client=""))


def measure(username: str, template: str, *, repeat: int, profile: int, region: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client_for(username)
    clients: list[str] = []
    if template == "{client}":
        found = client.post("/clienten/", {"q": loadtest.SEARCHES[0]}).content.decode()
        clients = CLIENT_LINK.findall(found)[:1]
        if not clients:
            return {"role": username, "page": template, "skipped": "no client found"}
    _request(client, template, region, clients)  # the first request of a process pays imports
    walls, cpus, counts, db_times = [], [], [], []
    slowest: list[tuple[float, str]] = []
    status = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = _request(client, template, region, clients)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        status = response.status_code
        counts.append(len(queries))
        times = [(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries]
        db_times.append(sum(t for t, _sql in times))
        slowest = sorted(times, reverse=True)[:3]
    result = {
        "role": username,
        "page": template,
        "status": status,
        "wall_ms": round(statistics.median(walls)),
        "cpu_ms": round(statistics.median(cpus)),
        "queries": counts[-1],
        "db_ms": round(statistics.median(db_times)),
        "slowest": [(round(t), sql[:300]) for t, sql in slowest],
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _request(client, template, region, clients)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
        result["profile"] = out.getvalue()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="show the N costliest functions")
    parser.add_argument("--only", help="one role")
    parser.add_argument("--page", help="one page of the mix (as written there)")
    parser.add_argument("--sql", action="store_true", help="show the slowest statements")
    args = parser.parse_args(argv)
    _setup()
    region = _region("beleid.assen")
    print(f"region {region}, {args.repeat} repetitions; median wall / CPU, queries, DB time")
    for username, pages in loadtest.MIX.items():
        if args.only and username != args.only:
            continue
        for template, _weight in pages:
            if args.page and template != args.page:
                continue
            row = measure(
                username, template, repeat=args.repeat, profile=args.profile, region=region
            )
            if "skipped" in row:
                print(f"{username:18} {template:42} skipped: {row['skipped']}")
                continue
            print(
                f"{username:18} {template:42} {row['status']}  wall {row['wall_ms']:6d} ms  "
                f"CPU {row['cpu_ms']:6d} ms  {row['queries']:4d} queries  "
                f"DB {row['db_ms']:6d} ms",
                flush=True,
            )
            if args.sql:
                for ms, sql in row["slowest"]:
                    print(f"      {ms:6d} ms  {sql}")
            if "profile" in row:
                print(row["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

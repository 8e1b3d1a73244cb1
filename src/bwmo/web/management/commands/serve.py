import contextlib
import os
import signal
import socket

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

# What a reverse proxy in front of bwmo tells waitress: the scheme the browser used (so
# Django knows a request came in over HTTPS), the browser's address (for login
# throttling), and the host and port it asked for.
DEFAULT_PROXY_HEADERS = "x-forwarded-proto x-forwarded-for x-forwarded-host x-forwarded-port"


class Command(BaseCommand):
    help = "Serve bwmo with waitress (static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("BWMO_THREADS", "8")),
            help="worker threads (default: $BWMO_THREADS or 8; see docs/performance.md)",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=int(os.environ.get("BWMO_PROCESSES", "1")),
            help="server processes sharing the port, each with --threads threads (default: "
            "$BWMO_PROCESSES or 1; one per CPU core, see docs/performance.md)",
        )
        parser.add_argument(
            "--connection-limit",
            type=int,
            default=int(os.environ.get("BWMO_CONNECTION_LIMIT", "100")),
            help="open connections waitress accepts (default: $BWMO_CONNECTION_LIMIT or 100)",
        )
        parser.add_argument(
            "--trusted-proxy",
            default=os.environ.get("BWMO_TRUSTED_PROXY", ""),
            help="address of the reverse proxy whose X-Forwarded-* headers are believed "
            "(default: $BWMO_TRUSTED_PROXY; without it they are dropped)",
        )

    def handle(
        self, *args, host, port, threads, processes, connection_limit, trusted_proxy, **options
    ):
        from waitress import serve

        from bwmo.wsgi import application

        if processes < 1 or threads < 1:
            raise CommandError("--processes en --threads moeten minstens 1 zijn.")

        proxy = {}
        if trusted_proxy:
            proxy = {
                "trusted_proxy": trusted_proxy,
                "trusted_proxy_headers": os.environ.get(
                    "BWMO_TRUSTED_PROXY_HEADERS", DEFAULT_PROXY_HEADERS
                ),
            }
        self.stdout.write(f"bwmo draait op http://{host}:{port}/ (stoppen: Ctrl+C)")
        if trusted_proxy:
            self.stdout.write(f"achter de reverse proxy op {trusted_proxy}")
        settings = {
            "threads": threads,
            "connection_limit": connection_limit,
            "ident": "bwmo",
            **proxy,
        }
        if processes == 1:
            self.stdout.flush()
            serve(application, host=host, port=port, **settings)
            return
        self.stdout.write(f"{processes} processen van elk {threads} threads")
        self.stdout.flush()
        self._serve_processes(serve, application, host, port, processes, settings)

    @staticmethod
    def _serve_processes(serve, application, host, port, processes, settings) -> None:
        """``processes`` copies of the server accepting on one listening socket: Python's
        lock lets one process use one core, so a server with more cores needs more processes.
        Nothing a request needs is kept in one process only (docs/performance.md)."""
        listener = socket.create_server((host, port), backlog=1024)
        connections.close_all()  # no database connection may be shared across the fork
        children = []
        for _ in range(processes):
            pid = os.fork()
            if pid == 0:  # pragma: no cover — the child serves until it is stopped
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                try:
                    serve(application, sockets=[listener], **settings)
                finally:
                    os._exit(0)
            children.append(pid)
        listener.close()

        def stop(signum, frame):
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for child in children:
            while True:
                try:
                    os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
                except ChildProcessError:
                    break

import os

from django.core.management.base import BaseCommand

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

    def handle(self, *args, host, port, threads, connection_limit, trusted_proxy, **options):
        from waitress import serve

        from bwmo.wsgi import application

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
        self.stdout.flush()
        serve(
            application,
            host=host,
            port=port,
            threads=threads,
            connection_limit=connection_limit,
            ident="bwmo",
            **proxy,
        )

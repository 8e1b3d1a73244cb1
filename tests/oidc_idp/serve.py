"""Run the test identity provider: ``python -m tests.oidc_idp.serve PORT CONFIG.json``.

Creates its database (a file named by OIDC_IDP_DATABASE), a signing key, the client bwmo
uses and the users of the configuration, then serves on 127.0.0.1:PORT until it is stopped.
"""

import json
import os
import sys


def main() -> None:
    port, config_path = int(sys.argv[1]), sys.argv[2]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_idp.settings"
    os.environ["OIDC_IDP_CONFIG"] = config_path
    os.environ.setdefault("OIDC_IDP_SITE_URL", f"http://127.0.0.1:{port}")

    import django

    django.setup()

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType
    from waitress import serve

    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("creatersakey", verbosity=0)
    client = Client.objects.create(
        name="bwmo",
        client_type="confidential",
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        jwt_alg="RS256",
        require_consent=False,
        reuse_consent=True,
        _redirect_uris="\n".join(config["redirect_uris"]),
        _post_logout_redirect_uris="\n".join(config.get("post_logout_redirect_uris", [])),
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    for username, person in config["users"].items():
        User.objects.create_user(username=username, password=person["password"])
    serve(get_wsgi_application(), host="127.0.0.1", port=port, threads=4, _quiet=True)


if __name__ == "__main__":
    main()

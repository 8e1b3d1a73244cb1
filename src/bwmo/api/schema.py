"""What drf-spectacular adds to every operation of the OpenAPI document: the ``API-Version``
header on every answer and the problem-details answers (RFC 9457) an operation can give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .problems import PROBLEM_CONTENT_TYPE
from .scopes import SCOPES
from .services import ACCESS_TOKEN_SECONDS
from .views import API_VERSION


class BearerScheme(OpenApiAuthenticationExtension):
    """Two ways to the same bearer: the static token from beheer, or an access token from
    the OAuth2 token endpoint (client credentials) for the operation's scope."""

    target_class = "bwmo.api.authentication.BearerAuthentication"
    name = ["bearer", "oauth2"]

    def get_security_definition(self, auto_schema) -> list[dict]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "Het token `<client-id>.<geheim>` uit beheer.",
            },
            {
                "type": "oauth2",
                "description": (
                    "OAuth2 client credentials (RFC 6749 §4.4): client-id en geheim uit "
                    "beheer (HTTP Basic of formulier) geven een toegangstoken van "
                    f"{ACCESS_TOKEN_SECONDS // 60} minuten voor de gevraagde scopes."
                ),
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "/api/v1/oauth/token",
                        "scopes": {name: str(scope.label) for name, scope in SCOPES.items()},
                    }
                },
            },
        ]

    def get_security_requirement(self, auto_schema) -> list[dict]:
        view = auto_schema.view
        scope_for = getattr(view, "scope_for", None)
        if scope_for is not None:
            scope = scope_for(type("SchemaRequest", (), {"method": auto_schema.method})())
        else:
            scope = getattr(view, "required_scope", "")
        return [{"bearer": []}, {"oauth2": [scope] if scope else []}]


PROBLEM = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Probleemdetails volgens RFC 9457.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Ongeldige invoer"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string", "example": "Een of meer parameters zijn ongeldig."},
        "instance": {"type": "string", "example": "/api/v1/meldingen"},
        "invalidParams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "code", "reason"],
                "properties": {
                    "name": {"type": "string", "example": "receivedFrom"},
                    "code": {"type": "string", "example": "invalid"},
                    "reason": {"type": "string", "example": "Verwacht een datum (JJJJ-MM-DD)."},
                },
            },
        },
    },
}

VERSION_HEADER = {
    "description": "De volledige versie van de API.",
    "schema": {"type": "string", "example": API_VERSION},
}

ERRORS = {
    "400": "Ongeldige invoer: invalidParams noemt elke parameter.",
    "401": "Geen of een ongeldig token.",
    "403": "De API-client heeft niet de scope van dit endpoint.",
    "404": "Niet gevonden, of niet zichtbaar voor deze API-client.",
    "406": "Alleen JSON wordt geleverd.",
    "429": "Te veel verzoeken; Retry-After zegt hoe lang te wachten.",
}


def postprocess(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code == "415" and method == "get":
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": PROBLEM}},
                    },
                )
            if method == "post":
                responses.setdefault(
                    "415",
                    {
                        "description": "Alleen application/json wordt aangenomen.",
                        "content": {"application/problem+json": {"schema": PROBLEM}},
                    },
                )
            for code, response in responses.items():
                content = response.get("content", {})
                if str(code).startswith(("4", "5")) and "application/json" in content:
                    # An error an operation documents itself is a problem too (RFC 9457).
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
                response.setdefault("headers", {})["API-Version"] = VERSION_HEADER
    return result

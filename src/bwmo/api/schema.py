"""What drf-spectacular adds to every operation of the OpenAPI document: the ``API-Version``
header on every answer and the problem-details answers (RFC 9457) an operation can give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .views import API_VERSION


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "bwmo.api.authentication.BearerAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Het token `<client-id>.<geheim>` uit beheer.",
        }


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
            for response in responses.values():
                response.setdefault("headers", {})["API-Version"] = VERSION_HEADER
    return result

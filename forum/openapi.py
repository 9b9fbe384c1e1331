"""Declared API operations, and the OpenAPI 3.1 document generated from them.

``@operation(...)`` is the one way a JSON endpoint reads its input: it checks who calls (where the
operation needs someone), validates the JSON body and the query string with their schemas, passes
the models to the view as ``body`` and ``query``, and records all of it, with the answers the
operation gives, for ``GET /api/v1/openapi.json``. The document is built from the app's url_map
and these records, so it lists exactly the routes that exist, with the schemas that validate them.
"""
import re
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, current_app, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from forum.articles.service import check_publisher_key
from forum.converters import ARTICLE_ID_PATH, USERNAME_PATH
from forum.schemas import ErrorBody, OpenApiDocument
from forum.security import authenticated_user
from forum.validation import ID_MAX, allow_body, parse_json, parse_query, validate

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"

ERROR_MEANINGS = {
    400: "Malformed JSON, or a cursor this server did not give out",
    401: "Not signed in, or the token is not valid",
    403: "Signed in, but not allowed",
    404: "No such thing, or not visible to the caller",
    409: "Conflicts with the current state",
    413: "The body, or a field of it, is too large",
    422: "Well-formed, but breaks a rule; `field` names the field",
    429: "Too many requests",
    503: "A part Parley needs (database, model) is unavailable",
}
#: Who may call an operation, and the security requirement that says so.
SECURITY = {
    "none": [],
    "optional": [{}, {"bearer": []}],
    "user": [{"bearer": []}],
    "moderator": [{"bearer": []}],
    "admin": [{"bearer": []}],
    "publisher": [{"apiKey": []}],
}


@dataclass(frozen=True)
class Operation:
    """What one endpoint accepts and answers."""

    summary: str
    auth: str
    body: type | None
    query: type | None
    #: status -> response model (None: no body)
    responses: dict
    errors: tuple = field(default_factory=tuple)
    #: Whether the body may be left out (every field of ``body`` is optional).
    body_optional: bool = False


def operation(*, responses: dict, body: type | None = None, query: type | None = None, auth: str = "none",
              errors: tuple = (), body_characters: int | None = None, body_optional: bool = False):
    """Declare an API operation: validate its body and query, and record it for the OpenAPI document.

    :param auth: ``none``, ``optional`` (a reader's token changes what is shown), ``user``,
        ``moderator``, ``admin`` (the view's own decorator enforces these two) or ``publisher``.
    :param body_characters: how many characters the body's strings may hold in all, when that is
        more than MAX_CONTENT_LENGTH takes (``allow_body``); the caller is checked first.
    :param body_optional: a request without a body is validated as ``{}`` (a body that is there
        must still be a JSON object).
    """
    if auth not in SECURITY:
        raise ValueError(f"unknown auth {auth!r}")

    def decorator(view):
        spec = Operation(summary=(view.__doc__ or view.__name__).strip().splitlines()[0], auth=auth,
                         body=body, query=query, responses=responses, errors=tuple(errors),
                         body_optional=body_optional)

        @wraps(view)
        def wrapped(*args, **kwargs):
            _check_caller(auth)
            if body_characters is not None:
                allow_body(body_characters)
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = (validate(body, {}, "json") if body_optional and not request.get_data(cache=True)
                                  else parse_json(body))
            return view(*args, **kwargs)

        wrapped.openapi = spec
        return wrapped

    return decorator


def _check_caller(auth: str) -> None:
    if auth == "user":
        authenticated_user()
    elif auth == "publisher":
        check_publisher_key(request.headers.get("X-API-Key"))


def spec_of(view) -> Operation | None:
    """Return the operation recorded on ``view``, looking through the decorators that wrap it."""
    while view is not None:
        if isinstance(getattr(view, "openapi", None), Operation):
            return view.openapi
        view = getattr(view, "__wrapped__", None)
    return None


_RULE_PART = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?(?P<name>[a-zA-Z_]\w*)>")


def _path_parameter(converter: str | None, args: str | None, name: str) -> dict:
    schemas = {
        "int": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        "username": {"type": "string", "pattern": f"^{USERNAME_PATH}$"},
        "article_id": {"type": "string", "pattern": f"^{ARTICLE_ID_PATH}$"},
    }
    if converter == "any":
        schema = {"type": "string", "enum": [a.strip() for a in (args or "").split(",")]}
    else:
        schema = schemas.get(converter, {"type": "string"})
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    parameters = [_path_parameter(m["converter"], m["args"], m["name"]) for m in _RULE_PART.finditer(rule)]
    return _RULE_PART.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def _query_parameters(model: type, schemas: dict) -> list[dict]:
    props = schemas[model.__name__].get("properties", {})
    required = set(schemas[model.__name__].get("required", []))
    parameters = []
    for name, schema in props.items():
        # A query value is a string or absent, never null: document the non-null alternative.
        alternatives = [a for a in schema.get("anyOf", [schema]) if a.get("type") != "null"]
        description = schema.get("description") or alternatives[0].get("description")
        schema = {k: v for k, v in alternatives[0].items() if k not in ("title", "default", "description")}
        parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _error_statuses(spec: Operation, has_path: bool) -> set[int]:
    statuses = {401, 503, *spec.errors}  # any request with a bad token is 401; an outage is 503
    if spec.body is not None:
        statuses |= {400, 413, 422}
    if spec.query is not None:
        statuses |= {400, 422}
    if has_path:
        statuses.add(404)
    if spec.auth in ("moderator", "admin", "user"):
        statuses.add(403)
    return statuses


def _operation_object(spec: Operation, endpoint: str, parameters: list, schemas: dict) -> dict:
    op = {"operationId": endpoint.replace(".", "_"), "summary": spec.summary, "security": SECURITY[spec.auth],
          "parameters": list(parameters), "responses": {}}
    if spec.query is not None:
        op["parameters"] += _query_parameters(spec.query, schemas)
    if spec.body is not None:
        op["requestBody"] = {"required": not spec.body_optional, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=spec.body.__name__)}}}}
    for status, model in spec.responses.items():
        answer = {"description": "Success"}
        if model is not None:
            answer["content"] = {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}
        op["responses"][str(status)] = answer
    for status in sorted(_error_statuses(spec, bool(parameters))):
        op["responses"][str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    if not op["parameters"]:
        del op["parameters"]
    return op


def _api_routes(app):
    """Yield (rule, method, endpoint, operation) for every API route of ``app``."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, rule.endpoint, spec_of(app.view_functions[rule.endpoint])


def _models(app) -> list[type]:
    found = {ErrorBody}
    for *_, spec in _api_routes(app):
        if spec is None:
            continue
        found |= {m for m in (spec.body, spec.query, *spec.responses.values()) if isinstance(m, type)
                  and issubclass(m, BaseModel)}
    return sorted(found, key=lambda m: m.__name__)


def build_document(app) -> dict:
    """Return the OpenAPI 3.1 document of every API route of ``app``.

    :raise LookupError: a route under /api/v1 was not declared with ``@operation``.
    """
    models = _models(app)
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    schemas = top.get("$defs", {})
    paths: dict = {}
    for rule, method, endpoint, spec in _api_routes(app):
        if spec is None:
            raise LookupError(f"{method} {rule.rule} ({endpoint}) is not declared with @operation")
        path, parameters = _openapi_path(rule.rule)
        paths.setdefault(path, {})[method.lower()] = _operation_object(spec, endpoint, parameters, schemas)
    error_ref = {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley API", "version": "1",
                 "description": "Comments under news articles, and the moderation desk behind them."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {f"Error{status}": {"description": meaning, "content": error_ref}
                          for status, meaning in ERROR_MEANINGS.items()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A token from POST /api/v1/auth/token"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                           "description": "The publisher's key (PUBLISHER_API_KEY)"},
            },
        },
    }


def document() -> dict:
    """Return this app's document, built once per app."""
    cache = current_app.extensions.setdefault("parley_openapi", {})
    if "document" not in cache:
        cache["document"] = build_document(current_app)
    return cache["document"]


bp = Blueprint("openapi", __name__, url_prefix=API_PREFIX)


@bp.get("/openapi.json")
@operation(responses={200: OpenApiDocument})
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return document()


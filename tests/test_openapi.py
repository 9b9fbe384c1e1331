"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document of every API route, built from the schemas."""
import re

import pytest
from flask import Blueprint
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

from forum.openapi import build_document


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    spec = document(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_api_route_of_the_app_is_an_operation(app, client):
    spec = document(client)
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    routes = {(method, re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes


ACCOUNT_ROUTES = [("post", "/api/v1/auth/email/confirm"), ("post", "/api/v1/auth/email-change/confirm"),
                  ("post", "/api/v1/me/email/verification"), ("post", "/api/v1/me/two-factor"),
                  ("delete", "/api/v1/me/two-factor"), ("post", "/api/v1/me/two-factor/confirm"),
                  ("get", "/api/v1/moderation/deletions"), ("delete", "/api/v1/moderation/users/{username}")]


def test_the_account_routes_beyond_the_contract_and_the_desks_requirements_are_documented(client):
    spec = document(client)
    assert [(method, path) for method, path in ACCOUNT_ROUTES if method not in spec["paths"].get(path, {})] == []
    schemas = spec["components"]["schemas"]
    for name in ("require_staff_two_factor", "require_verified_email"):
        assert name in schemas["SettingsBody"]["properties"] and name in schemas["Settings"]["required"]


def test_operations_declare_parameters_bodies_security_and_the_error_shape(client):
    spec = document(client)
    schemas = spec["components"]["schemas"]
    assert set(spec["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert spec["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The publisher's key (PUBLISHER_API_KEY)"}
    error = schemas["ErrorBody"]
    assert error["required"] == ["error"]
    assert set(schemas["ErrorDetail"]["properties"]) >= {"code", "message", "field"}

    post = spec["paths"]["/api/v1/articles/{article_id}/comments"]["post"]
    assert post["security"] == [{"bearer": []}]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewComment"}
    assert {"201", "400", "401", "404", "413", "422"} <= set(post["responses"])
    assert schemas["NewComment"]["properties"]["parent_id"]["anyOf"][0]["maximum"] == 2**31 - 1

    listing = spec["paths"]["/api/v1/articles/{article_id}/comments"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"article_id", "cursor", "limit", "sort"}
    assert spec["paths"]["/api/v1/articles/{article_id}"]["put"]["security"] == [{"apiKey": []}]
    comment_path = spec["paths"]["/api/v1/comments/{comment_id}"]["get"]["parameters"][0]
    assert comment_path["in"] == "path" and comment_path["schema"]["maximum"] == 2**31 - 1
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert "401" in op["responses"] and any(s.startswith("2") for s in op["responses"]), (method, path)


def test_an_undeclared_api_route_is_refused_at_build_time(app):
    extra = Blueprint("extra", __name__, url_prefix="/api/v1")
    extra.add_url_rule("/undeclared", "undeclared", lambda: {})
    app.register_blueprint(extra)
    with pytest.raises(LookupError, match="/api/v1/undeclared"):
        build_document(app)

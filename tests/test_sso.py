"""Single sign-on with the newsroom's JWT (POST /api/v1/auth/sso), through HTTP, on both databases."""
import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, ApiActions, bearer, run_together

SECRET = "a-newsroom-secret-of-at-least-32-bytes"
READER = {"id": "np-1001", "email": "jane@news.example.org", "username": "jane.doe", "display_name": "Jane Doe"}


def mint(user=None, *, key=SECRET, algorithm="HS256", lifetime=300, **claims) -> str:
    now = int(time.time())
    payload = {"iat": now, "exp": now + lifetime, "user": READER if user is None else user, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm=algorithm)


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(private_key) -> str:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def sso_app(make_app):
    return make_app(SSO_SECRET=SECRET)


@pytest.fixture
def sso(sso_app):
    client = sso_app.test_client()
    return lambda token: client.post("/api/v1/auth/sso", json={"token": token})


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_first_sign_in_creates_a_linked_account_and_answers_a_working_token(sso_app, sso):
    response = sso(mint())
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["user"]["username"] == "jane_doe"
    assert answer["user"]["display_name"] == "Jane Doe"
    assert answer["user"]["email"] == "jane@news.example.org"
    assert answer["user"]["role"] == "reader" and answer["email_in_use"] is False
    me = sso_app.test_client().get("/api/v1/me", headers=bearer(answer["token"]))
    assert me.status_code == 200 and me.get_json()["user"]["username"] == "jane_doe"


def test_later_sign_ins_find_the_account_by_id_and_update_email_and_display_name(sso_app, sso):
    first = sso(mint()).get_json()["user"]
    changed = {**READER, "email": "jane.doe@news.example.org", "display_name": "Jane D.", "username": "other"}
    again = sso(mint(changed)).get_json()["user"]
    assert again["username"] == first["username"] == "jane_doe"
    assert again["email"] == "jane.doe@news.example.org" and again["display_name"] == "Jane D."
    assert user_count(sso_app) == 1


def test_extra_claims_such_as_aud_and_iss_are_accepted(sso):
    assert sso(mint(aud="parley", iss="https://news.example.org", sub="np-1001")).status_code == 200


def test_a_numeric_id_is_the_same_reader_as_its_digits(sso_app, sso):
    assert sso(mint({**READER, "id": 42})).status_code == 200
    assert sso(mint({**READER, "id": "42"})).status_code == 200
    assert user_count(sso_app) == 1


def test_a_taken_username_gets_a_free_variant_never_the_existing_account(sso_app, sso):
    api = ApiActions(sso_app)
    assert api.register("Jane_Doe", email="someone@example.org").status_code == 201
    answer = sso(mint()).get_json()
    assert answer["user"]["username"] == "jane_doe2"
    second = sso(mint({**READER, "id": "np-2002", "email": "j2@news.example.org"})).get_json()
    assert second["user"]["username"] == "jane_doe3"
    assert user_count(sso_app) == 3


@pytest.mark.parametrize("wanted, expected", [
    ("Zoë Ünal", "Zoe_Unal"), ("ab", "reader_ab"), ("日本", "reader"), ("x" * 60, "x" * 30),
    ("  spaced  out  ", "spaced_out"),
])
def test_the_username_is_made_to_follow_parleys_rule(sso, wanted, expected):
    answer = sso(mint({**READER, "username": wanted})).get_json()
    assert answer["user"]["username"] == expected


def test_an_email_another_account_has_stays_off_the_sso_account(sso_app, sso):
    api = ApiActions(sso_app)
    assert api.register("janet", email="JANE@news.example.org").status_code == 201
    answer = sso(mint()).get_json()
    assert answer["email_in_use"] is True and answer["user"]["email"] is None
    janet = api.login("janet")
    assert api.client.get("/api/v1/me", headers=janet).get_json()["user"]["email"] == "jane@news.example.org"
    # Once the address is free again (another address sent), the account takes the new one.
    answer = sso(mint({**READER, "email": "jane2@news.example.org"})).get_json()
    assert answer["email_in_use"] is False and answer["user"]["email"] == "jane2@news.example.org"


def test_an_sso_account_cannot_log_in_with_a_password(sso_app, sso):
    username = sso(mint()).get_json()["user"]["username"]
    client = sso_app.test_client()
    for password in ("", "!", PASSWORD):
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code in (401, 422)


def test_role_and_sanctions_never_come_from_the_token_and_a_ban_stays(sso_app, sso):
    token = sso(mint({**READER, "role": "admin"}, role="admin")).get_json()["token"]
    api = ApiActions(sso_app)
    api.article()
    moderator = api.staff("mod")
    username = api.client.get("/api/v1/me", headers=bearer(token)).get_json()["user"]["username"]
    assert api.client.post(f"/api/v1/moderation/users/{username}/suspension", json={"reason": "spam"},
                           headers=moderator).status_code == 200
    again = sso(mint())
    # As with a password login, a banned reader still gets a token: it reads, and posting says why not.
    assert again.status_code == 200
    user = again.get_json()["user"]
    assert user["role"] == "reader" and user["status"] == "banned"
    posted = api.post(bearer(again.get_json()["token"]), "Let me back in")
    assert posted.status_code == 403 and posted.get_json()["error"]["code"] == "banned"


def _unsigned(payload: dict, header: dict) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


def _bad_tokens():
    now = int(time.time())
    good = {"iat": now, "exp": now + 300, "user": READER}
    return {
        "wrong secret": mint(key="another-secret-that-is-also-32-bytes-long"),
        "expired": mint(lifetime=-3600),
        "no exp": jwt.encode({"iat": now, "user": READER}, SECRET, algorithm="HS256"),
        "no iat": jwt.encode({"exp": now + 300, "user": READER}, SECRET, algorithm="HS256"),
        "alg none": _unsigned(good, {"alg": "none", "typ": "JWT"}),
        "HS512": jwt.encode(good, SECRET + "-and-more-for-hs512-0123456789abcdef", algorithm="HS512"),
        "not a jwt": "hello",
        "garbage parts": "a.b.c",
        "no user": mint(user={}),
        "user not an object": mint(user="jane"),
        "no id": mint({k: v for k, v in READER.items() if k != "id"}),
        "empty id": mint({**READER, "id": ""}),
        "id a float": mint({**READER, "id": 1.5}),
        "id a bool": mint({**READER, "id": True}),
        "id too long": mint({**READER, "id": "x" * 256}),
        "no email": mint({k: v for k, v in READER.items() if k != "email"}),
        "bad email": mint({**READER, "email": "not-an-email"}),
        "no username": mint({k: v for k, v in READER.items() if k != "username"}),
        "username a number": mint({**READER, "username": 7}),
        "display name too long": mint({**READER, "display_name": "x" * 61}),
        "exp a string": jwt.encode({**good, "exp": "later"}, SECRET, algorithm="HS256"),
    }


@pytest.mark.backend_independent
@pytest.mark.parametrize("case", list(_bad_tokens()))
def test_a_bad_token_is_401_and_changes_nothing(sso_app, sso, case):
    token = _bad_tokens()[case]
    response = sso(token)
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_sso_token"
    assert user_count(sso_app) == 0


def test_a_bad_token_does_not_change_an_existing_account(sso_app, sso):
    sso(mint())
    response = sso(mint({**READER, "display_name": "Hacked"}, key="another-secret-that-is-also-32-bytes-long"))
    assert response.status_code == 401
    assert sso(mint({k: v for k, v in READER.items() if k != "display_name"})).get_json()["user"]["display_name"] \
        == "Jane Doe"


@pytest.mark.backend_independent
@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": 5}, {"token": "x" * 8001}])
def test_a_missing_or_ill_typed_token_field_is_a_clear_4xx(sso_app, body):
    response = sso_app.test_client().post("/api/v1/auth/sso", json=body)
    assert response.status_code in (413, 422), response.get_json()
    assert response.get_json()["error"]["field"] == "token"
    assert user_count(sso_app) == 0


@pytest.mark.parametrize("body", [{"token": mint()}, {}, {"token": 5}, None])
def test_sso_is_off_without_a_secret_or_key(client, body):
    # Whatever the body, a Parley without SSO says so (403 sso_disabled), not what the body lacks.
    response = client.post("/api/v1/auth/sso", json=body) if body is not None else client.post("/api/v1/auth/sso")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "sso_disabled"


def test_rs256_with_a_public_key(make_app, rsa_key):
    app = make_app(SSO_PUBLIC_KEY=public_pem(rsa_key).replace("\n", "\\n"))
    client = app.test_client()
    good = client.post("/api/v1/auth/sso", json={"token": mint(key=rsa_key, algorithm="RS256")})
    assert good.status_code == 200, good.get_json()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = [
        mint(key=other_key, algorithm="RS256"),
        # The public key used as an HMAC secret: the classic algorithm confusion.
        _hs256_with(public_pem(rsa_key)),
        mint(algorithm="HS256"),
    ]
    for token in forged:
        response = client.post("/api/v1/auth/sso", json={"token": token})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_sso_token"


def test_an_rs256_token_is_refused_where_hs256_is_configured(sso, rsa_key):
    response = sso(mint(key=rsa_key, algorithm="RS256"))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_sso_token"


def _hs256_with(secret: str) -> str:
    """Sign HS256 by hand: PyJWT refuses a PEM as an HMAC key, which is the point of the test."""
    import hashlib
    import hmac

    now = int(time.time())

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "."
                     + part(json.dumps({"iat": now, "exp": now + 300, "user": READER}).encode()))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


@pytest.mark.backend_independent
@pytest.mark.parametrize("settings, message", [
    ({"SSO_SECRET": SECRET, "SSO_PUBLIC_KEY": "x"}, "not both"),
    ({"SSO_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}, "RSA public key"),
])
def test_bad_sso_settings_stop_the_app_at_start(make_app, settings, message):
    with pytest.raises(ValueError, match=message):
        make_app(**settings)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_short_secret_is_logged_and_still_signs_readers_in(make_app, caplog):
    app = make_app(SSO_SECRET="newsroom-secret")
    assert "SSO_SECRET is shorter than 32 bytes" in caplog.text
    answer = app.test_client().post("/api/v1/auth/sso", json={"token": mint(key="newsroom-secret")})
    assert answer.status_code == 200, answer.json
    assert answer.json["user"]["username"] == "jane_doe"


def test_sso_sign_ins_are_rate_limited(make_app):
    app = make_app(SSO_SECRET=SECRET, RATELIMIT_ENABLED=True, RATELIMIT_SSO="3 per minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/sso", json={"token": "bad"}).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def _sign_in_on(app, token):
    return lambda: app.test_client().post("/api/v1/auth/sso", json={"token": token})


def test_concurrent_first_sign_ins_make_one_account_and_distinct_names(make_app):
    first, second = make_app(SSO_SECRET=SECRET), make_app(SSO_SECRET=SECRET)
    for take in range(4):
        same = mint({**READER, "id": f"same-{take}", "email": f"same{take}@news.example.org"})
        answers = run_together(_sign_in_on(first, same), _sign_in_on(second, same))
        assert [a.status_code for a in answers] == [200, 200]
        assert len({a.get_json()["user"]["username"] for a in answers}) == 1
        # Two newsroom readers wanting one name at once: both get an account, under different names.
        rivals = [mint({**READER, "id": f"rival-{take}-{n}", "email": f"r{take}{n}@news.example.org",
                        "username": f"rival{take}"}) for n in (1, 2)]
        answers = run_together(_sign_in_on(first, rivals[0]), _sign_in_on(second, rivals[1]))
        assert [a.status_code for a in answers] == [200, 200]
        assert len({a.get_json()["user"]["username"] for a in answers}) == 2
    assert user_count(first) == 12


def test_the_secret_and_the_key_come_from_the_environment(make_app, monkeypatch, rsa_key):
    monkeypatch.setenv("SSO_SECRET", SECRET)
    assert make_app().test_client().post("/api/v1/auth/sso", json={"token": mint()}).status_code == 200
    monkeypatch.delenv("SSO_SECRET")
    monkeypatch.setenv("SSO_PUBLIC_KEY", public_pem(rsa_key))
    response = make_app().test_client().post("/api/v1/auth/sso",
                                             json={"token": mint(key=rsa_key, algorithm="RS256")})
    assert response.status_code == 200

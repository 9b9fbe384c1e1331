"""``seed-demo`` builds a working demo, once."""
from tests.factories import ApiActions


def test_seed_demo_prints_accounts_and_builds_a_thread(runner, app):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "maria" in result.output and "steel-beams-4" in result.output and "X-API-Key" in result.output
    api = ApiActions(app)
    thread = api.thread("riverside-bridge-reopens")
    assert len(thread["comments"]) >= 3
    assert any(c["replies"] for c in thread["comments"])
    for username, password, role in (("mod", "steel-beams-4", "moderator"), ("editor", "night-desk-27", "admin")):
        assert f"{username} " in result.output and password in result.output
        headers = api.login(username, password)
        assert api.client.get("/api/v1/me", headers=headers).get_json()["user"]["role"] == role
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert len(api.thread("riverside-bridge-reopens")["comments"]) == len(thread["comments"])

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
    headers = api.login("mod", "steel-beams-4")
    assert api.client.get("/api/v1/me", headers=headers).get_json()["user"]["role"] == "moderator"
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert len(api.thread("riverside-bridge-reopens")["comments"]) == len(thread["comments"])

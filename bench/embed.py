"""Measure the embed: script sizes, and the time from loading embed.js to a rendered 100-comment thread.

Parley serves a thread of 100 published comments (20 top-level, each with 3 replies, one of which
has a reply of its own: all of them on the first page) from a temporary SQLite file on
127.0.0.1, with Werkzeug's threaded server; a newsroom page on 127.0.0.2 embeds it. Each run is a
fresh chromium context (cold cache, no cookies): the page starts a clock as it inserts the
``<script src=".../embed.js" async>`` element, and a script that the browser injects into the
framed thread stops it when the 100th comment element is in its document.

    .venv/bin/python bench/embed.py [--runs 9]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import gzip  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from tests.browser.embed_sites import NewsroomPages, serving  # noqa: E402
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.factories import PUBLISHER_KEY, ApiActions  # noqa: E402
from tests.screens import WordScreen  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "forum" / "static"
FRAME_SCRIPTS = ("embed/api.js", "embed/thread.js", "embed/account.js", "embed/app.js")
COMMENTS = 100

HOST_PAGE = """<!doctype html><meta charset="utf-8"><title>Bench</title><h1>A story</h1>
<div data-parley-article="bench-story"><a href="{parley}/articles/bench-story">Comments</a></div>
<script>window.scriptStart = performance.timeOrigin + performance.now();
var s = document.createElement("script"); s.async = true; s.src = "{parley}/embed.js";
document.body.append(s);</script>"""

#: Injected by the browser into every frame; only the framed thread records the moment.
RENDERED = """if (location.pathname.indexOf("/embed/articles/") === 0) {
  new MutationObserver(function (changes, observer) {
    if (document.querySelectorAll(".comment").length >= %d) {
      window.renderedAt = performance.timeOrigin + performance.now(); observer.disconnect();
    }
  }).observe(document, {childList: true, subtree: true});
}""" % COMMENTS


def sizes() -> list[tuple[str, int, int]]:
    """Return (name, raw bytes, gzip bytes) of embed.js, the frame's scripts together, and its stylesheet."""
    groups = {"embed.js (newsroom page)": ["embed/embed.js"], "frame scripts (4 files)": list(FRAME_SCRIPTS),
              "embed.css (frame)": ["embed/embed.css"]}
    rows = []
    for name, files in groups.items():
        raw = b"".join((STATIC / f).read_bytes() for f in files)
        rows.append((name, len(raw), sum(len(gzip.compress((STATIC / f).read_bytes(), 9)) for f in files)))
    return rows


def build_site(folder: str, newsroom: str):
    """Return an app with the 100-comment thread, embeddable by ``newsroom``."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "PUBLISHER_API_KEY": PUBLISHER_KEY, "EMBED_ORIGINS": newsroom, "RATELIMIT_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      # No classifier: the word-list screen of the tests publishes every comment here.
                      "PLUGINS": [], "SCREEN": WordScreen(),
                      # One writer seeds the thread in a second: the spam rules would hold it.
                      "MODERATION_BURST_LIMIT": 0, "MODERATION_REPEAT_POST_HOLD": False})
    with app.app_context():
        upgrade()
    api = ApiActions(app)
    api.article("bench-story")
    writer = api.reader("writer")
    for n in range(COMMENTS // 5):
        top = api.comment(writer, f"Top-level comment {n} about the buses and the parking fees.",
                          article_id="bench-story")
        replies = [api.comment(writer, f"Reply {r} to comment {n}: the shops will cope.", article_id="bench-story",
                               parent_id=top["id"]) for r in range(3)]
        api.comment(writer, "And a reply to that reply.", article_id="bench-story", parent_id=replies[0]["id"])
    return app


def time_runs(newsroom: str, runs: int) -> tuple[list[float], list[float]]:
    """Return the milliseconds from inserting embed.js to the 100th comment element, and those of the
    thread's API request within them, per run."""
    from playwright.sync_api import sync_playwright

    times, api_times = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context()
            context.add_init_script(RENDERED)
            page = context.new_page()
            page.goto(f"{newsroom}/bench")
            frame = page.frame_locator("iframe")
            frame.locator(".comment >> nth=%d" % (COMMENTS - 1)).wait_for()
            rendered = page.frames[1].evaluate("window.renderedAt")
            times.append(rendered - page.evaluate("window.scriptStart"))
            api_times.append(page.frames[1].evaluate(
                "performance.getEntriesByType('resource').find(e => e.name.includes('/comments?')).duration"))
            context.close()
        browser.close()
    return times, api_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print("| script | raw bytes | gzip -9 bytes |\n| --- | ---: | ---: |")
    for name, raw, packed in sizes():
        print(f"| {name} | {raw:,} | {packed:,} |")
    pages = NewsroomPages()
    with tempfile.TemporaryDirectory() as folder, serving(pages, "127.0.0.2") as newsroom_server:
        newsroom = f"http://127.0.0.2:{newsroom_server.server_port}"
        app = build_site(folder, newsroom)
        with serving(app, "127.0.0.1") as parley_server:
            parley = f"http://127.0.0.1:{parley_server.server_port}"
            pages.pages["/bench"] = HOST_PAGE.replace("{parley}", parley)
            times, api_times = time_runs(newsroom, args.runs)
        with app.app_context():
            db.engine.dispose()
    print(f"\nembed.js inserted -> {COMMENTS} comments rendered, {args.runs} cold runs: "
          f"median {statistics.median(times):.0f} ms, min {min(times):.0f}, max {max(times):.0f}; "
          f"of which the thread's API request: median {statistics.median(api_times):.0f} ms")


if __name__ == "__main__":
    main()

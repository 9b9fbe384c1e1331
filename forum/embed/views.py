"""``GET /embed.js`` and the framed thread page ``/embed/articles/<article_id>``.

The script runs on the newsroom's page and only places iframes and fills counts; the thread runs
inside the iframe, on Parley's origin, with a bearer token kept in that frame's memory, so it
needs no third-party cookie and the host page's scripts never see the token. The framed page
renders no session state (no CSRF token, no cookie): whoever the reader is, the frame's script
learns it from the API.
"""
from flask import Blueprint, current_app, render_template, send_from_directory

from forum.errors import ApiError
from forum.models import utcnow
from forum.threads.counts import published_count
from forum.threads.service import get_article

bp = Blueprint("embed", __name__)

#: Seconds a browser or CDN keeps /embed.js: short, so a fix reaches every news page soon.
SCRIPT_MAX_AGE = 300


@bp.get("/embed.js")
def script():
    """Serve the script that the newsroom's pages load."""
    response = send_from_directory(current_app.static_folder, "embed/embed.js", max_age=SCRIPT_MAX_AGE,
                                   mimetype="text/javascript")
    # Any page may load the script; only the EMBED_ORIGINS may frame what it places.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed/articles/<article_id:article_id>")
def thread(article_id):
    """Render the framed thread's shell; its script reads and writes through the JSON API."""
    try:
        article = get_article(article_id)
    except ApiError as error:
        return render_template("embed/missing.html", message=error.message), error.status
    # Parley's own origin is added by the frame's script from its location, not from the request's
    # Host, which the client chooses (a cache keyed by path alone would hand it to every reader).
    return render_template(
        "embed/thread.html", article=article, origins=current_app.config["EMBED_ORIGINS"],
        comment_count=published_count(article.id),
        edit_window=current_app.config["COMMENT_EDIT_WINDOW_SECONDS"],
        max_length=current_app.config["COMMENT_MAX_LENGTH"],
        now=utcnow().isoformat(timespec="seconds") + "Z",
    )

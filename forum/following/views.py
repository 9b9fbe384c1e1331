"""Pages: a reader's profile, who follows whom, the follow and mute buttons, and the feed."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.accounts.service import get_user
from forum.extensions import db
from forum.following import queries, service
from forum.pagination import page_args
from forum.views import add_nav_item

bp = Blueprint("following", __name__)

ACTIONS = {
    "follow": (service.follow, "You now follow {name}: their comments appear in your feed."),
    "unfollow": (service.unfollow, "You no longer follow {name}."),
    "mute": (service.mute, "You muted {name}: their comments are collapsed for you and left out of your feed."),
    "unmute": (service.unmute, "You unmuted {name}."),
}


@bp.get("/users/<username:username>")
def profile(username):
    """Show a reader's profile: counts, follow and mute buttons, and their published comments."""
    user = get_user(username)
    return render_template("following/profile.html", profile=queries.profile(user, current_user),
                           page=queries.user_comments(user, **page_args()))


@bp.get("/users/<username:username>/followers")
def followers(username):
    """List the readers who follow ``username``."""
    user = get_user(username)
    return render_template("following/people.html", user=user, which="followers",
                           page=queries.followers(user, **page_args()))


@bp.get("/users/<username:username>/following")
def following(username):
    """List the readers ``username`` follows."""
    user = get_user(username)
    return render_template("following/people.html", user=user, which="following",
                           page=queries.following(user, **page_args()))


@bp.post("/users/<username:username>/<any(follow, unfollow, mute, unmute):action>")
@login_required
def change(username, action):
    """Follow, unfollow, mute or unmute from the profile's buttons."""
    user = get_user(username)
    change_relation, message = ACTIONS[action]
    change_relation(current_user, user)
    db.session.commit()
    flash(message.format(name=user.display_name), "success")
    return redirect(url_for("following.profile", username=user.username))


@bp.get("/feed")
@login_required
def feed():
    """Show the newest comments by the readers I follow."""
    return render_template("following/feed.html", page=queries.feed(current_user, **page_args()))


def _feed_link(user) -> dict:
    return {"url": url_for("following.feed"), "label": "Feed"}


def init_app(app) -> None:
    """Register the pages and the header's Feed link."""
    app.register_blueprint(bp)
    add_nav_item(app, _feed_link)

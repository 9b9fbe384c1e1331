"""Moderation in context: the thread page as a moderator sees it (every comment with its status,
scores and decisions in place) and a reader's comments on a story rejected at once."""
from forum.threads.staff_view import register_staff_view
from moderation.context import api, views
from moderation.context.annotations import ThreadAnnotations
from moderation.vocabulary import ACTION_LABELS, REJECTION_LABELS


def init_app(app) -> None:
    """Annotate thread pages for moderators and register the forms and the JSON endpoint behind them."""
    register_staff_view(app, ThreadAnnotations())
    for blueprint in (views.bp, api.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(rejection_labels=REJECTION_LABELS, action_labels=ACTION_LABELS)

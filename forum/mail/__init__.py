"""Mail: messages built from templates (plain text and HTML), written to the outbox with the change
they report and sent over SMTP by the outbox worker; one-click unsubscribe for notification mail.

``queue_mail`` is the one way to send mail; ``MAIL_URL`` says where it goes (unset: to the log).
"""


def init_app(app) -> None:
    """Let the app's workers send mail, and serve the unsubscribe pages."""
    from forum.mail.service import KIND
    from forum.mail.smtp import send
    from forum.mail.views import bp
    from forum.outbox.service import register_handler

    register_handler(app, KIND, send)
    app.register_blueprint(bp)

"""The unsubscribe link of notification mail: a page with a button, and RFC 8058's one-click POST."""
from flask import Blueprint, render_template

from forum.extensions import csrf, db
from forum.mail.unsubscribe import KIND_LABELS, read_token, unsubscribe

bp = Blueprint("unsubscribe", __name__)
#: Long enough for any token ``unsubscribe_url`` makes; a longer one is refused before it is read.
TOKEN_MAX_LENGTH = 200


@bp.get(f"/unsubscribe/<string(maxlength={TOKEN_MAX_LENGTH}):token>")
def confirm(token):
    """Show which mail the link turns off, with a button: mail scanners that follow links change nothing."""
    _, kind = read_token(token)
    return render_template("unsubscribe/confirm.html", what=KIND_LABELS[kind])


@bp.post(f"/unsubscribe/<string(maxlength={TOKEN_MAX_LENGTH}):token>")
@csrf.exempt  # RFC 8058: the mail client posts without a page; the signed token is the authority
def one_click(token):
    """Turn that kind of mail off, without a login, and say so."""
    user, kind = read_token(token)
    unsubscribe(user, kind)
    db.session.commit()
    return render_template("unsubscribe/done.html", what=KIND_LABELS[kind])

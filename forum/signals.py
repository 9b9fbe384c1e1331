"""Domain events, so that threads need not know who reacts to them (notifications, the queue)."""
from blinker import Namespace

_signals = Namespace()

#: A comment became visible to everyone (posted and published, or approved): sender is the Comment;
#: ``is_new=True`` when it was created in this transaction (posted), so nothing announced it before.
comment_published = _signals.signal("comment-published")

#: A comment was written with a fresh screening verdict (posted, or edited), whatever its status
#: (published, pending or rejected), in the transaction that wrote it: sender is the Comment.
comment_screened = _signals.signal("comment-screened")

#: A reader deleted their comment (its body is gone, its place may stay), in the transaction that
#: deleted it: sender is the Comment.
comment_deleted = _signals.signal("comment-deleted")

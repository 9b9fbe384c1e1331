"""Domain events, so that threads need not know who reacts to them (notifications, the queue)."""
from blinker import Namespace

_signals = Namespace()

#: A comment became visible to everyone (posted and published, or approved): sender is the Comment.
comment_published = _signals.signal("comment-published")
#: The author replaced a comment's text (it was screened again): sender is the Comment.
comment_edited = _signals.signal("comment-edited")

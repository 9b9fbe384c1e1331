"""What the desk keeps about readers: pre-moderation, moderators' notes, their audit trail, and the rules on them.

All of it lives in moderation's own tables: the forum knows a reader's comments, never that a
moderator put them on pre-moderation or wrote a note about them.
"""

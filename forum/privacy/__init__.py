"""A reader's own data: the export of everything Parley holds about them, and the deletion of their account.

The forum's tables are handled here; what a plugin keeps about a reader (moderation: reports,
sanctions, notes) reaches export and deletion through the holders it registers (``holders``).
"""

"""A reader's own account settings: display name, email, password, mail preferences.

One service (``service.py``, ``email_change.py``) behind two doors: ``PATCH /api/v1/me`` and the
/settings pages (``views.py``). Not the moderation desk's settings (moderation/settings.py).
"""

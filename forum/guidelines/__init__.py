"""The newsroom's community guidelines: one text, a sensible default, edited by admins."""

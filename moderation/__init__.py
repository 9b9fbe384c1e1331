"""Moderation: the classifier (``moderation.classifier``, a plain library that knows nothing of the
web) and the moderation desk around it (scoring glue, policy, queue, learning loop, CLI)."""

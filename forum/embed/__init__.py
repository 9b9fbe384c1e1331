"""The embed: ``/embed.js`` for the newsroom's pages, and the thread page it frames."""

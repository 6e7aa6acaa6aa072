"""Paper-digest Telegram bot: weekly AI-paper digests and lookups for team chats."""

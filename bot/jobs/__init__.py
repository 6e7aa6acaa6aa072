"""Scheduled work on the JobQueue: the weekly post, catch-up, resumption, the publisher."""

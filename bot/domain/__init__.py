"""Pure domain code: digest parsing, topic tagging, text normalisation, rendering.

Nothing here imports ``telegram`` or ``sqlalchemy``.
"""

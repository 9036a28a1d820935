"""``exports/*``: what `carbon run` hands to people, written after the marts and the quality checks."""

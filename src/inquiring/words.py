"""Words of a query that carry meaning, for full-text search and for coverage."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    (
        "a about above after again against all also am an and any are as at be because been "
        "before being below between both but by can could did do does doing done down during "
        "each even ever few for from further get gets got had has have having he her here hers "
        "him his how i if in into is it its itself just me more most much my no nor not now of "
        "off on once only or other our ours out over own really same she should so some such "
        "than that the their theirs them then there these they this those through to too under "
        "until up us very was we were what when where which while who whom why will with would "
        "you your yours "
    ).split()
)


def content_words(text: str) -> list[str]:
    """Lower-cased words of three letters or more that are not common function words."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", text.lower()):
        if len(word) > 2 and word not in STOPWORDS and not word.isdigit():
            seen.setdefault(word, None)
    return list(seen)[:64]

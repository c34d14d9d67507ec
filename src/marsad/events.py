"""Code PLOVER events.

(Placeholder: the stage is registered so the pipeline has its final shape; it adds
nothing yet.)
"""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Stage, StageConfig, register_stage


@register_stage("events", requires=('tokens', 'entities', 'actors', 'places', 'times',), assigns=("events",))
def make_events(config: StageConfig) -> Stage:
    """Code PLOVER events."""

    def events(doc: Document) -> Document:
        return doc

    return events

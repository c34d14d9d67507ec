"""Geocode place mentions.

(Placeholder: the stage is registered so the pipeline has its final shape; it adds
nothing yet.)
"""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Stage, StageConfig, register_stage


@register_stage("places", requires=('tokens', 'entities',), assigns=("places",))
def make_places(config: StageConfig) -> Stage:
    """Geocode place mentions."""

    def places(doc: Document) -> Document:
        return doc

    return places

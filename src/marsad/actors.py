"""Resolve mentions to actors with country and sector codes.

(Placeholder: the stage is registered so the pipeline has its final shape; it adds
nothing yet.)
"""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Stage, StageConfig, register_stage


@register_stage("actors", requires=('tokens', 'entities',), assigns=("actors",))
def make_actors(config: StageConfig) -> Stage:
    """Resolve mentions to actors with country and sector codes."""

    def actors(doc: Document) -> Document:
        return doc

    return actors

"""Find named entities (PER, ORG, LOC, GPE, MISC).

(Placeholder: the stage is registered so the pipeline has its final shape; it adds
nothing yet.)
"""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Stage, StageConfig, register_stage


@register_stage("ner", requires=('tokens',), assigns=("entities",))
def make_ner(config: StageConfig) -> Stage:
    """Find named entities (PER, ORG, LOC, GPE, MISC)."""

    def ner(doc: Document) -> Document:
        return doc

    return ner

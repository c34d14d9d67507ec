"""Find time expressions and resolve them against the article date.

(Placeholder: the stage is registered so the pipeline has its final shape; it adds
nothing yet.)
"""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Stage, StageConfig, register_stage


@register_stage("times", requires=('tokens',), assigns=("times",))
def make_times(config: StageConfig) -> Stage:
    """Find time expressions and resolve them against the article date."""

    def times(doc: Document) -> Document:
        return doc

    return times

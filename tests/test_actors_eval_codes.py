"""The one place gold CAMEO-style codes and Marsad's actor codes are compared (used by
`marsad eval actors` and `marsad eval events --spans`)."""

from __future__ import annotations

from marsad.actors_eval import actor_codes, gigaword_date, gold_codes
from marsad.doc import ActorMention


def _actor(country: str | None, sector: str | None, code: str | None) -> ActorMention:
    return ActorMention(start=0, end=4, text="نص", name=None, name_en=None, country=country,
                        sector=sector, code=code, kb_id=None, generic=False, confidence=1.0)


def test_gold_codes() -> None:
    assert gold_codes({"main": "IRQ", "role": "MILGOV"}) == ("IRQ", "MIL")
    assert gold_codes({"main": "None", "role": "INS"}) == (None, "REB")
    assert gold_codes({"main": "", "role": "UNKNOWN"}) == (None, None)
    assert gold_codes("not a dict") == (None, None)


def test_actor_codes_put_international_codes_in_the_country_slot() -> None:
    assert actor_codes(_actor(None, "IGO", "IGONAT")) == ("IGO", "IGO")
    assert actor_codes(_actor(None, "INS", "IMGINS")) == ("IMG", "REB")
    assert actor_codes(_actor("IRQ", "MIL", "IRQMIL")) == ("IRQ", "MIL")
    assert actor_codes(None) == (None, None)


def test_gigaword_date() -> None:
    assert gigaword_date("AAW_ARB_20080110.0012-3") == "2008-01-10"
    assert gigaword_date("no date here") is None
    assert gigaword_date(None) is None

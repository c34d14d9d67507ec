"""«على» (on) after a group noun is the preposition, not the given name «علي»."""

from __future__ import annotations

from marsad.actors import generic_actor


def test_preposition_after_a_group_is_no_name() -> None:
    found = generic_actor("هجمات الميليشيات على مواقع الجيش")
    assert found is not None and found.text == "الميليشيات" and found.name is None


def test_a_name_after_a_group_is_still_read() -> None:
    found = generic_actor("ميليشيات علي عبدالله صالح")
    assert found is not None and found.country == "YEM"

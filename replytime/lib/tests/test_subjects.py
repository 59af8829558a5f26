"""norm_subject and is_reply_subject (spec §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replytime.lib.subjects import is_reply_subject, norm_subject

CASES = [
    # (subject, norm_subject, is_reply_subject)
    ("Prices", "prices", False),
    ("Re: Prices", "prices", True),
    ("RE[2]: Prices", "prices", True),
    ("Re(3): Prices", "prices", True),
    ("Re^2: Prices", "prices", True),
    ("Re : Prices", "prices", True),
    ("RE [2] : Prices", "prices", True),
    ("AW: Angebot", "angebot", True),
    ("SV: Offert", "offert", True),
    ("Antw: Offerte", "offerte", True),
    ("réf: Devis", "devis", True),
    ("RÉF : Devis", "devis", True),
    ("Odp: Oferta", "oferta", True),
    ("Fwd: Prices", "prices", False),
    ("FW: Re: Prices", "prices", False),
    ("WG: Angebot", "angebot", False),
    ("Doorst: Offerte", "offerte", False),
    ("[tag] Re: Fwd: Prices", "prices", True),
    ("[ext] [list] RE: Prices", "prices", True),
    ("Re: [tag] Re: Prices", "prices", True),
    ("  Re:   Prices   and\tcosts  ", "prices and costs", True),
    ("Re:Re:Re: Prices", "prices", True),
    ("Reply: Prices", "reply: prices", False),
    ("Rebate: offer", "rebate: offer", False),
    ("Re2: Prices", "re2: prices", False),
    ("Prices Re: x", "prices re: x", False),
    ("Re:", "", True),
    ("[tag]", "", False),
    ("", "", False),
    ("STRASSE", "strasse", False),
    ("Straße", "strasse", False),
]


@pytest.mark.parametrize(("subject", "normalised", "reply"), CASES)
def test_norm_subject(subject: str, normalised: str, reply: bool) -> None:
    assert norm_subject(subject) == normalised
    assert is_reply_subject(subject) is reply


def test_none_is_the_empty_subject() -> None:
    assert norm_subject(None) == ""
    assert is_reply_subject(None) is False


@given(st.text())
def test_norm_subject_is_idempotent(subject: str) -> None:
    once = norm_subject(subject)
    assert norm_subject(once) == once


@given(st.text())
def test_prefixing_re_makes_a_reply_with_the_same_subject(subject: str) -> None:
    assert norm_subject("Re: " + subject) == norm_subject(subject)
    assert is_reply_subject("Re: " + subject)

"""Shared hypothesis strategies for the fuzz tests: values of every type, hostile text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

#: Text that reaches the odd corners: control characters, surrogates, digits of other scripts.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "..",
            "\x00",
            "\ud800",
            "+61411111111",
            "0412 345 678",
            "+44 (0)20 7946 0000",
            "6.1411111111E+10",
            "61411111111.0",
            '=HYPERLINK("x")',
            "١٢٣٤٥٦٧٨٩",
            "\u200e+61\u00a0411",
            "tel:+61411111111",
            "€" * 80,
            "a" * 300,
            "NaN",
            "inf",
        ]
    ),
)

#: Any value a caller might pass by mistake.
anything: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(allow_nan=True),
        hostile_text,
        st.binary(max_size=20),
        st.just(Decimal("NaN")),
        st.just(object()),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children),
        st.dictionaries(hostile_text, children, max_size=3),
    ),
    max_leaves=6,
)

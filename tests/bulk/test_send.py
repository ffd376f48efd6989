"""What one answer proves about each row of its chunk (``classify``, pure)."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clicksend_async.bulk import _send
from clicksend_async.bulk._channels import _parts_of, _price, _price_of
from clicksend_async.bulk._send import classify
from clicksend_async.bulk._states import (
    Claim,
    ClaimedRow,
    Release,
    RowOutcome,
    SentColumns,
    outcome_columns,
)


def claim(n: int, resend: frozenset[int] = frozenset()) -> Claim:
    rows = tuple(ClaimedRow(r, f"cs-{r}", f"+6141111110{r}", "{}") for r in range(1, n + 1))
    return Claim(chunk=1, epoch=1, rows=rows, resend=resend)


def sent(row: int, **fields: Any) -> dict[str, Any]:
    return {
        "custom_string": f"cs-{row}",
        "status": "SUCCESS",
        "message_id": f"m-{row}",
        "message_price": "0.0770",
        "message_parts": 1,
        **fields,
    }


class TestClassify:
    def test_the_common_answer_gives_every_row_its_outcome(self) -> None:
        result = classify(claim(2), {"messages": [sent(2), sent(1, status="QUEUED")]})
        assert result.outcomes == [
            RowOutcome(1, "sent", "QUEUED", "m-1", "0.0770", 1),
            RowOutcome(2, "sent", "SUCCESS", "m-2", "0.0770", 1),
        ]
        assert all(type(o) is RowOutcome for o in result.outcomes)
        assert (result.releases, result.doubt, result.abort) == ([], [], None)

    def test_the_first_message_of_a_repeated_custom_string_wins(self) -> None:
        answer = {"messages": [sent(1), sent(1, status="THROTTLED", message_id="m-x")]}
        assert classify(claim(1), answer).outcomes[0].message_id == "m-1"

    def test_garbage_entries_are_skipped_and_the_rest_still_classified(self) -> None:
        answer = {
            "messages": [
                "not a message",
                {"custom_string": ["unhashable"], "status": "SUCCESS"},
                sent(2, message_parts="2", message_id=12345, message_price=0.07),
                sent(1, status="THROTTLED"),
            ]
        }
        result = classify(claim(3), answer)
        assert result.outcomes == [RowOutcome(2, "sent", "SUCCESS", "12345", "0.07", 2)]
        assert result.releases == [
            Release(1, "THROTTLED", "THROTTLED: an identical message was sent recently")
        ]
        assert result.doubt == [3]  # not listed: no proof either way

    def test_a_status_that_is_not_a_plain_string_is_read_as_text(self) -> None:
        class Text(str):
            pass

        result = classify(
            claim(2), {"messages": [sent(1, status=Text("SUCCESS")), sent(2, status=7)]}
        )
        assert result.outcomes[0] == RowOutcome(1, "sent", "SUCCESS", "m-1", "0.0770", 1)
        assert type(result.outcomes[0].status) is str
        assert result.outcomes[1][:3] == (2, "rejected", "7")

    def test_success_in_another_case_is_sent_and_throttled_only_exactly(self) -> None:
        answer = {
            "messages": [
                sent(1, status="Success"),
                sent(2, status=" queued "),
                sent(3, status="throttled"),
            ]
        }
        result = classify(claim(3), answer)
        assert [o[:3] for o in result.outcomes] == [
            (1, "sent", "Success"),
            (2, "sent", " queued "),
            (3, "rejected", "throttled"),  # not the status that proves it was not sent
        ]
        assert result.releases == []

    def test_a_throttled_resend_is_unknown_never_released(self) -> None:
        result = classify(claim(1, frozenset({1})), {"messages": [sent(1, status="THROTTLED")]})
        assert [o[:3] for o in result.outcomes] == [(1, "unknown", "THROTTLED")]
        assert result.releases == []


def slow(claim_: Claim, data: Any) -> Any:
    """classify read row by row, the way every answer but the all-sent one is read."""
    with mock.patch.object(_send, "_all_sent", return_value=None):
        return classify(claim_, data)


class TestAllSent:
    """The common answer (every row sent, in the claim's order) is read column by column:
    the outcomes are those row-by-row reading makes of the same answer."""

    def test_every_row_sent_in_order_is_read_by_column(self) -> None:
        answer = {"messages": [sent(1), sent(2, status="QUEUED", message_price="0.1540")]}
        result = classify(claim(2), answer)
        assert type(result.outcomes) is SentColumns
        assert list(result.outcomes) == [
            RowOutcome(1, "sent", "SUCCESS", "m-1", "0.0770", 1),
            RowOutcome(2, "sent", "QUEUED", "m-2", "0.1540", 1),
        ]
        assert result.outcomes.price_counts == {"0.0770": 1, "0.1540": 1}
        assert (result.releases, result.doubt, result.abort, result.error) == ([], [], None, None)
        assert result == slow(claim(2), answer)

    def test_a_price_is_the_same_text_either_way(self) -> None:
        answer = {"messages": [sent(1, message_price="0.077000"), sent(2, message_price=None)]}
        result = classify(claim(2), answer)
        assert type(result.outcomes) is SentColumns
        assert [o.price for o in result.outcomes] == ["0.077000", None]
        assert result.outcomes.price_counts == {"0.077000": 1, None: 1}
        assert list(result.outcomes) == list(slow(claim(2), answer).outcomes)

    @pytest.mark.parametrize(
        "change",
        [
            {"status": "THROTTLED"},
            {"status": "INVALID_RECIPIENT"},
            {"status": None},
            {"message_id": None},
            {"message_id": 7},
            {"message_price": 0.077},
            {"message_parts": True},
            {"message_parts": "1"},
            {"message_parts": 2**60},
            {"custom_string": "cs-9"},
        ],
    )
    def test_any_other_answer_is_read_row_by_row(self, change: dict[str, Any]) -> None:
        answer = {"messages": [sent(1), sent(2, **change)]}
        result = classify(claim(2), answer)
        assert type(result.outcomes) is list
        assert result == slow(claim(2), answer)

    @pytest.mark.parametrize(
        "messages",
        [
            [sent(2), sent(1)],  # out of order
            [sent(1)],  # a row missing
            [sent(1), sent(2), sent(3)],  # one too many
            [sent(1), sent(1)],  # a repeated custom_string
            [sent(1), "not a message"],
            [sent(1), {k: v for k, v in sent(2).items() if k != "message_parts"}],
            [sent(1), sent(2, message_price=["unhashable"])],
        ],
    )
    def test_a_shape_it_does_not_know_is_read_row_by_row(self, messages: list[Any]) -> None:
        assert type(classify(claim(2), {"messages": messages}).outcomes) is list
        assert classify(claim(2), {"messages": messages}) == slow(claim(2), {"messages": messages})

    @settings(max_examples=300, deadline=None)
    @given(data=st.data())
    def test_both_readings_agree_on_any_answer(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(1, 6))
        value = st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(2**60), 2**60),
            st.floats(allow_nan=False),
            st.text(max_size=4),
            st.sampled_from(["SUCCESS", "QUEUED", "THROTTLED", "INSUFFICIENT_CREDIT", "0.07"]),
            st.lists(st.integers(), max_size=2),
        )
        messages: list[Any] = []
        for row in range(1, n + 1):
            message = sent(row)
            for key in list(message):
                if data.draw(st.integers(0, 9)) == 0:
                    if data.draw(st.booleans()):
                        del message[key]
                    else:
                        message[key] = data.draw(value)
            messages.append(message)
        messages = data.draw(st.permutations(messages)) if data.draw(st.booleans()) else messages
        if data.draw(st.integers(0, 4)) == 0:
            messages.insert(data.draw(st.integers(0, len(messages))), data.draw(value))
        resend = frozenset(data.draw(st.sets(st.integers(1, n))))
        claimed = claim(n, resend)
        fast = classify(claimed, {"messages": messages})
        assert fast == slow(claimed, {"messages": messages})
        assert [type(o) for o in fast.outcomes] == [RowOutcome] * len(fast.outcomes)


class TestSentColumns:
    def columns(self) -> SentColumns:
        return SentColumns(
            [4, 5],
            ["SUCCESS", "QUEUED"],
            ["m-4", "m-5"],
            ["0.07", None],
            [1, 2],
            {"0.07": 1, None: 1},
        )

    def test_it_is_a_sequence_of_row_outcomes(self) -> None:
        outcomes = self.columns()
        expected = [
            RowOutcome(4, "sent", "SUCCESS", "m-4", "0.07", 1),
            RowOutcome(5, "sent", "QUEUED", "m-5", None, 2),
        ]
        assert len(outcomes) == 2 and bool(outcomes)
        assert list(outcomes) == expected == outcomes
        assert outcomes[1] == expected[1] and outcomes[-1] == expected[1]
        assert outcomes[:1] == expected[:1]
        assert outcomes != expected[:1] and outcomes != "sent"
        assert [o.row for o in outcomes] == [4, 5]
        assert repr(outcomes) == "SentColumns(2 rows sent)"
        with pytest.raises(IndexError):
            outcomes[2]
        with pytest.raises(TypeError):
            hash(outcomes)

    def test_columns_of_different_lengths_are_refused(self) -> None:
        with pytest.raises(ValueError, match="one value a row"):
            SentColumns([1, 2], ["SUCCESS"], ["m", "n"], [None, None], [1, 1], {None: 2})
        with pytest.raises(ValueError, match="add up"):
            SentColumns([1], ["SUCCESS"], ["m"], [None], [1], {None: 2})

    def test_a_store_reads_it_as_seven_columns_like_any_outcomes(self) -> None:
        outcomes = self.columns()
        assert outcome_columns(outcomes) == outcome_columns(list(outcomes))
        assert outcome_columns(outcomes) == (
            [4, 5],
            ["sent", "sent"],
            ["SUCCESS", "QUEUED"],
            ["m-4", "m-5"],
            ["0.07", None],
            [1, 2],
            [None, None],
        )
        assert outcome_columns([]) == ([],) * 7


class TestNumbersNoMessageHas:
    """A part count or a price no message can have is none at all (the row's plan stands in),
    never a number that a store column or a sum of costs would fail on after the commit."""

    @pytest.mark.parametrize(
        ("parts", "read"),
        [
            (1, 1),
            (0, 0),
            ("3", 3),
            (2.0, 2),
            (-1, None),
            ("-2", None),
            (10**30, None),
            ("1e30", None),
            (2**53 + 1, None),
            (100_000, 100_000),
            (100_001, None),
            (2**31, None),
            ("inf", None),
            (None, None),
            (True, 1),
        ],
    )
    def test_part_counts(self, parts: Any, read: int | None) -> None:
        assert _parts_of(parts) == read
        result = classify(claim(1), {"messages": [sent(1, message_parts=parts)]})
        assert result.outcomes[0].parts == read

    @pytest.mark.parametrize(
        ("price", "text"),
        [
            ("0.0770", "0.0770"),
            (0.077, "0.077"),
            ("0", "0"),
            ("1000000", "1000000"),
            ("1000000.01", None),
            ("-0.07", None),
            ("1e999999999", None),
            ("NaN", None),
            ("", None),
            ("free", None),
        ],
    )
    def test_prices(self, price: Any, text: str | None) -> None:
        assert _price_of(price, {})[1] == text
        assert (_price(price) is None) is (text is None)
        result = classify(claim(1), {"messages": [sent(1, message_price=price)]})
        assert result.outcomes[0].price == text


class TestTextFromTheWire:
    def test_a_lone_surrogate_becomes_a_question_mark_in_what_is_kept(self) -> None:
        answer = {
            "messages": [
                sent(1, message_id="m-1\udfff"),
                sent(2, status="SUCCESS\ud800"),
                sent(3, message_id=["m", "\ud800"]),
            ]
        }
        result = classify(claim(3), answer)
        assert type(result.outcomes) is list  # not the all-sent reading: an id is not ASCII
        assert result.outcomes == [
            RowOutcome(1, "sent", "SUCCESS", "m-1?", "0.0770", 1),
            RowOutcome(2, "rejected", "SUCCESS?", "m-2", reason="ClickSend refused it: SUCCESS?"),
            RowOutcome(3, "sent", "SUCCESS", "['m', '\\ud800']", "0.0770", 1),
        ]
        for outcome in result.outcomes:
            for field in outcome:
                if isinstance(field, str):
                    field.encode("utf-8")  # what a store or a file must be able to do

    def test_an_id_that_is_utf_8_but_not_ascii_is_kept_as_it_is(self) -> None:
        result = classify(claim(1), {"messages": [sent(1, message_id="m-\u00e9")]})
        assert result.outcomes == [RowOutcome(1, "sent", "SUCCESS", "m-\u00e9", "0.0770", 1)]

    def test_a_failure_whose_text_cannot_be_had_still_classifies(self) -> None:
        class Unprintable(Exception):
            def __str__(self) -> str:
                raise RuntimeError("no text")

        result = _send.classify_failure(claim(2), Unprintable())
        assert result.doubt == [1, 2]
        assert result.error == "Unprintable: (Unprintable without a readable message)"

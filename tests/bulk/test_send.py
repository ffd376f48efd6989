"""What one answer proves about each row of its chunk (``classify``, pure)."""

from __future__ import annotations

from typing import Any

from clicksend_async.bulk._send import classify
from clicksend_async.bulk._states import Claim, ClaimedRow, Release, RowOutcome


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

    def test_a_throttled_resend_is_unknown_never_released(self) -> None:
        result = classify(claim(1, frozenset({1})), {"messages": [sent(1, status="THROTTLED")]})
        assert [o[:3] for o in result.outcomes] == [(1, "unknown", "THROTTLED")]
        assert result.releases == []

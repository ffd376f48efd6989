"""Fuzz: the recipients CSV reader gives rows or a ValidationError, whatever the file holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clicksend_async import ClickSendError, read_recipients_csv

FUZZ = settings(
    derandomize=True,
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "cp1252",
    "latin-1",
    "ascii",
    "utf-7",
    "punycode",
    "idna",
    "undefined",
    "shift_jis",
]

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["+61411111111", "0412 345 678", '"', '""', "=1+1", "\r", "\n", "\x00"]),
)
table = st.lists(st.lists(cell, min_size=1, max_size=5), min_size=1, max_size=6)


def _text(rows: list[list[str]], delimiter: str, header: str) -> str:
    lines = [header] + [delimiter.join(row) for row in rows]
    return "\n".join(lines)


def _read(data: bytes, encoding: str | None, delimiter: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "recipients.csv"
        path.write_bytes(data)
        try:
            kwargs = {} if encoding is None else {"encoding": encoding}
            recipients = read_recipients_csv(path, delimiter=delimiter, **kwargs)
            for row in recipients:
                assert isinstance(row, dict)
                assert "to" in row
        except ClickSendError:
            pass


@FUZZ
@given(
    rows=table,
    header=st.sampled_from(["to,body", "phone;name", "sep=;\nmobile;x", "Number\tcountry", ""]),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    written_in=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "utf-32"]),
    read_as=st.one_of(st.none(), st.sampled_from(ENCODINGS)),
    pass_delimiter=st.booleans(),
)
def test_a_text_file_in_any_encoding_reads_or_is_refused(
    rows: list[list[str]],
    header: str,
    delimiter: str,
    written_in: str,
    read_as: str | None,
    pass_delimiter: bool,
) -> None:
    data = _text(rows, delimiter, header).encode(written_in, "replace")
    _read(data, read_as, delimiter if pass_delimiter else None)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=40).map(lambda tail: b"to,body\n+61411111111," + tail),
        st.binary(max_size=40).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=40).map(lambda tail: b"\xff\xfe" + tail),
    ),
    read_as=st.one_of(st.none(), st.sampled_from(ENCODINGS)),
)
def test_random_bytes_read_or_are_refused(data: bytes, read_as: str | None) -> None:
    _read(data, read_as, None)

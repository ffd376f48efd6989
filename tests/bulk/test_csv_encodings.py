"""Recipient CSVs in encodings that cannot read them: a clear ValidationError, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clicksend_async import ValidationError, read_recipients_csv

TEXT = "to,body\n+61411111111,héllo\n+61411111112,bye\n"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    return path


class TestEncodingsWithoutAByteOrderMark:
    @pytest.mark.parametrize(
        ("encoding", "codec"), [("utf-16", "utf-16-le"), ("utf-32", "utf-32-le")]
    )
    def test_utf_16_without_a_bom_names_the_byte_order_to_give(
        self, tmp_path: Path, encoding: str, codec: str
    ) -> None:
        path = write(tmp_path, TEXT.encode(codec))
        with pytest.raises(ValidationError, match="utf-16-le") as info:
            list(read_recipients_csv(path, encoding=encoding))
        assert info.value.field == "encoding"

    def test_utf_16_on_a_utf_8_file_is_refused_the_same_way(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="byte order mark"):
            read_recipients_csv(write(tmp_path, TEXT.encode()), encoding="utf-16")

    def test_the_byte_order_given_reads_the_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, TEXT.encode("utf-16-le"))
        rows = list(read_recipients_csv(path, encoding="utf-16-le"))
        assert [r["body"] for r in rows] == ["héllo", "bye"]

    @pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
    def test_utf_16_read_as_utf_8_says_which_byte_order_it_looks_like(
        self, tmp_path: Path, codec: str
    ) -> None:
        path = write(tmp_path, TEXT.encode(codec))
        with pytest.raises(ValidationError, match=f'encoding="{codec}"'):
            read_recipients_csv(path)

    def test_a_bom_is_still_read_as_utf_16(self, tmp_path: Path) -> None:
        path = write(tmp_path, TEXT.encode("utf-16"))
        assert len(list(read_recipients_csv(path))) == 2


class TestCodecsThatAreNotFileEncodings:
    @pytest.mark.parametrize("encoding", ["punycode", "undefined", "utf-7"])
    def test_a_codec_that_fails_its_own_way_is_a_validation_error(
        self, tmp_path: Path, encoding: str
    ) -> None:
        path = write(tmp_path, b"to,body\n+61411111111,a+b-c,d\n")
        with pytest.raises(ValidationError) as info:
            list(read_recipients_csv(path, encoding=encoding))
        assert info.value.field in ("file", "encoding")

    @pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "no-such-codec", "utf\x008"])
    def test_an_unknown_or_bytes_codec_is_refused(self, tmp_path: Path, encoding: str) -> None:
        with pytest.raises(ValidationError, match="unknown encoding"):
            read_recipients_csv(write(tmp_path, TEXT.encode()), encoding=encoding)

    @pytest.mark.parametrize("encoding", [5, None, "", "  ", b"utf-8"])
    def test_an_encoding_that_is_no_name_is_refused(self, tmp_path: Path, encoding: Any) -> None:
        with pytest.raises(ValidationError, match="not an encoding name"):
            read_recipients_csv(write(tmp_path, TEXT.encode()), encoding=encoding)

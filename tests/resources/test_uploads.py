"""client.uploads: files converted for MMS and the rest, checked before they leave."""

from __future__ import annotations

import base64
from pathlib import Path

import aiohttp
import pytest
from resource_support import assert_valid_query, assert_valid_request

from clicksend_async import ClickSendClient, MmsMessage, Upload, ValidationError
from clicksend_async.testing import ClickSendEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + bytes(32)


class TestUploads:
    async def test_an_image_uploads_for_mms_and_its_link_serves_it(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        upload = await client.uploads.create(PNG, convert="mms", timeout=10)
        request = emulator.requests[-1]
        assert (request.method, request.path, request.query) == (
            "POST",
            "/uploads",
            {"convert": "mms"},
        )
        assert request.json == {"content": base64.b64encode(PNG).decode()}
        assert_valid_request("POST", "/v3/uploads", request.json)
        assert_valid_query("POST", "/v3/uploads", request.query, undeclared=["convert"])
        assert isinstance(upload, Upload)
        assert upload.file_name is not None and upload.file_name.endswith(".jpg")
        assert upload.date_added is not None and upload.date_delete is not None
        assert (upload.date_delete - upload.date_added).total_seconds() == 600
        async with aiohttp.ClientSession() as http, http.get(upload.url) as response:
            assert response.status == 200
            assert await response.read() == PNG

    async def test_the_uploaded_url_sends_as_mms(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        upload = await client.uploads.create(JPEG, convert="mms")
        result = await client.mms.send(
            upload.url, [MmsMessage(to="+61412345678", body="Look", subject="Cat")]
        )
        assert [m.status for m in result.messages] == ["SUCCESS"]
        assert emulator.requests[-1].json["media_file"] == upload.url

    async def test_a_path_is_read(
        self, client: ClickSendClient, emulator: ClickSendEmulator, tmp_path: Path
    ) -> None:
        path = tmp_path / "cat.png"
        path.write_bytes(PNG)
        upload = await client.uploads.create(path, convert="mms")
        assert emulator.requests[-1].json == {"content": base64.b64encode(PNG).decode()}
        assert upload.upload_id is not None

    @pytest.mark.parametrize(
        ("file", "convert", "field"),
        [
            (PNG, "gif", "convert"),
            (b"", "mms", "file"),
            (b"%PDF-1.4 not an image", "mms", "file"),
            ("/nonexistent/cat.png", "mms", "file"),
            (12, "mms", "file"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        file: object,
        convert: str,
        field: str,
    ) -> None:
        with pytest.raises(ValidationError) as info:
            await client.uploads.create(file, convert=convert)  # type: ignore[arg-type]
        assert info.value.field == field
        assert emulator.requests == []

    async def test_a_pdf_may_upload_for_fax(self, client: ClickSendClient) -> None:
        upload = await client.uploads.create(b"%PDF-1.4 letter", convert="fax")
        assert upload.file_name is not None and upload.file_name.endswith(".pdf")

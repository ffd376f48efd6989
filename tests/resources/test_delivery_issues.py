"""client.delivery_issues: report a message that did not arrive."""

from __future__ import annotations

import pytest
from resource_support import assert_valid_request

from clicksend_async import ClickSendClient, DeliveryIssue, ValidationError
from clicksend_async.testing import ClickSendEmulator


class TestDeliveryIssues:
    async def test_create_then_list(
        self, client: ClickSendClient, emulator: ClickSendEmulator
    ) -> None:
        issue = await client.delivery_issues.create(
            "B388828B-AD46-4366-8AD3-0305FF5E3FE5",
            type="sms",
            description="The SMS never reached the handset",
            email_address="me@example.com",
            client_comments="never arrived",
        )
        request = emulator.requests[-1]
        # The spec's values are capitals: any case is taken, capitals are sent.
        assert request.json["type"] == "SMS"
        assert request.json["description"] == "The SMS never reached the handset"
        assert_valid_request("POST", "/v3/delivery-issues", request.json)
        assert isinstance(issue, DeliveryIssue)
        listed = [i async for i in client.delivery_issues.list()]
        assert [(i.issue_id, i.client_comments, i.resolved) for i in listed] == [
            (issue.issue_id, "never arrived", False)
        ]

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"type": "pigeon"}, "type"),
            ({"type": "email"}, "type"),  # the spec says which email: marketing, transactional
            ({"email_address": "me"}, "email_address"),
            ({"description": ""}, "description"),
        ],
    )
    async def test_bad_input_is_refused_before_any_request(
        self,
        client: ClickSendClient,
        emulator: ClickSendEmulator,
        kwargs: dict[str, str],
        field: str,
    ) -> None:
        args = {
            "type": "sms",
            "description": "not delivered",
            "email_address": "me@example.com",
            **kwargs,
        }
        with pytest.raises(ValidationError) as info:
            await client.delivery_issues.create("ID", **args)
        assert info.value.field == field
        assert emulator.requests == []

    @pytest.mark.parametrize(
        "kind",
        ["SMS", "MMS", "VOICE", "EMAIL_MARKETING", "EMAIL_TRANSACTIONAL", "FAX", "POST"],
    )
    async def test_every_type_of_the_spec_is_taken(
        self, client: ClickSendClient, emulator: ClickSendEmulator, kind: str
    ) -> None:
        await client.delivery_issues.create(
            "ID", type=kind.lower(), description="lost", email_address="me@example.com"
        )
        assert emulator.requests[-1].json["type"] == kind
        assert_valid_request("POST", "/v3/delivery-issues", emulator.requests[-1].json)

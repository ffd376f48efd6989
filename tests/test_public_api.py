"""The public facade: a sorted ``__all__`` of importable names, and nothing private in it."""

from __future__ import annotations

import importlib
import types

import pytest

import clicksend_async
import clicksend_async.models

FACADES = [clicksend_async, clicksend_async.models]


@pytest.mark.parametrize("module", FACADES, ids=lambda m: m.__name__)
class TestFacade:
    def test_all_is_sorted_without_duplicates(self, module: types.ModuleType) -> None:
        assert module.__all__ == sorted(module.__all__)
        assert len(set(module.__all__)) == len(module.__all__)

    def test_every_name_is_importable(self, module: types.ModuleType) -> None:
        fresh = importlib.import_module(module.__name__)
        for name in module.__all__:
            assert getattr(fresh, name) is not None, name

    def test_star_import_gives_exactly_all(self, module: types.ModuleType) -> None:
        namespace: dict[str, object] = {}
        exec(f"from {module.__name__} import *", namespace)
        namespace.pop("__builtins__")
        assert sorted(namespace) == module.__all__

    def test_nothing_private_leaks(self, module: types.ModuleType) -> None:
        for name in module.__all__:
            if name == "__version__":
                continue
            assert not name.startswith("_"), name
            value = getattr(module, name)
            assert not isinstance(value, types.ModuleType), name
            public_name = getattr(value, "__name__", name)
            assert not public_name.startswith("_"), name

    def test_public_names_outside_all_are_submodules(self, module: types.ModuleType) -> None:
        extra = {
            name for name in vars(module) if not name.startswith("_") and name not in module.__all__
        }
        assert all(isinstance(getattr(module, name), types.ModuleType) for name in extra), extra


class TestResourceModels:
    @pytest.mark.parametrize(
        "name",
        [
            "AccountUsage",
            "Connection",
            "Contact",
            "ContactImport",
            "ContactList",
            "Country",
            "EmailAddress",
            "HistoryExport",
            "InboundSms",
            "NewContact",
            "SearchResult",
            "SearchResultType",
            "SmsReceipt",
            "SmsTemplate",
            "SubaccountUsage",
            "UsageTotal",
            "VoiceLanguage",
            "VoiceReceipt",
        ],
    )
    def test_models_are_exported_from_both_facades(self, name: str) -> None:
        assert getattr(clicksend_async, name) is getattr(clicksend_async.models, name)


class TestClientResources:
    def test_every_resource_is_an_attribute_of_the_client(self) -> None:
        client = clicksend_async.ClickSendClient(username="u", api_key="k")
        names = [
            "account",
            "sms",
            "templates",
            "mms",
            "voice",
            "lists",
            "contacts",
            "email_addresses",
            "countries",
            "connections",
        ]
        for name in names:
            resource = getattr(client, name)
            assert getattr(client, name) is resource, f"{name} is not cached"
        assert client.templates is client.sms.templates

"""Manage contact lists and contacts: create, add, page through, update, copy, dedupe, delete.

Run: ``python examples/lists_and_contacts.py``

With no credentials in the environment it starts the built-in emulator in-process and runs
against it (nothing leaves the machine). With ``MATON_API_KEY``, or ``CLICKSEND_USERNAME`` and
``CLICKSEND_API_KEY``, set it runs against the real service: it creates two lists and deletes
them again at the end (their contacts use ClickSend's free test numbers).
"""

import asyncio

from _common import OTHER_TEST_NUMBER, TEST_NUMBER, client_for_example

from clicksend_async import NewContact


async def main() -> None:
    """Build a list, work with its contacts, and clean up."""
    async with client_for_example() as cs:
        customers = await cs.lists.create(list_name="clicksend_async example")
        vips = await cs.lists.create(list_name="clicksend_async example VIPs")
        try:
            ann = await cs.contacts.create(
                customers.list_id,
                NewContact(phone_number=TEST_NUMBER, first_name="Ann", custom_1="gold"),
            )
            await cs.contacts.create(
                customers.list_id, phone_number=OTHER_TEST_NUMBER, first_name="Bob"
            )
            await cs.contacts.create(
                customers.list_id, phone_number=OTHER_TEST_NUMBER, first_name="Bob"
            )

            # await gives one page with its metadata; async for walks every page.
            page = await cs.contacts.list(customers.list_id)
            print(f"{page.total} contacts on {page.last_page} page(s)")
            async for contact in cs.contacts.list(customers.list_id):
                print(f"  #{contact.contact_id} {contact.first_name} {contact.phone_number}")

            removed = await cs.lists.remove_duplicates(
                customers.list_id, fields=["phone_number", "first_name"]
            )
            print(f"Removed {removed} duplicate(s)")

            ann = await cs.contacts.update(customers.list_id, ann.contact_id, last_name="Smith")
            copy = await cs.contacts.copy(
                customers.list_id, ann.contact_id, to_list_id=vips.list_id
            )
            print(f"Copied {ann.first_name} {ann.last_name} into {copy.list_name!r}")

            async for contact_list in cs.lists.list():
                if contact_list.list_id in (customers.list_id, vips.list_id):
                    print(
                        f"List {contact_list.list_name!r}: {contact_list.contacts_count} contact(s)"
                    )
        finally:
            await cs.lists.delete(customers.list_id)
            await cs.lists.delete(vips.list_id)
            print("Deleted both lists")


if __name__ == "__main__":
    asyncio.run(main())

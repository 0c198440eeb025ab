"""Proof of "nobody let in": every coordinator view of a case card, every opening of a signed
link (records download, report page, data export) and every refusal (a non-coordinator pressing
a coordinator button or typing a coordinator command, a bad token on any link path) is in the
audit log; the log is one unbroken hash chain, holds ids and action names only (no canary of
the patient's clinical text), and the database itself refuses to change or delete its rows."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.e2e.test_coordinator import (
    claim,
    fetch,
    link_of,
    local_url,
    new_case_alert,
    open_card,
    submit_case,
    text_has,
)
from tests.e2e.test_data_rights import canaries, export_url, needles
from tests.e2e.test_intake import button_prefix
from tests.fixtures import samples
from tests.hostile.scan import scan_database

ACTOR = re.compile(r"^(patient|coordinator|user|link):[0-9a-f]+$|^(system|web)$")
SUBJECT = re.compile(r"^[a-z_]+:[A-Za-z0-9_.:-]{1,48}$")


async def test_views_links_and_refusals_are_audited_in_one_chain(bot, emulator, coordinators):
    bot.services.rate_limiter.limit = 10_000
    values = canaries()
    user, case = await submit_case(
        bot, emulator, first_name=values["name"], diagnosis=values["diagnosis"],
        treatment_plan=values["plan"], medications=values["medications"],
        records=[(samples.pdf(date(2024, 3, 12)), date(2024, 3, 12), "test")])
    first, group = coordinators.first, coordinators.group

    # Views: the card sent on a claim, and opened again.
    await claim(coordinators, case)
    await first.wait_for_message(text_has(f"Case {case.number}", "Claimed"))
    card = await open_card(first, case)
    assert values["diagnosis"] in card.text  # shown, privately

    # A records download: issued, opened.
    await first.press(card, callback_data=f"co:dl:{case.id}")
    download = await first.wait_for_message(text_has("Download the zip"))
    records_url = local_url(bot, link_of(download))
    assert (await fetch(records_url))[0] == 200

    # The report page: the expert's report attached, the patient's link opened.
    await first.press(card, callback_data=f"co:expert:{case.id}")
    await first.wait_for_message(text_has("name; specialty"))
    await first.send_text("Dr. Lan; Cardiology")
    await first.wait_for_message(text_has("is now with"))
    card = await open_card(first, case)
    await first.press(card, callback_data=f"co:report:{case.id}")
    await first.wait_for_message(text_has("a PDF file"))
    await first.send_document(samples.pdf(date(2026, 11, 1)), file_name="opinion.pdf",
                              mime_type="application/pdf")
    ask = await first.wait_for_message(button_prefix("co:conc_"))
    await first.press(ask, callback_data=next(d for _, d in ask.buttons
                                              if d.startswith("co:conc_agrees")))
    notice = await user.wait_for_message(lambda m: "/r/" in m.html, timeout=10)
    report_path = re.search(r'href="[^"]*(/r/[^"]+)"', notice.html).group(1)
    assert (await fetch(f"{bot.web_url}{report_path}"))[0] == 200

    # The patient's own export.
    await user.send_text("/mydata")
    mydata = await user.wait_for_message(text_has("Download my data"))
    assert (await fetch(export_url(bot, mydata)))[0] == 200

    # Refusals: an outsider in the group, the patient forging buttons and commands.
    outsider = emulator.user(first_name="Eve")
    group.add_member(outsider)
    alert = await new_case_alert(coordinators, case)
    query = await outsider.press(alert, callback_data=f"co:open:{case.id}")
    await outsider.wait_for_callback_answer(query)
    query = await user.press_data(f"co:open:{case.id}", message_id=1)
    await user.wait_for_callback_answer(query)
    await user.send_text("/queue")
    await user.wait_for_message(text_has("only for the service's coordinators"))
    # Bad tokens on every link path: tampered, malformed, foreign purpose.
    token = records_url.rsplit("/", 1)[-1]
    bad = [records_url[:-2] + ("xx" if not records_url.endswith("xx") else "yy"),
           f"{bot.web_url}/dl/not-a-token", f"{bot.web_url}/export/{token}",
           f"{bot.web_url}/r/{token}", f"{bot.web_url}/s/%3Cscript%3E"]
    for url in bad:
        assert (await fetch(url))[0] == 404, url
    await emulator.wait_idle()

    audit = await bot.services.audit.all()
    actions = [a.action for a in audit]
    viewed = [a for a in audit if a.action == "case.viewed"]
    assert len(viewed) >= 3  # the claim's card, and every "open"
    assert {(a.actor, a.subject) for a in viewed} == {(f"coordinator:{first.id}",
                                                       f"case:{case.id}")}
    for action in ("link.issued.records", "link.opened.records", "link.opened.report",
                   "link.issued.export", "link.opened.export", "coordinator.refused"):
        assert action in actions, action
    refused = [a for a in audit if a.action == "coordinator.refused"]
    assert {a.actor for a in refused} == {f"user:{outsider.id}", f"user:{user.id}"}
    link_refusals = [a for a in audit if a.action.startswith("link.refused")]
    assert len(link_refusals) == len(bad)
    assert {a.subject.split(":")[0] for a in link_refusals} == {"dl", "export", "r", "s"}

    # One unbroken chain, ids and action names only, no clinical text, no token.
    assert await bot.services.audit.verify_chain()
    for event in audit:
        assert ACTOR.match(event.actor), event
        assert event.subject is None or SUBJECT.match(event.subject), event
    hits = [h for h in await scan_database(bot.services.db, [*needles(values), token])
            if h.where.startswith("audit_events.")]
    assert not hits, [str(h) for h in hits]

    # The database refuses to rewrite history.
    for statement in ("UPDATE audit_events SET actor='system'",
                      "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with bot.services.db.transaction() as s:
                await s.execute(text(statement))
    assert len(await bot.services.audit.all()) == len(audit)

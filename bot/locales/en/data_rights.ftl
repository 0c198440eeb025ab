## Data rights: /mydata (a copy of everything we keep) and /deleteme (erase it all).

## /mydata
rights-export-ready =
    📦 <b>Your data</b>
    Here is a copy of everything we keep about you: your answers, your cases and their history, your records, your questions and messages, and each case in FHIR, a format other doctors' systems can read.
    <a href="{ $url }">Download my data (zip)</a>
    The link works for { $minutes } minutes and only opens your own data. Please don't forward it.
rights-export-readme =
    Your data from the Second Opinion service
    =========================================

    data.json        everything we keep about you: your details, your cases with their
                     history, your questions, your messages with our coordinators, your
                     records' details, reports, appointments and feedback, the messages we
                     sent you, and a log of when your data was opened (by you, by a
                     coordinator, or through a link).
    cases/SO-.../    for each case: your records (records/), the expert's report once it was
                     sent to you (reports/), and the case as a FHIR R4 Bundle
                     (case.fhir.json), a standard format other doctors' systems can read.

    Coordinators are shown as "coordinator", without their personal details.
    Questions? Write to { $support_email }. To delete everything, send /deleteme in the chat.

## /deleteme
rights-delete-ask =
    🗑 <b>Delete all your data?</b>
    If you go on, we will delete everything we keep about you: your answers, your cases, your medical records, reports, appointments, messages and settings.
    A case that is still open is withdrawn, and our coordinators are told its number only.
    This can't be undone. You may want to get a copy first.
rights-delete-open = Open cases that will be withdrawn: { $numbers }
btn-rights-continue = Continue ➡️
btn-rights-copy = 📦 Get a copy first
btn-rights-keep = ↩️ No, keep my data
rights-delete-final =
    ⚠️ <b>Last step</b>
    Press “Yes, delete everything” to erase all your data now. There is no way to undo it.
btn-rights-erase = 🗑 Yes, delete everything
rights-kept = Nothing was deleted. Your data is safe with us. 🙂
rights-erased =
    ✅ <b>Done.</b> Everything we kept about you has been deleted.
    Your reference for this request: <code>{ $reference }</code> (it tells us nothing about you; quote it if you write to { $support_email }).
    If you write to me again, we'll simply start fresh. Take good care of yourself. 🙏
rights-erased-already = There is nothing of yours left to delete. If you write to me again, we'll start fresh.

## Coordinators (group alert, no personal data)
rights-alert-withdrawn = ↩️ Case { $number } was withdrawn: the patient asked us to delete their data, and it has been deleted.

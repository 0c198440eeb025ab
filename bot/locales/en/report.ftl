## Report delivery and after the opinion (conversations/report.py, bot/report_pages.py,
## handlers/coordinator/followup.py). Values in { } are filled in by code.

## The report is ready (sent through the outbox when the coordinator attaches it)
report-ready =
    🎉 The expert's report for your case <b>{ $number }</b> is ready.

    <a href="{ $url }">📄 Read my report</a>
    This link is just for you and works until { $until }. To show the report to your doctor, use “Share with my doctor” instead of forwarding it. You can get a fresh link any time with /status.

    Once you've read it: how does the expert's opinion compare with what your first doctor told you?
report-link-fresh =
    📄 Here is a fresh link to the report for your case <b>{ $number }</b>:
    <a href="{ $url }">Read my report</a> (works until { $until }).
report-gone = I can't find a report for that case any more. /status shows your cases.

## What next
report-next = What would you like to do next about case <b>{ $number }</b>?
report-agrees =
    🤝 <b>The opinions agree.</b> That's good news: a second expert has looked at your records and reached the same conclusion as your first doctor. You can go ahead with the treatment plan with more confidence, knowing two qualified doctors stand behind it.
report-differs =
    🔀 <b>The opinions differ.</b> Two different views can feel unsettling, but they are also a chance to look closer before you decide. What helps:
    1. <b>Talk to both doctors.</b> Ask each of them to explain their reasoning until you understand why they see it their way.
    2. <b>Compare the two views.</b> Look at what each one rests on: the tests, the evidence, each doctor's experience.
    3. <b>Add your own view.</b> Your symptoms, your history and how you feel count too.
    4. <b>Think about a third opinion</b> if the difference is big: another respected expert in the field can help.
    5. <b>Bring in your family doctor.</b> They know your overall health and can put both opinions in context.
    6. <b>Then decide, in your own time,</b> weighing everything you've gathered.
report-unsure = 🤔 Not sure? That's completely fine: reports can be hard to read. Here is what helps either way.
report-decide = In the end the choice is yours. Whatever you decide, you've taken an active part in your care, and that matters. If something in the report is unclear, the online consultation or a follow-up question can help.
report-book-soon = 📅 Booking the online consultation isn't open here yet, sorry. Please write to us at { $support_email } and we'll arrange it with you.

## Follow-up questions
report-ask-prompt =
    ❓ Type your question about the report for case <b>{ $number }</b>, in one message. A coordinator will answer you here.
    You can ask { $left ->
        [one] one more question
       *[other] { $left } more questions
    } about this report.
report-ask-sent = ✅ Your question has been sent. A coordinator will answer you here, usually within a working day.
report-ask-full = You've asked the { $max } follow-up questions this report includes. For anything more, the online consultation is the best place, or write to us at { $support_email }.
report-ask-too-long = That's a bit long for one question ({ $length } characters): please keep it under { $max }.
report-followup-answer =
    💬 <b>An answer to your question about case { $number }</b>

    <i>{ $question }</i>

    { $answer }

## Third opinion
report-third-prompt =
    🔁 <b>A third opinion</b>
    I can prepare a new case from case <b>{ $number }</b>: the same track, specialty, history and questions, with your records and this report attached. Nothing is sent until you've checked it and pressed Submit, and you can change anything first.
report-third-ready = ✅ Your new case is ready, prefilled from case <b>{ $number }</b>. Please check everything below and submit it when you're happy.
report-third-exists = You've already started a third opinion from this case: here it is.
report-third-draft-exists = You have an unfinished case already. Please finish or delete it first, then ask again for the third opinion.

## Share with my doctor
report-share-intro =
    📤 Forward the next message to your doctor. Its link shows the report only (read-only) and works until { $until }.
    You can stop it any time with the button below.
report-share-message =
    🩺 <b>A second-opinion report</b>, shared with you by a patient of our second-opinion service.
    <a href="{ $url }">Open the report</a> (read-only, works until { $until }).
report-unshared = { $count ->
        [0] There was no shared link to stop.
        [one] Done: the shared link no longer works.
       *[other] Done: the { $count } shared links no longer work.
    }

## Feedback
report-rate-prompt = ⭐ How happy are you with the second opinion for case <b>{ $number }</b>? 1 is poor, 5 is excellent.
report-rate-thanks = Thank you! Would you like to tell us anything else? Type a short comment, or press Skip.
report-comment-thanks = 💚 Thank you for your feedback. It helps us do better.
report-comment-too-long = Could you keep it under { $max } characters? This one has { $length }.

## Buttons
btn-report-agrees = ✅ It agrees with my first doctor
btn-report-differs = 🔀 It differs from my first doctor
btn-report-unsure = 🤔 I'm not sure
btn-report-next = ➡️ What can I do next?
btn-report-book = 📅 Book the online consultation
btn-report-ask = ❓ Ask a follow-up question
btn-report-ask-more = ❓ Ask another question
btn-report-third = 🔁 Ask for a third opinion
btn-report-share = 📤 Share with my doctor
btn-report-rate = ⭐ Rate the service
btn-report-link = 🔗 A fresh link to my report
btn-report-unshare = 🚫 Stop sharing
btn-report-back = ↩️ Back
btn-report-third-yes = ✅ Yes, prepare my new case
btn-report-skip = Skip
btn-report-star = { $n } ⭐
btn-report-mine = 📄 My report ({ $number })

## The pages behind the links
report-page-title = Report — case { $number }
report-page-heading = Your second-opinion report
report-page-meta = Case { $number } · ready since { $date }
report-page-download = ⬇️ Download the PDF
report-page-fallback = Your browser can't show the PDF here. Please use the download button.
report-page-note = This page is private and works until { $until }. Please don't forward its address; use “Share with my doctor” in the chat instead.
report-share-page-title = Shared report — case { $number }
report-share-page-heading = A second-opinion report shared with you
report-share-page-note = Shared read-only by the patient, until { $until }. The patient can stop it at any time.

## Coordinators: follow-up questions (private chat) and statistics
fu-private-question =
    ❓ <b>Follow-up question</b> from the patient of case { $number }:
    { $question }
fu-ask-answer =
    ✍️ Type your answer to the patient of case { $number }, in one message (it goes to them as you write it).
    Their question: { $question }
fu-answer-sent = ✅ Your answer was sent to the patient of case { $number }.
fu-answer-already = This question of case { $number } has already been answered.
fu-answer-none = Case { $number } has no follow-up question waiting for an answer.
fu-answer-text-only = Please send the answer as a text message.
fu-answer-too-long = That answer is too long ({ $length } characters); please keep it under { $max }.
fu-cancelled = OK, nothing was sent.
fu-card-question = ❓ { $when } patient asked: { $text }
fu-card-answer = 💬 { $when } { $name } answered: { $text }
btn-fu-answer = 💬 Answer the follow-up question
btn-fu-cancel = ✖️ Cancel
report-stats-feedback = <b>Patient ratings</b>: { $count ->
        [one] 1 rating
       *[other] { $count } ratings
    }, average { $average } ⭐

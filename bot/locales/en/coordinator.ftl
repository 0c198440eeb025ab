## Coordinator console (coordinators' private chat and group) and the patient notices it sends.
## Group alerts carry no clinical text: case number, specialty, track, counts, deadlines.

## Access
co-refused = Sorry, this is only for the service's coordinators.
co-use-private = Please use this in your private chat with me.
co-sent-private = I've sent it to our private chat.
co-start-private = Please open a private chat with me and press Start first, then try again.
co-gone = This case doesn't exist any more.
co-not-allowed = That isn't possible while case { $number } is “{ $status }”.
co-coordinator-number = coordinator #{ $id }

## Names
co-status = { $status ->
    [submitted] Waiting for a coordinator
    [claimed] Claimed
    [with_expert] With the expert
    [info_requested] Waiting for the patient
    [report_ready] Report ready
    [closed] Closed
    [withdrawn] Withdrawn
   *[other] Other
}
co-track = { $track ->
    [domestic] Domestic
    [international] International
   *[other] Not chosen
}
co-kind = { $kind ->
    [test] test result
    [imaging] imaging
    [note] doctor's note
   *[other] other
}
co-specialty-unsure = Not sure (coordinator decides)
co-date-unknown = date unknown
co-none = none
co-age = { $unit ->
    [min] { $n } min
    [h] { $n } h
   *[d] { $n } d
}
co-duration = { $days } d { $hours } h

## Claiming
co-claimed = You've claimed case { $number }. The card is in our private chat.
co-claim-already-yours = Case { $number } is already yours.
co-claim-taken = Case { $number } is already claimed by { $name }.
co-claim-not-open = Case { $number } can't be claimed now: it is “{ $status }”.

## Queue
co-queue-title = 📋 <b>Open cases</b> ({ $count })
co-queue-empty = 📋 No open cases right now. 🎉
co-queue-group = <b>{ $status }</b> ({ $count })
co-queue-line = • { $number } · { $specialty } · { $age }
co-queue-holder = 🙋 { $name }
co-queue-more = …and { $count } more. Open a case from an alert or its card.
btn-co-refresh = 🔄 Refresh
btn-co-queue = 📋 Queue

## Case card (private chat only)
co-card-title = 📂 <b>Case { $number }</b> — { $status }
co-card-meta = Track: { $track } · Specialty: { $specialty }
co-card-submitted = Submitted { $when } ({ $age } ago) · { $records ->
    [one] 1 record
   *[other] { $records } records
}
co-card-holder = 🙋 Claimed by { $name } on { $when }
co-card-unclaimed = 🙋 Not claimed yet
co-card-expert = 🩺 Expert: { $name } ({ $specialty })
co-card-patient = Patient #{ $id } · writes in { $language }
co-card-phone = phone { $phone }
co-field-diagnosis = <b>Diagnosis:</b> { $text }
co-field-plan = <b>Treatment plan:</b> { $text }
co-field-surgeries = <b>Past surgeries:</b> { $text }
co-field-medications = <b>Medications:</b> { $text }
co-field-allergies = <b>Allergies:</b> { $text }
co-card-questions = <b>Questions for the expert</b>
co-card-records = <b>Records</b>, oldest first
co-card-record = { $n }. { $date } · { $kind } · { $type } · { $size }
co-card-no-records = No records.
co-card-records-more = …and { $count } more (all of them are in the download).
co-card-messages = <b>Messages</b>
co-card-msg-request = ➡️ { $when } { $name } asked: { $text }
co-card-msg-reply = ⬅️ { $when } patient: { $text }
co-card-msg-file = ⬅️ { $when } patient sent a file (record { $n })
co-card-report = <b>Report</b>: { $what } · { $concordance } · { $when }
co-card-report-pdf = PDF
co-card-report-link = link
co-card-history = <b>History</b>
co-card-event = { $when } · { $status } · { $who }
co-card-patient-actor = patient
co-card-clipped = <i>Long answers are shortened here; the download has them in full.</i>
co-card-closed = Closed: { $reason }
btn-co-claim = 🙋 Claim
btn-co-open = 📂 Open
btn-co-expert = 🩺 Assign expert
btn-co-info = ✍️ Ask the patient
btn-co-download = 📦 Download records
btn-co-report = 📄 Attach report
btn-co-close = 🗂 Close case
btn-co-cancel = ✖️ Cancel

## Waiting for input
co-ask-expert =
    Send the expert for case { $number } as <b>name; specialty</b>, for example:
    <code>Dr. Tran Van An; Cardiology</code>
co-expert-bad = Please write it as <b>name; specialty</b>, with a semicolon between them.
co-expert-done = 🩺 Case { $number } is now with { $name } ({ $specialty }). The patient has been told.
co-expert-replaced = 🩺 The expert for case { $number } is now { $name } ({ $specialty }).
co-ask-info =
    What would you like to ask the patient of case { $number }?
    Send it as one message. They'll get it in their chat, with a button to answer with text or files.
co-info-too-long = Please keep the question under { $max } characters (this one has { $length }).
co-info-done = ✍️ Your question was sent to the patient of case { $number }. I'll tell you when they answer.
co-ask-report = Send the expert's report for case { $number }: a <b>PDF file</b>, or a link starting with <b>https://</b>.
co-report-bad = I need a PDF file or a link starting with https://.
co-report-not-pdf = That file isn't a PDF (I check the content, not the name). Please send the report as a PDF, or an https link.
co-report-too-big = That file is bigger than 20 MB, which Telegram won't let me download. Please send an https link instead.
co-report-failed = I couldn't download that file. Please try again.
co-ask-concordance = 📄 Report received for case { $number }. How does the expert's opinion compare with the first doctor's?
co-concordance = { $value ->
    [agrees] agrees
    [differs_diagnosis] differs in diagnosis
    [differs_treatment] differs in treatment
   *[inconclusive] inconclusive
}
btn-co-conc-agrees = ✅ Agrees
btn-co-conc-differs-diagnosis = 🔀 Differs in diagnosis
btn-co-conc-differs-treatment = 🔀 Differs in treatment
btn-co-conc-inconclusive = ❔ Inconclusive
co-report-done = 📄 Report attached to case { $number } ({ $concordance }). The patient has been told it's ready.
co-report-already = This report is already attached.
co-cancelled = Cancelled. Nothing was changed.
co-ask-close = Why are you closing case { $number }?
co-close-reason = { $reason ->
    [completed] completed
    [duplicate] duplicate
    [out_of_scope] out of scope
    [no_response] no response from the patient
    [patient_request] at the patient's request
    [withdrawn] withdrawn by the patient
   *[other] other
}
btn-co-close-completed = ✅ Completed
btn-co-close-duplicate = 📑 Duplicate
btn-co-close-out-of-scope = 🚫 Out of scope
btn-co-close-no-response = 📵 No response
btn-co-close-patient-request = 🙋 Patient's request
btn-co-close-other = … Other
co-closed = 🗂 Case { $number } is closed ({ $reason }). The patient has been told.
co-info-received-private = 📥 The patient of case { $number } answered your question.

## Download
co-download =
    📦 <b>Records of case { $number }</b>
    <a href="{ $url }">Download the zip</a> — the link works for 15 minutes. Please don't forward it.
    Inside: the records in date order with an index, the case summary, and a FHIR R4 bundle.

## Statistics
co-stats-title = 📊 <b>Statistics</b>
co-stats-none = No submitted cases yet.
co-stats-status = { $status }: { $count }
co-stats-median = Median time from submission to report: <b>{ $value }</b> ({ $count ->
    [one] 1 report
   *[other] { $count } reports
})
co-stats-median-none = Median time from submission to report: no reports yet.
co-stats-concordance = <b>Concordance</b> ({ $count ->
    [one] 1 report
   *[other] { $count } reports
})
co-stats-conc-line = { $label }: { $count } ({ $percent }%)

## Alerts in the coordinators' group (no clinical text)
co-alert-info-received = 📥 <b>Information received</b> for case { $number }: { $texts ->
    [one] 1 message
   *[other] { $texts } messages
}, { $files ->
    [one] 1 file
   *[other] { $files } files
}.
co-alert-followup = ❓ <b>Follow-up question</b> from the patient of case { $number }.
co-alert-booking = 📅 { $change ->
    [made] <b>Consultation booked</b>
    [moved] <b>Consultation moved</b>
   *[cancelled] <b>Consultation cancelled</b>
} for case { $number }: { $when }.
co-alert-unclaimed = ⏰ <b>Unclaimed</b>: case { $number } ({ $specialty }, { $track }) has waited more than { $hours } working hours for a coordinator.
co-alert-overdue = ⌛ <b>Report overdue</b>: case { $number } was submitted { $days } days ago (turnaround { $turnaround_days } days). Status: { $status }.
co-alert-unreachable-case = 📵 The patient of case { $number } can't be reached on Telegram (they may have blocked the bot).
co-alert-unreachable-patient = 📵 Patient #{ $patient_id } can't be reached on Telegram (they may have blocked the bot).
co-alert-withdrawn = ↩️ Case { $number } was withdrawn by the patient.

## Notices to the patient, in their language
co-patient-claimed = 👋 Good news: a coordinator is now looking after your case <b>{ $number }</b>. They'll prepare it for the expert and keep you posted here.
co-patient-with-expert = 🩺 Your case <b>{ $number }</b> is now with an expert ({ $specialty }). They're reading your records and questions. We'll tell you as soon as the report is ready.
co-patient-info-needed =
    ✍️ To help the expert, we need a little more information for your case <b>{ $number }</b>:
    <blockquote>{ $question }</blockquote>
    Press <b>Reply</b> to answer with a message, photos or files.
co-patient-report-ready = 🎉 The expert's report for your case <b>{ $number }</b> is ready. We'll send you a secure link to read it here; you can also check your case any time with /status.
co-patient-closed = { $reason ->
    [completed] Your case <b>{ $number }</b> is now closed. Thank you for trusting us with it. 🙏 If anything comes up, we're here: just write to us.
    [duplicate] Your case <b>{ $number }</b> has been closed because it duplicates another of your cases. Nothing is lost: we keep working on the other one.
    [no_response] Your case <b>{ $number }</b> has been closed because we didn't hear back from you. If you'd like to continue, just write to us or start a new case.
    [patient_request] As you asked, your case <b>{ $number }</b> is now closed.
   *[other] Your case <b>{ $number }</b> has been closed by our care team. If you have questions, write to us at { $support_email }.
}
btn-reply-open = ✍️ Reply

## The patient's answer to a request (conversations/case_reply.py)
reply-prompt =
    ✍️ <b>Your answer for case { $number }</b>
    The team asked:
    <blockquote>{ $question }</blockquote>
    Type your answer, or send photos or files (PDF, JPEG, PNG, HEIC, DICOM). You can send several. Press <b>Done</b> when you've sent everything.
reply-sofar = So far: { $texts ->
    [one] 1 message
   *[other] { $texts } messages
}, { $files ->
    [one] 1 file
   *[other] { $files } files
}. Send more, or press <b>Done</b>.
reply-text-added = ✅ Got it.
reply-file-added = ✅ File received and stored safely.
reply-file-duplicate = You've already sent this file, so I kept the first copy.
reply-file-too-big = That file is bigger than 20 MB, which Telegram won't let me receive. Could you send a smaller copy, or photos of the pages?
reply-file-refused = I can't accept that file. I take PDF files, photos (JPEG, PNG, HEIC), DICOM images and plain text. Please check the file and try again.
reply-file-failed = I couldn't receive that file. Please try sending it again.
reply-file-full = This case can't hold any more files. Please press <b>Done</b>; your coordinator will help with the rest.
reply-empty = You haven't sent anything yet. Type your answer or send a file, then press <b>Done</b>.
reply-done = 🙏 Thank you! Your answer for case <b>{ $number }</b> is with your coordinator now.
reply-gone = This request has already been answered, or your case has moved on. You can see your case with /status.
btn-reply-done = ✅ Done

## Inside the records zip (an HTML index and the case summary)
co-export-records-title = { $number }: records
co-export-summary-title = Case { $number }
co-export-summary-link = Case summary
co-export-fhir-link = FHIR R4 Bundle
co-export-col-n = #
co-export-col-date = Date
co-export-col-kind = Kind
co-export-col-type = Type
co-export-col-size = Size
co-export-col-file = File
co-export-missing = (missing: could not be opened)
co-export-case = Case
co-export-status = Status
co-export-track = Track
co-export-specialty = Specialty
co-export-submitted = Submitted
co-export-patient = Patient
co-export-phone = Phone
co-export-expert = Expert
co-export-diagnosis = Current diagnosis
co-export-plan = Current treatment plan
co-export-surgeries = Past surgeries
co-export-medications = Current medications
co-export-allergies = Allergies
co-export-questions = Questions for the expert
co-export-messages = Messages
co-export-history = History
co-export-from-coordinator = Coordinator
co-export-from-patient = Patient
co-export-file = a file (record { $n })

## Case intake (conversations/intake) and My case (/status). Values in { } are filled in by code.

## Starting and resuming
intake-intro =
    📝 <b>Let's build your case together.</b>
    It takes about 10–15 minutes. Everything is saved as you go, so you can stop at any time and carry on later from the menu or with /start.
intake-resume = 👋 Welcome back — let's continue where you left off (step { $n } of { $m }).
intake-start-title = 📝 <b>A new case</b>
intake-start-again = Your case <b>{ $number }</b> is already with our team. Would you like to start another case, for a different health question?
intake-start-fresh = Would you like to start a new case?
intake-btn-new-case = 📝 Start a new case
intake-btn-continue = 📝 Continue my case
intake-btn-later = 🏠 Menu (answers are saved)
intake-btn-to-review = ↩️ Back to the summary
intake-btn-cancel = ✖️ Cancel
intake-draft-gone = I can't find your unfinished case any more. Let's start again from the menu.

## Step header and titles
intake-step = <b>Step { $n } of { $m }</b> · { $title }
intake-title-track = Your expert
intake-title-specialty = Specialty
intake-title-diagnosis = Current diagnosis
intake-title-plan = Treatment plan
intake-title-surgeries = Past surgeries
intake-title-medications = Current medicines
intake-title-allergies = Allergies
intake-title-records = Medical records
intake-title-questions = Your questions
intake-title-phone = Phone number
intake-title-review = Check and send
intake-current = <i>Your answer now:</i> { $value }
intake-not-answered = not answered yet
intake-text-hint = <i>To change it, just type the new answer.</i>

## 1. Track
intake-ask-track =
    Who would you like to review your case?

    🏠 <b>Domestic expert</b> — a specialist from our own team (on average 17.7 years of experience). Usually the same doctor can talk the report through with you online afterwards.

    🌍 <b>International expert</b> — a specialist at one of our partner hospitals abroad, among them leading hospitals in the United States. A local physician of our service stays your point of contact all the way and talks with you in your language.
intake-btn-track-domestic = 🏠 Domestic expert
intake-btn-track-international = 🌍 International expert
intake-track-name = { $track ->
    [domestic] Domestic expert
    [international] International expert
   *[none] not chosen yet
}

## 2. Specialty
intake-ask-specialty =
    Which specialty is your question about? We have experts in { $count } specialties.
    Choose one below, or <b>type a word</b> to search (for example: heart, cancer, skin). Not sure? Our coordinator will choose for you.
intake-page = { $n } / { $m }
intake-specialty-found = Specialties matching “{ $query }”:
intake-specialty-none-found = I found no specialty matching “{ $query }”. Try another word, or pick from the list.
intake-btn-all-specialties = 📋 Show the whole list
intake-btn-specialty-unsure = 🤷 Not sure — let the coordinator decide
intake-specialty-unsure = Not sure (the coordinator will decide)

## 3–7. Diagnosis, treatment plan, history
intake-ask-diagnosis =
    What is your <b>current diagnosis</b>? Write it in your own words, the way your doctor explained it. If you haven't been given a diagnosis yet, tap the button.
intake-btn-no-diagnosis = No diagnosis yet
intake-none-diagnosis = no diagnosis yet
intake-ask-plan =
    What <b>treatment</b> has your doctor proposed or started? For example medicines, surgery, therapy — and when it is planned.
intake-btn-no-plan = No treatment plan yet
intake-none-plan = no treatment plan yet
intake-ask-surgeries =
    Have you had any <b>surgeries</b> before? Please write which ones and roughly when.
intake-btn-no-surgeries = No surgeries
intake-none-surgeries = none
intake-ask-medications =
    Which <b>medicines</b> do you take now? Name, dose and how often, if you know them. Vitamins and herbal remedies count too.
intake-btn-no-medications = I take no medicines
intake-none-medications = none
intake-ask-allergies =
    Do you have any <b>allergies</b> — to medicines, foods or anything else?
intake-btn-no-allergies = No allergies
intake-none-allergies = none
intake-too-long = That's a lot of detail — thank you! Please keep this answer under { $max } characters. Longer documents are welcome as files at the records step.

## 8. Records
intake-ask-records =
    Please send your medical records here: test results, imaging reports, doctors' notes, prescriptions.
    📎 Send them as files or photos — PDF, JPG, PNG, HEIC, DICOM or plain text, up to 20 MB each and { $max } in all. You can send several photos at once.
    🔒 Every file is stored encrypted, and only the doctors and coordinators of your case can see it.
intake-records-count = You have sent <b>{ $count }</b> of at most { $max } records.
intake-checklist-title = <b>A complete case usually has:</b>
intake-check-tests = recent test results
intake-check-imaging = imaging reports (X-ray, CT, MRI, ultrasound…)
intake-check-notes = doctors' notes or discharge letters
intake-check-medications = your current list of medicines
intake-btn-timeline = 📋 My records ({ $count })
intake-btn-records-done = ✅ Done — next step
intake-btn-records-skip = ⏭ I have no records to send now
intake-records-pending-first = First, a quick question about the file you sent:
intake-records-text = To add a record, please send it as a file or a photo. When you have sent everything, tap “Done”.
intake-ask-kind = { $count ->
    [one] What is this file ({ $type }, { $size })?
   *[other] What are these { $count } files?
}
intake-kind-name = { $kind ->
    [test] Test result
    [imaging] Imaging
    [note] Doctor's note
    [other] Other
   *[none] Not sorted yet
}
intake-kind-count = { $kind ->
    [test] { $count ->
        [one] 1 test result
       *[other] { $count } test results
    }
    [imaging] { $count ->
        [one] 1 imaging report
       *[other] { $count } imaging reports
    }
    [note] { $count ->
        [one] 1 doctor's note
       *[other] { $count } doctor's notes
    }
   *[other] { $count } other
}
intake-kind-word = { $kind ->
    [test] test result
    [imaging] imaging report
    [note] doctor's note
   *[other] record
}
intake-ask-date-proposed = { $count ->
    [one] The file says it is from <b>{ $date }</b>. Is that the date of this { $kind_word }?
   *[other] These files carry their own dates: <b>{ $date }</b>. Shall I use them?
}
intake-ask-date = { $count ->
    [one] When is this { $kind_word } from? Tap “Today”, or type the date, for example { $example }.
   *[other] When are these { $count } files from? Tap “Today”, or type the date, for example { $example }.
}
intake-date-example = 25/12/2024 or 2024-12-25
intake-date-range = { $start } – { $end }
intake-btn-date-yes = ✅ Yes, that's right
intake-btn-date-today = 📅 Today
intake-btn-date-other = ✏️ Another date
intake-date-type = Please type the date, for example { $example }. If you only know the month, write it like 03/2024.
intake-date-bad = I couldn't read that as a date. Please write it like { $example } — it can't be in the future.
intake-date = { $dd } { $month ->
    [m1] Jan
    [m2] Feb
    [m3] Mar
    [m4] Apr
    [m5] May
    [m6] Jun
    [m7] Jul
    [m8] Aug
    [m9] Sep
    [m10] Oct
    [m11] Nov
   *[m12] Dec
} { $year }
intake-no-date = date not set
intake-timeline-title = <b>Your records, oldest first</b> ({ $count }):
intake-timeline-line = { $n }. { $date } — { $icon } { $kind } · { $type }, { $size }
intake-timeline-remove-hint = To remove one, tap 🗑 with its number.
intake-timeline-empty = You haven't sent any records yet.
intake-btn-back-to-records = ⬅️ Back to records
intake-remove-confirm = Remove this record from your case?
intake-btn-remove-yes = 🗑 Yes, remove it
intake-btn-remove-no = No, keep it
intake-removed = Removed. 🗑

## What happened to a file
intake-upload-added = ✅ Received and stored safely (encrypted).
intake-upload-duplicate = You've already sent this exact file — I keep just one copy. 👍
intake-upload-full = Your case already has the maximum of 50 records, so I couldn't add this one. You can remove a record you don't need and send it again.
intake-upload-too_big = This file is larger than 20 MB, which is the most Telegram lets me receive. Could you send a smaller version, for example a PDF of the report, or photos of the pages?
intake-upload-failed = I'm sorry, I couldn't download this file. Please try sending it once more.
intake-upload-gone = I couldn't add this file because your case is no longer open for changes.
intake-upload-empty = This file is empty. Please check it and send it again.
intake-upload-executable = For your safety I can't accept programs or scripts. Please send your records as PDF, photos, DICOM or plain text.
intake-upload-archive = I can't open compressed files (ZIP, RAR, 7z…). Please unpack them and send the records one by one — several photos at once are fine.
intake-upload-office = I can't open Word or Excel files. Please save it as a PDF, or send a photo of each page.
intake-upload-mismatch = This file's name doesn't match what is inside it, so to be safe I didn't accept it. Could you save it again as a PDF or a photo and resend it?
intake-upload-unknown = I don't recognise this kind of file. Please send your records as PDF, JPG, PNG, HEIC, DICOM or plain text.
intake-upload-album = { $count ->
    [one] ✅ Received 1 file and stored it safely (encrypted).
   *[other] ✅ Received { $count } files and stored them safely (encrypted).
}
intake-upload-album-duplicate = { $count ->
    [one] 1 file was already in your case, so I kept just one copy.
   *[other] { $count } files were already in your case, so I kept just one copy of each.
}
intake-upload-album-too_big = { $count ->
    [one] 1 file was larger than 20 MB and couldn't be received.
   *[other] { $count } files were larger than 20 MB and couldn't be received.
}
intake-upload-album-full = { $count ->
    [one] 1 file didn't fit: a case can have at most 50 records.
   *[other] { $count } files didn't fit: a case can have at most 50 records.
}
intake-upload-album-failed = { $count ->
    [one] 1 file couldn't be downloaded — please send it again.
   *[other] { $count } files couldn't be downloaded — please send them again.
}
intake-upload-album-refused = { $count ->
    [one] 1 file wasn't accepted: please send records as PDF, photos, DICOM or plain text.
   *[other] { $count } files weren't accepted: please send records as PDF, photos, DICOM or plain text.
}
intake-file-not-now = Thank you! I'll ask for your records at step 8 — please keep them ready.

## 9. Questions
intake-ask-questions =
    Which questions would you like the expert to answer? Here are five that many patients ask — tap one to include or leave it out. You can also write your own.
intake-q-accuracy = Is my current diagnosis accurate?
intake-q-options = What are my treatment options, and what are the pros and cons of each?
intake-q-wait = What might happen if I wait, or choose not to treat the condition?
intake-q-results = What should I do with the test results I have received?
intake-q-evidence = What evidence supports the expert's opinion?
intake-q-short-accuracy = Is my diagnosis accurate?
intake-q-short-options = My treatment options
intake-q-short-wait = If I wait or don't treat
intake-q-short-results = My test results
intake-q-short-evidence = The evidence
intake-own-questions = <b>Your own questions:</b>
intake-questions-count = { $count } of at most { $max } questions. To add your own, tap ➕ or simply type it.
intake-btn-add-question = ➕ Add my own question
intake-btn-questions-done = ✅ Done — next step
intake-ask-question = Please type your question (up to 500 characters). You can have { $max } questions in all.
intake-ask-question-edit =
    Please type the new wording of your question:
    <i>{ $question }</i>
intake-question-added = ✅ Question added.
intake-question-edited = ✅ Question changed.
intake-question-too-long = That question has { $length } characters; please shorten it to { $max } or fewer.
intake-questions-full = You already have { $max } questions, the most a case can have. Leave one out or remove one first.

## 10. Phone
intake-ask-phone =
    Would you like to share your phone number, so a coordinator can call you if it helps? This is optional.
    Tap the button below to share the number of this Telegram account, or skip.
intake-btn-share-phone = 📱 Share my phone number
intake-btn-skip-phone = Skip
intake-phone-none = not shared
intake-phone-done = 👍 Noted.
intake-keyboard-closed = All right.
intake-phone-use-button = Please use the “{ $button }” button below, or skip — that way I know the number is really yours.
intake-phone-not-yours = That seems to be someone else's contact. I can only accept your own number, shared with the button below.
intake-contact-not-now = Thank you! I'll ask about a phone number near the end.

## 11. Review and submit
intake-review-intro = Please check your case. Tap a button to change anything, then send it.
intake-review-line = <b>{ $label }:</b> { $value }
intake-review-records = <b>Records:</b> { $count } ({ $kinds })
intake-review-no-records = <b>Records:</b> none yet
intake-review-questions = <b>Questions for the expert</b> ({ $count }):
intake-review-no-questions = <b>Questions for the expert:</b> none — the expert will give a general opinion.
intake-review-missing = <i>Often useful, if you have them:</i>
intake-review-consent = When you send your case, our coordinators and the expert will see what you shared here.
intake-edit-track = ✏️ Expert
intake-edit-specialty = ✏️ Specialty
intake-edit-diagnosis = ✏️ Diagnosis
intake-edit-plan = ✏️ Treatment
intake-edit-surgeries = ✏️ Surgeries
intake-edit-medications = ✏️ Medicines
intake-edit-allergies = ✏️ Allergies
intake-edit-records = ✏️ Records
intake-edit-questions = ✏️ Questions
intake-edit-phone = ✏️ Phone
intake-btn-submit = 📨 Send my case
intake-missing = One answer is still missing — please fill it in:
intake-submitted =
    ✅ <b>Your case has been sent.</b>
    Your case number is <b>{ $number }</b>. Please keep it for any question about your case.

    <b>What happens next</b>
    1. A coordinator of our team checks your case and writes to you here if anything is missing.
    2. An expert in the right specialty reviews your records and writes a second opinion that answers your questions — you can expect it in about { $turnaround_days } days.
    3. I'll message you here at each step. /status shows where your case is at any time.
    After the report you can book an online consultation to talk it through.
intake-submitted-again = Your case was already sent — its number is <b>{ $number }</b>. Nothing more to do for now; I'll keep you posted here. /status shows where it is.

## Nudges for an unfinished case
intake-nudge-1 = 👋 Your case is waiting for you at step { $n } of { $m }. Whenever you're ready, we can continue right where you stopped — everything you entered is saved.
intake-nudge-2 = Just a gentle reminder: your case is still unfinished (step { $n } of { $m }). When you send it, an expert can start reviewing it. If you need help, /contact reaches a person.

## Coordinator alert (no clinical text)
intake-alert-new-case =
    🆕 <b>New case { $number }</b>
    Specialty: { $specialty }
    Track: { $track }
    Records: { $records }
intake-alert-btn-claim = 🙋 Claim
intake-alert-btn-open = 📂 Open

## My case (/status)
status-title = 📂 <b>My case</b>
status-case = <b>{ $number }</b> — { $status }
status-sent = Sent on { $date } · { $count ->
    [one] 1 record
   *[other] { $count } records
}
status-event = • { $date }: { $status }
status-name = { $status ->
    [draft] being prepared
    [submitted] sent, waiting for a coordinator
    [claimed] with a coordinator
    [with_expert] with the expert
    [info_requested] more information needed
    [withdrawn] withdrawn by you
    [report_ready] report ready
    [closed] closed
   *[other] in progress
}
status-draft = 📝 <b>Unfinished case:</b> step { $n } of { $m }, { $count ->
    [one] 1 record so far.
   *[other] { $count } records so far.
}
status-nothing = You haven't started a case yet.
status-footer = I'll write to you here whenever something changes.
status-btn-continue = 📝 Continue my case
status-btn-start = 📝 Start my case

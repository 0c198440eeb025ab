## Online consultation: the patient books, moves, cancels and rates it (conversations/booking.py)

booking-date = { $weekday ->
    [0] Mon
    [1] Tue
    [2] Wed
    [3] Thu
    [4] Fri
    [5] Sat
   *[6] Sun
} { $day } { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
} { $year }
booking-day = { $weekday ->
    [0] Mon
    [1] Tue
    [2] Wed
    [3] Thu
    [4] Fri
    [5] Sat
   *[6] Sun
} { $day } { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
tz-short-asia-ho-chi-minh = Vietnam
booking-who-expert = your expert, { $physician }
booking-who-local = one of our local affiliated physicians

booking-no-case = There's nothing to book a consultation for yet. Once your expert's report is ready (or a coordinator suggests a consultation), you can book it here.
booking-tz-ask =
    <b>Online consultation</b>
    First, which time zone are you in? I'll show every time in your own local time.
    Is it <b>{ $zone }</b> (it is { $time } there now)? If not, choose another below or type your city, such as <code>Hanoi</code> or <code>Berlin</code>.
btn-booking-tz-yes = ✓ Yes, { $zone }
booking-tz-unknown = I couldn't find a time zone for that. Try a large city near you, such as <code>Bangkok</code>, or a zone name such as <code>Asia/Ho_Chi_Minh</code>.
booking-tz-many = Several time zones match. Which one is yours?
booking-tz-set = Thank you. I'll show times for <b>{ $zone }</b>.
btn-booking-tz-change = 🕒 Not my time zone

booking-days =
    <b>Online consultation with { $who }</b>
    Free times in the next { $days } days, shown in your time ({ $zone }). Which day suits you?
booking-resched-note = You're choosing a <b>new time</b>. Your current booking stays until you confirm a new one.
btn-booking-day = { $day } · { $count ->
    [one] 1 time
   *[other] { $count } times
}
btn-booking-keep = ‹ Keep my current time
booking-none = I'm sorry, there are no free times in the next { $days } days right now. Our coordinators know, and they add new times regularly, so please look again in a day or two. You can also write to { $support_email }.
btn-booking-try-again = 🔄 Look again

booking-times = <b>{ $day }</b>: free times, in your time ({ $zone }). Tap the one that suits you.
booking-times-other = After the dot: the physician's own time ({ $zone }).
btn-booking-slot = { $time }
btn-booking-slot-both = { $time } · { $other }
btn-booking-slot-with = { $label } · { $physician }
btn-booking-days = ‹ Other days
booking-day-full = Those times have just been taken. Here are the days that still have free times:

booking-confirm =
    <b>Please check your consultation</b>
    👩‍⚕️ { $physician }
    🗓 { $date }, { $start }–{ $end } your time ({ $zone })
booking-other-time = 🌍 For the physician: { $date }, { $start }–{ $end } ({ $zone })
booking-confirm-ask = It's a video call: you'll need a phone or computer with a camera. Shall I book it?
btn-booking-confirm = ✅ Book this time
btn-booking-other = ‹ Another time

booking-taken = I'm sorry, someone booked that time a moment before you. Here are the times that are still free:
booking-slot-gone = That time is no longer available. Here are the times that are still free:
booking-booked = ✅ <b>Booked!</b> I'll send you the calendar file in a moment.
booking-moved = ✅ <b>Moved.</b> Here is your new time; an updated calendar file follows.
booking-same = That's already your time, so nothing changed.
booking-already = You already have a consultation booked:

booking-card =
    <b>Your online consultation</b>
    👩‍⚕️ { $physician }
    🗓 { $date }, { $start }–{ $end } ({ $zone })
booking-card-link = 🎥 Video link: <a href="{ $video_url }">{ $video_url }</a>
booking-card-tips = Please join a few minutes early, somewhere quiet, with your questions at hand. I'll remind you 24 hours and 1 hour before.
booking-card-change = You can change or cancel it here until { $hours } hours before it starts.
booking-card-locked = It's less than { $hours } hours away, so to change it please write to { $support_email }.
btn-booking-join = 🎥 Join the video call
btn-booking-reschedule = 🔁 Change the time
btn-booking-cancel = ✖️ Cancel the consultation
booking-nothing = You have no upcoming consultation right now.

booking-cancel-ask = Cancel your consultation on <b>{ $date }</b> at <b>{ $time }</b>? The time will be freed for someone else.
btn-booking-cancel-yes = Yes, cancel it
btn-booking-cancel-no = No, keep it
booking-cancelled = Your consultation is cancelled. Whenever you're ready, you can book a new time.
btn-booking-book-again = 📅 Book a new time
booking-too-late = It's less than { $hours } hours until your consultation, so I can't change it here any more. Please write to { $support_email } and we'll help.

booking-ics-caption = 📅 Your consultation on { $date } at { $start } ({ $zone }). Open this file to add it to your calendar. Video link: { $video_url }
booking-ics-cancel-caption = 🗓 Your consultation on { $date } at { $start } ({ $zone }) is cancelled. Open this file to take it off your calendar.
booking-ics-summary = Online consultation (second opinion)
booking-ics-description = Video call with { $physician }. Join here: { $video_url }

booking-reminder-day =
    ⏰ <b>Reminder</b>: your online consultation with { $physician } is on { $date } at { $time } ({ $zone }).
    🎥 <a href="{ $video_url }">{ $video_url }</a>
booking-reminder-now =
    ⏰ Your online consultation with { $physician } began at <b>{ $time }</b> ({ $zone }). I'm sorry this reminder comes late: there is still time to join now.
    🎥 <a href="{ $video_url }">{ $video_url }</a>
booking-reminder-hour =
    ⏰ Your online consultation with { $physician } starts at <b>{ $time }</b> ({ $zone }), in about an hour. Have your questions ready.
    🎥 <a href="{ $video_url }">{ $video_url }</a>
btn-booking-manage = 🗓 My booking

booking-followup = 🙏 How did your consultation with { $physician } go? Tap a number from 1 (not good) to 5 (excellent).
btn-booking-rate = { $stars } ⭐
booking-rated = Thank you! Would you like to add a few words? Type them here, or tap Skip.
btn-booking-skip = Skip
booking-comment-thanks = Thank you for telling us. It helps us care for every patient better.
booking-comment-prompt = Type a few words about your consultation, or tap Skip.
booking-rate-early = You can rate the consultation once it has taken place.
booking-gone = I couldn't find that consultation any more.

booking-offer = 👋 Our coordinators suggest an <b>online consultation</b> about your case <b>{ $number }</b>: a video call with a physician to talk through the report and your questions. Would you like to book a time?
btn-booking-book = 📅 Book a consultation

## The coordinators' side (handlers/booking_admin.py), in the service's language

booking-track = { $track ->
    [domestic] domestic
   *[international] international
}
btn-booking-track = { $track ->
    [domestic] 🏠 Domestic
   *[international] 🌍 International
}
booking-status = { $status ->
    [booked] booked
    [no_show] no-show
   *[other] { $status }
}
booking-admin-refused = Sorry, only the service's coordinators can do that.
booking-admin-sent-private = I've sent it to you in our private chat.
booking-admin-start-private = Please open a private chat with me first (press Start there), then try again.
booking-admin-cancelled = Stopped. Nothing was published.
booking-admin-gone = That is no longer there.

booking-admin-pub-name =
    <b>Publish consultation times</b> · step 1 of 4
    Who is the consulting physician? Type the name as patients will see it. For domestic cases, use the expert's name exactly as on the case. (/cancel stops.)
booking-admin-pub-name-bad = Please type a name of 1 to 64 characters.
booking-admin-pub-track = Step 2 of 4: which track are the times of <b>{ $physician }</b> for?
booking-admin-pub-zone = Step 3 of 4: in which time zone will you type the times? Choose one, or type a city or a zone name.
booking-admin-pub-zone-unknown = I couldn't find a time zone for that. Try a city or a zone name such as <code>America/New_York</code>.
booking-admin-pub-zone-many = Several time zones match. Which one?
booking-admin-pub-times =
    Step 4 of 4: send the times of <b>{ $physician }</b> ({ $track }), in { $zone } time, one per line:
    <code>2026-12-01 09:00 30</code> one slot of 30 minutes
    <code>weekdays 2026-12-01..2026-12-14 09:00-12:00 30</code> every weekday, back-to-back slots of 30 minutes from 9:00 to 12:00 (<code>daily</code> includes weekends)
booking-admin-pub-error = Line { $line }: { $reason ->
    [date] that date doesn't exist (use YYYY-MM-DD).
    [time] that time doesn't exist (use HH:MM).
    [minutes] a slot lasts 5 to 480 minutes.
    [range] the dates must go forward, at most 62 days.
    [hours] the end must come after the start, with room for one slot.
    [too_many] that's more than 500 slots at once.
   *[format] I couldn't read it.
} Nothing was published yet; please send the times again.
booking-admin-published = ✅ Published { $count } slots for <b>{ $physician }</b> ({ $track }), from { $first } to { $last } ({ $zone }).
booking-admin-published-none = No new slots were published.
booking-admin-skipped = Skipped: { $past } in the past, { $duplicates } already published, { $nonexistent } that don't exist on the clock (daylight-saving change).

booking-admin-slots = <b>Free consultation slots</b>, next { $days } days (page { $page } of { $pages }):
booking-admin-slot-line = #{ $id } · { $date } { $start }–{ $end } ({ $zone }) · { $physician } · { $track }
booking-admin-slots-none = No free slots are published for the next { $days } days. Use /publish to add some.
btn-booking-admin-remove = ✖ #{ $id }
btn-booking-admin-prev = ‹ Earlier
btn-booking-admin-next = Later ›
booking-admin-removed = Slot #{ $id } removed.
booking-admin-remove-taken = Slot #{ $id } has been booked, so it stays. Ask the patient to move or cancel it first.

booking-admin-agenda = <b>Today's consultations</b> ({ $date }, { $zone }):
booking-admin-agenda-line =
    { $start }–{ $end } · case { $number } · { $physician } · { $status }
    🎥 { $video_url }
booking-admin-agenda-rating = ⭐ { $rating }/5
booking-admin-agenda-none = No consultations today ({ $date }, { $zone }).
btn-booking-admin-noshow = 🚫 No-show: { $number } at { $time }
booking-admin-noshow-ok = Marked as a no-show: case { $number } at { $time }. No follow-up question will be sent.
booking-admin-noshow-early = The consultation of case { $number } hasn't started yet.
booking-admin-noshow-already = Case { $number } at { $time } is already marked as a no-show.

booking-admin-offer-usage = Send /offer with the case number, like <code>/offer SO-2611-0003</code>.
booking-admin-offer-gone = I can't find case { $number }.
booking-admin-offer-withdrawn = Case { $number } was withdrawn, so no consultation can be offered.
booking-admin-offer-sent = Sent: the patient of case { $number } can now book a consultation.

booking-alert-soon = ⏰ The consultation for case { $number } starts at { $time } ({ $zone }), in 15 minutes, with { $physician }. The link is in /agenda.
booking-alert-missed = ⚠️ A reminder could not be sent in time (the bot was offline): { $kind ->
    [booking_24h] the day-before reminder to the patient
    [booking_1h] the hour-before reminder to the patient
    [booking_15m] the coordinators' 15-minute reminder
   *[other] the follow-up question to the patient
} for the consultation of case { $number } at { $when }.
booking-alert-no-slots = 📅 The patient of case { $number } wants to book a consultation ({ $track }), but there are no free times in the next { $days } days. Please /publish some.

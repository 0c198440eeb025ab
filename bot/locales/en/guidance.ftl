## Guidance: should I get a second opinion? (conversations/guidance.py)

guide-q-emergency =
    <b>Should I get a second opinion?</b> Let's look at it together, one question at a time.

    First, your safety. Is this an <b>emergency</b>, or something that cannot wait a few days — symptoms getting worse fast, or a decision that must be made today?
guide-emergency-stop =
    🚨 <b>Please get help now.</b>
    Call <b>{ $emergency_number }</b> or go to the nearest emergency department.

    A second opinion takes days, and it must never delay urgent care. We'll be here when the emergency is over.
btn-guide-yes = Yes
btn-guide-no = No
btn-guide-mistake = ⬅️ I pressed this by mistake

guide-q-hospital = Are you (or the person you are asking for) <b>in hospital or in intensive care</b> right now?
guide-hospital-advice =
    While you are in hospital, the team caring for you knows your situation best and can act at once. Please share your questions and worries with them — you can ask them openly whether another doctor's view would help.

    A second opinion is most useful once things are stable. Would you like a reminder later?
btn-guide-remind-days = 🔔 Remind me in { $days } days
btn-guide-no-reminder = No reminder, thank you
guide-hospital-reminder-set = All right. I'll write to you on <b>{ $date }</b>. Wishing you strength. 🙏

guide-q-recent = In the <b>last four weeks</b>, have you had surgery or started a new treatment?
guide-ask-date =
    On what date was it? Please type it like <code>{ $example }</code> (day.month.year), or tap "Today".
btn-guide-today = Today
guide-date-invalid = I couldn't read that as a date. Please type it like <code>{ $example }</code>.
guide-date-future = That date is still to come. Please type the date of the surgery or treatment you already had.
guide-date-long-ago = Thank you. That was more than four weeks ago, so there is no need to wait. Let's go on.
guide-wait =
    Thank you. Right after surgery or a new treatment your body is still reacting and healing, and early results can change. An expert looking at your case now might see only part of the picture.

    It's usually best to wait until <b>{ $date }</b>, when four weeks will have passed. Until then, the doctors treating you are the right people for any question.
btn-guide-remind-on = 🔔 Remind me on { $date }
btn-guide-continue-anyway = Continue anyway ➡️
guide-four-weeks-reminder-set = Done. I'll remind you on the morning of <b>{ $date }</b>. Take good care of yourself. 🙏

guide-situations =
    <b>Which of these sound like your situation?</b>
    Tap every one that fits, then "Done". These are only the most common reasons — a second opinion is your right for any part of your care.
guide-sit-rare = Rare condition or disease
guide-sit-unclear = Unclear results, need more information
guide-sit-perspective = I'd like a different perspective
guide-sit-cancer = Cancer diagnosis
guide-sit-multiple = Several conditions at once
guide-sit-surgery = I'm considering surgery
guide-sit-gut = My gut says something isn't right
guide-sit-treatment = Treatment is experimental, harsh or may not work
guide-sit-not-responding = Not responding to treatment as expected
guide-sit-costs = Options differ a lot in cost
guide-sit-distance = No expert near where I live
btn-guide-done = Done ✅
btn-guide-none = None of these

guide-accurate =
    <b>Good to know.</b> In some fields the first diagnosis is usually very accurate: stroke, cardiology, cardiac surgery, acute flaccid myelitis (AFM), PANS/PANDAS, esophageal and airway care, and pulmonary medicine. If your question is in one of these, a second opinion may not be needed.

    <i>This does not hold for every case.</i> If you still have doubts, you are welcome to ask.

guide-result =
    <b>A second opinion could really help you.</b> You told me:
    { $reasons }

    An expert will review your records, weigh the diagnosis and the treatment plan, and write you an opinion that answers your own questions.
guide-result-none =
    <b>None of the common situations fits — and that's fine.</b>
    You can ask for a second opinion about any part of your care. It is your right as a patient, and it simply helps you make a decision you feel sure about.
guide-why-rare = A rare condition: an expert who sees it often can make the diagnosis and the way forward clearer.
guide-why-unclear = Unclear results: another expert can read them and say what more is needed.
guide-why-perspective = A different perspective: doctors with other training may see other options.
guide-why-cancer = A cancer diagnosis: a second look helps you start treatment with confidence.
guide-why-multiple = Several conditions: a broader view can connect them and their medicines.
guide-why-surgery = Considering surgery: there may be gentler or non-surgical options to discuss.
guide-why-gut = Your gut feeling: you know your body, and it deserves to be heard.
guide-why-treatment = A demanding treatment: it is wise to review it and the alternatives.
guide-why-not-responding = Not responding as expected: a fresh look may find a better plan or another cause.
guide-why-costs = Big cost differences: an expert can weigh what each option offers for its price.
guide-why-distance = No expert nearby: we bring the expert to you, online.
btn-guide-start-case = 📝 Start my case
btn-guide-questions = ❓ Good questions to ask
guide-questions =
    <b>Good questions to ask</b> — your doctor, and our expert:
    1. Is my current diagnosis accurate?
    2. What are my treatment options, and the pros and cons of each?
    3. What might happen if I wait, or choose not to treat?
    4. What should I do with the test results I already have?
    5. What evidence supports the expert's opinion?

    Tip: write your questions down in advance so nothing is forgotten. When you start your case, you can pick these and add your own.
guide-intake-unavailable = Starting a case here in the chat is coming very soon. Meanwhile, write to { $support_email } and a coordinator will help you begin.

guide-reminder-hospital =
    Hello 👋 A little while ago you were in hospital. I hope you are home and feeling better.
    Whenever you are ready, I can help you see whether a second opinion would be useful.
guide-reminder-four-weeks =
    Hello 👋 Today four weeks have passed since your surgery or treatment. I hope your recovery is going well.
    If you are still thinking about a second opinion, this is a good time to start.

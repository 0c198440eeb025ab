## Second Opinion bot: English catalog. Values in { } are filled in (and HTML-escaped) by code.

## Onboarding
lang-choose =
    Hello! 👋 I'm the assistant of the <b>Second Opinion</b> service.
    Which language would you like to use?

    Xin chào! Bạn muốn dùng ngôn ngữ nào?
lang-set = Thank you. I'll write to you in English. You can change this any time with /language.
btn-lang-en = English
btn-lang-vi = Tiếng Việt
about =
    <b>What we do</b>
    A second opinion is a review of your diagnosis and treatment plan by another experienced doctor. Our experts — in more than 40 specialties, here and at partner hospitals abroad — read your medical records and write you an independent opinion that answers your questions.

    <b>What we are not</b>
    We are not an emergency service, and this chat does not give a diagnosis or treatment advice.
    If you are in danger or feel very unwell, call <b>{ $emergency_number }</b> now or go to the nearest emergency department.
btn-continue = Continue ➡️
consent =
    <b>Before we talk about your health</b>
    To help you, we need to keep the health information you share with us: your answers, your medical records and your questions. We use them only to prepare your second opinion, share them only with the doctors and coordinators working on your case, and keep them encrypted.
    You can see everything we hold with /mydata and ask us to delete it with /deleteme.

    Please read our <a href="{ $privacy_url }">privacy notice</a>. Do you agree that we process your health information for this purpose?
btn-consent-yes = ✅ I agree
btn-consent-no = Not now
consent-thanks = Thank you for your trust. 🙏
consent-declined =
    That's perfectly fine. Without your agreement I won't ask about your health or keep any of it.
    You can still read how the service works, or contact us. When you are ready, choose "I agree" from the menu.
consent-needed = This part needs your agreement first, so that we may keep what you tell us.

## Menu
menu-title = What would you like to do?
welcome-back = Welcome back! 👋
btn-menu-guide = 🧭 Should I get a second opinion?
btn-menu-case = 📝 Start or continue my case
btn-menu-mycase = 📂 My case
btn-menu-how = ℹ️ How it works
btn-menu-experts = 👩‍⚕️ Our experts
btn-menu-employers = 🏢 For employers
btn-menu-help = 💬 Help & contact
btn-menu-settings = ⚙️ Settings
btn-menu-consent = ✅ Give my agreement
btn-back = ⬅️ Back
btn-menu = 🏠 Menu

## Commands and answers for every kind of input
help =
    <b>How to talk to me</b>
    Use the buttons under my messages, or these commands:
    /menu — the main menu
    /status — where your case is
    /cancel — stop what we are doing (your answers are kept)
    /language — change the language
    /timezone — change your time zone
    /privacy — how we protect your data
    /contact — reach a person
    /mydata — a copy of everything we keep about you
    /deleteme — delete your data

    If you feel very unwell or in danger, call <b>{ $emergency_number }</b> now.
cancelled = Stopped. Everything you already told me is saved. Here is the menu.
unknown-command = I don't know that command. /help lists the ones I understand.
fallback-text = Sorry, I didn't catch that here. Please use the buttons below, or /help.
fallback-file = Thank you, but I can't take a file at this step. I'll ask for your records when we get to them.
fallback-sticker = 😊 Thanks! I can only understand the buttons and text here.
fallback-voice = I'm sorry, I can't listen to voice messages. Please type your answer, or use the buttons.
fallback-other = I can't use that here, sorry. Please use the buttons or type your answer.
fallback-button = That button is from an earlier step. Let's continue from here:
error-generic = I'm sorry, something went wrong on my side. Your answers are safe. Please try again in a moment, or write to { $support_email }.
group-private-only = Please write to me in a private chat, so that your information stays private.
slow-down = You're sending messages very quickly, so I've paused for a few seconds. 🙏 Please wait a moment, then send your last message again.

## Commands registered with Telegram (short descriptions)
cmd-start = Start, or come back to the beginning
cmd-menu = Main menu
cmd-help = What I can do
cmd-cancel = Stop the current step
cmd-status = Where my case is
cmd-language = Change language
cmd-timezone = Change time zone
cmd-privacy = How we protect your data
cmd-mydata = Get a copy of my data
cmd-deleteme = Delete my data
cmd-contact = Contact a person

## Information screens (handlers/info.py), employer codes, privacy

info-page = <i>Page { $page } of { $total }</i>
btn-info-next = Next ➡️
btn-info-prev = ⬅️ Previous

info-how-1 =
    <b>How it works — 1. Your case</b>
    Together, here in the chat, we gather what the expert needs:
    • your records: test results, imaging and doctors' notes, in date order;
    • your history: past surgeries, medicines and allergies;
    • your own questions, written down so nothing is forgotten.
    The sooner the expert has everything, the more time they have to study your case.
info-how-2 =
    <b>How it works — 2. The written opinion</b>
    The expert reviews your records and history, weighs your current diagnosis and treatment plan, and writes a second opinion that answers your questions — usually within { $turnaround_days } days.
    The report contains:
    • a summary of what the expert found;
    • a clear explanation of their reasoning;
    • recommendations for treatment or further tests;
    • references to the evidence behind them.
info-how-3 =
    <b>How it works — 3. Online consultation</b>
    After the report you can talk with a doctor online, to clarify anything and get advice for your own circumstances.
    • Domestic expert: usually the same doctor who wrote your report.
    • International expert: a local doctor of our service who worked with the team abroad.
    Tip: prepare your questions, keep the report at hand, and take notes. Then talk it over with your own doctor — the decision is always yours.

info-experts-1 =
    <b>Our experts — more than 40 specialties</b>
    Among them: pediatrics, cardiology, dermatology, endocrinology, gastroenterology, geriatrics, hematology, infectious diseases, nephrology, neurology, obstetrics and gynecology, oncology, ophthalmology, oral and maxillofacial surgery, otolaryngology (ENT), sports medicine, physical rehabilitation, psychiatry, respiratory medicine, orthopedics, urology, andrology, nutrition, and more.
    On average our experts have <b>17.7 years</b> of clinical experience in their field.
info-experts-2 =
    <b>International experts</b>
    Besides our experts at home, we work with leading hospitals and medical centers in the United States, for second opinions to international standards.
    If you choose an international expert, a physician of our own service stays your point of contact the whole way, and talks with you in your language.

info-employers =
    <b>For employers</b>
    Offer your employees high-quality healthcare wherever they are in the world, with less travel and less hassle: second opinions from leading experts at home and abroad, as an employee benefit.
    For details, write to { $support_email }.

    Employees: if your employer gave you a link, open it and your benefit code is saved automatically.
info-employer-code = Your employer benefit code <b>{ $code }</b> ({ $name }) is on file.
employer-code-saved = Thank you — your employer benefit code <b>{ $code }</b> ({ $name }) is saved.
employer-code-unknown = I don't recognise the benefit code in your link, so I haven't saved it. No problem — you can still use the service. Please check the code with your employer, or write to { $support_email }.

info-help =
    <b>Help &amp; contact</b>
    • Use the buttons under my messages; /menu brings back the main menu and /help lists the commands.
    • To reach a person, write to <b>{ $support_email }</b>. A coordinator will answer you.
    • How we protect your data: /privacy

    🚨 This chat is not for emergencies. If you feel very unwell or in danger, call <b>{ $emergency_number }</b> now.

privacy-summary =
    <b>Your privacy</b>
    We keep only what you share with us to prepare your second opinion. Your health information is stored encrypted and shared only with the doctors and coordinators working on your case. Nothing about your health is asked or kept before you agree.
    You can ask for a copy of your data (/mydata) or for its deletion (/deleteme) at any time.
    Read the full notice: <a href="{ $privacy_url }">privacy notice</a>
privacy-page-title = Privacy notice — Second Opinion
privacy-page-body =
    <b>Privacy notice</b>

    <b>What we keep.</b> Your Telegram account id, your language and time zone, and — only after you agree — the health information you share with us: your answers, your medical records, your questions, and your phone number if you give it.

    <b>Why.</b> Only to prepare your second opinion and the consultation, and to keep you informed about your case.

    <b>Who sees it.</b> Only the doctors and coordinators working on your case. If you choose an international expert, your records are shared with the partner hospital for that purpose.

    <b>How it is protected.</b> Records are stored encrypted; links to reports are signed, expire, and every opening is recorded.

    <b>Your rights.</b> In the chat, /mydata gives you a copy of your data and /deleteme deletes it. You can also write to { $support_email }.

    This service is not for emergencies. In an emergency, call { $emergency_number }.

## Settings: language and time zone (conversations/settings.py)

settings-title =
    <b>Settings</b>
    Language: { $language }
    Time zone: { $timezone } (it is { $time } there now)
btn-settings-language = 🌐 Language
btn-settings-timezone = 🕒 Time zone
settings-tz-choose =
    <b>Your time zone</b>
    I use it for reminders and appointment times. Choose one below, or type a city or a zone name, such as <code>Hanoi</code> or <code>Europe/Berlin</code>.
settings-tz-set = Done. Your time zone is now <b>{ $timezone }</b> (it is { $time } there now).
settings-tz-unknown = I couldn't find a time zone for that. Try a large city near you, such as <code>Bangkok</code>, or a zone name such as <code>Asia/Ho_Chi_Minh</code>.
settings-tz-many = Several time zones match. Which one is yours?
tz-asia-ho-chi-minh = Vietnam (Hanoi, Ho Chi Minh City)
tz-asia-bangkok = Bangkok
tz-asia-singapore = Singapore
tz-asia-tokyo = Tokyo
tz-europe-london = London
tz-europe-paris = Paris
tz-america-new-york = New York
tz-america-los-angeles = Los Angeles
tz-australia-sydney = Sydney

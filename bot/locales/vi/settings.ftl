## Cài đặt: ngôn ngữ và múi giờ (conversations/settings.py)

settings-title =
    <b>Cài đặt</b>
    Ngôn ngữ: { $language }
    Múi giờ: { $timezone } (bây giờ ở đó là { $time })
btn-settings-language = 🌐 Ngôn ngữ
btn-settings-timezone = 🕒 Múi giờ
settings-tz-choose =
    <b>Múi giờ của bạn</b>
    Tôi dùng múi giờ để nhắc việc và hiển thị giờ hẹn. Bạn chọn bên dưới, hoặc gõ tên thành phố hay tên múi giờ, ví dụ <code>Hà Nội</code> hoặc <code>Europe/Berlin</code>.
settings-tz-set = Xong. Múi giờ của bạn bây giờ là <b>{ $timezone }</b> (bây giờ ở đó là { $time }).
settings-tz-unknown = Tôi không tìm thấy múi giờ nào như vậy. Bạn thử tên một thành phố lớn gần bạn, ví dụ <code>Bangkok</code>, hoặc tên múi giờ như <code>Asia/Ho_Chi_Minh</code>.
settings-tz-many = Có vài múi giờ phù hợp. Múi giờ nào là của bạn?
tz-asia-ho-chi-minh = Việt Nam (Hà Nội, TP. Hồ Chí Minh)
tz-asia-bangkok = Bangkok
tz-asia-singapore = Singapore
tz-asia-tokyo = Tokyo
tz-europe-london = Luân Đôn
tz-europe-paris = Paris
tz-america-new-york = New York
tz-america-los-angeles = Los Angeles
tz-australia-sydney = Sydney

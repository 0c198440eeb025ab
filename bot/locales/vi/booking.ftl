## Tư vấn trực tuyến: bệnh nhân đặt lịch, đổi lịch, huỷ lịch và đánh giá (conversations/booking.py)

booking-date = { $weekday ->
    [0] Thứ Hai
    [1] Thứ Ba
    [2] Thứ Tư
    [3] Thứ Năm
    [4] Thứ Sáu
    [5] Thứ Bảy
   *[6] Chủ Nhật
}, { $day }/{ $month }/{ $year }
booking-day = { $weekday ->
    [0] T2
    [1] T3
    [2] T4
    [3] T5
    [4] T6
    [5] T7
   *[6] CN
} { $day }/{ $month }
tz-short-asia-ho-chi-minh = Việt Nam
booking-who-expert = chuyên gia của bạn, { $physician }
booking-who-local = một bác sĩ liên kết tại Việt Nam của chúng tôi

booking-no-case = Hiện chưa có hồ sơ nào để đặt lịch tư vấn. Khi báo cáo của chuyên gia đã sẵn sàng (hoặc điều phối viên đề nghị một buổi tư vấn), bạn có thể đặt lịch ngay tại đây.
booking-tz-ask =
    <b>Tư vấn trực tuyến</b>
    Trước tiên, bạn đang ở múi giờ nào? Tôi sẽ hiển thị mọi giờ hẹn theo giờ địa phương của bạn.
    Có phải <b>{ $zone }</b> không (bây giờ ở đó là { $time })? Nếu không, hãy chọn múi giờ khác bên dưới hoặc gõ tên thành phố, ví dụ <code>Hà Nội</code> hay <code>Berlin</code>.
btn-booking-tz-yes = ✓ Đúng, { $zone }
booking-tz-unknown = Tôi chưa tìm thấy múi giờ nào như vậy. Bạn thử gõ một thành phố lớn gần bạn, ví dụ <code>Bangkok</code>, hoặc tên múi giờ như <code>Asia/Ho_Chi_Minh</code>.
booking-tz-many = Có vài múi giờ phù hợp. Múi giờ nào là của bạn?
booking-tz-set = Cảm ơn bạn. Tôi sẽ hiển thị giờ theo <b>{ $zone }</b>.
btn-booking-tz-change = 🕒 Không phải múi giờ của tôi

booking-days =
    <b>Tư vấn trực tuyến với { $who }</b>
    Các giờ còn trống trong { $days } ngày tới, theo giờ của bạn ({ $zone }). Bạn chọn ngày nào?
booking-resched-note = Bạn đang chọn <b>giờ mới</b>. Lịch hiện tại vẫn giữ nguyên cho đến khi bạn xác nhận giờ mới.
btn-booking-day = { $day } · { $count } giờ trống
btn-booking-keep = ‹ Giữ giờ hiện tại
booking-none = Rất tiếc, hiện chưa có giờ trống nào trong { $days } ngày tới. Điều phối viên của chúng tôi đã được báo và thường xuyên mở thêm giờ mới, bạn vui lòng xem lại sau một hai ngày nhé. Bạn cũng có thể viết cho chúng tôi tại { $support_email }.
btn-booking-try-again = 🔄 Xem lại

booking-times = <b>{ $day }</b>: các giờ còn trống, theo giờ của bạn ({ $zone }). Bạn chạm vào giờ phù hợp nhé.
booking-times-other = Sau dấu chấm: giờ của bác sĩ ({ $zone }).
btn-booking-slot = { $time }
btn-booking-slot-both = { $time } · { $other }
btn-booking-slot-with = { $label } · { $physician }
btn-booking-days = ‹ Ngày khác
booking-day-full = Các giờ đó vừa có người đặt. Đây là những ngày vẫn còn giờ trống:

booking-confirm =
    <b>Bạn kiểm tra lại lịch tư vấn nhé</b>
    👩‍⚕️ { $physician }
    🗓 { $date }, { $start }–{ $end } giờ của bạn ({ $zone })
booking-other-time = 🌍 Theo giờ của bác sĩ: { $date }, { $start }–{ $end } ({ $zone })
booking-confirm-ask = Đây là cuộc gọi video: bạn cần điện thoại hoặc máy tính có camera. Tôi đặt lịch này cho bạn nhé?
btn-booking-confirm = ✅ Đặt giờ này
btn-booking-other = ‹ Giờ khác

booking-taken = Rất tiếc, có người vừa đặt giờ đó ngay trước bạn. Đây là những giờ vẫn còn trống:
booking-slot-gone = Giờ đó không còn nữa. Đây là những giờ vẫn còn trống:
booking-booked = ✅ <b>Đã đặt lịch!</b> Tôi sẽ gửi bạn tệp lịch ngay sau đây.
booking-moved = ✅ <b>Đã đổi lịch.</b> Đây là giờ mới của bạn; tệp lịch mới sẽ đến ngay sau đây.
booking-same = Đó đã là giờ của bạn rồi, nên không có gì thay đổi.
booking-already = Bạn đã có một lịch tư vấn:

booking-card =
    <b>Lịch tư vấn trực tuyến của bạn</b>
    👩‍⚕️ { $physician }
    🗓 { $date }, { $start }–{ $end } ({ $zone })
booking-card-link = 🎥 Đường dẫn gọi video: <a href="{ $video_url }">{ $video_url }</a>
booking-card-tips = Bạn vui lòng vào sớm vài phút, ở nơi yên tĩnh và chuẩn bị sẵn các câu hỏi. Tôi sẽ nhắc bạn trước 24 giờ và trước 1 giờ.
booking-card-change = Bạn có thể đổi hoặc huỷ lịch tại đây cho đến { $hours } giờ trước buổi tư vấn.
booking-card-locked = Chỉ còn chưa đến { $hours } giờ nữa, nên nếu cần thay đổi, bạn vui lòng viết cho { $support_email }.
btn-booking-join = 🎥 Vào cuộc gọi video
btn-booking-reschedule = 🔁 Đổi giờ
btn-booking-cancel = ✖️ Huỷ buổi tư vấn
booking-nothing = Hiện bạn chưa có lịch tư vấn nào sắp tới.

booking-cancel-ask = Huỷ buổi tư vấn vào <b>{ $date }</b> lúc <b>{ $time }</b>? Giờ này sẽ được nhường cho người khác.
btn-booking-cancel-yes = Đúng, huỷ lịch
btn-booking-cancel-no = Không, giữ lịch
booking-cancelled = Buổi tư vấn của bạn đã được huỷ. Khi nào sẵn sàng, bạn có thể đặt giờ mới.
btn-booking-book-again = 📅 Đặt giờ mới
booking-too-late = Chỉ còn chưa đến { $hours } giờ là đến buổi tư vấn, nên tôi không thể thay đổi tại đây nữa. Bạn vui lòng viết cho { $support_email }, chúng tôi sẽ hỗ trợ.

booking-ics-caption = 📅 Buổi tư vấn của bạn vào { $date } lúc { $start } ({ $zone }). Mở tệp này để thêm vào lịch của bạn. Đường dẫn gọi video: { $video_url }
booking-ics-cancel-caption = 🗓 Buổi tư vấn của bạn vào { $date } lúc { $start } ({ $zone }) đã được hủy. Mở tệp này để xóa nó khỏi lịch của bạn.
booking-ics-summary = Tư vấn trực tuyến (ý kiến thứ hai)
booking-ics-description = Cuộc gọi video với { $physician }. Tham gia tại: { $video_url }

booking-reminder-day =
    ⏰ <b>Nhắc lịch</b>: buổi tư vấn trực tuyến của bạn với { $physician } vào { $date } lúc { $time } ({ $zone }).
    🎥 <a href="{ $video_url }">{ $video_url }</a>
booking-reminder-now =
    ⏰ Buổi tư vấn trực tuyến của bạn với { $physician } đã bắt đầu lúc <b>{ $time }</b> ({ $zone }). Xin lỗi vì lời nhắc này đến muộn: bạn vẫn có thể tham gia ngay bây giờ.
    🎥 <a href="{ $video_url }">{ $video_url }</a>
booking-reminder-hour =
    ⏰ Buổi tư vấn trực tuyến của bạn với { $physician } bắt đầu lúc <b>{ $time }</b> ({ $zone }), còn khoảng một giờ nữa. Bạn chuẩn bị sẵn các câu hỏi nhé.
    🎥 <a href="{ $video_url }">{ $video_url }</a>
btn-booking-manage = 🗓 Lịch của tôi

booking-followup = 🙏 Buổi tư vấn với { $physician } của bạn thế nào? Bạn chạm vào một số từ 1 (chưa tốt) đến 5 (rất tốt) nhé.
btn-booking-rate = { $stars } ⭐
booking-rated = Cảm ơn bạn! Bạn có muốn viết thêm vài lời không? Hãy gõ tại đây, hoặc chạm Bỏ qua.
btn-booking-skip = Bỏ qua
booking-comment-thanks = Cảm ơn bạn đã chia sẻ. Điều này giúp chúng tôi chăm sóc mọi bệnh nhân tốt hơn.
booking-comment-prompt = Bạn gõ vài lời về buổi tư vấn, hoặc chạm Bỏ qua.
booking-rate-early = Bạn có thể đánh giá sau khi buổi tư vấn đã diễn ra.
booking-gone = Tôi không tìm thấy buổi tư vấn đó nữa.

booking-offer = 👋 Điều phối viên của chúng tôi đề nghị một buổi <b>tư vấn trực tuyến</b> về hồ sơ <b>{ $number }</b> của bạn: một cuộc gọi video với bác sĩ để cùng xem báo cáo và các câu hỏi của bạn. Bạn có muốn đặt lịch không?
btn-booking-book = 📅 Đặt lịch tư vấn

## Phía điều phối viên (handlers/booking_admin.py)

booking-track = { $track ->
    [domestic] trong nước
   *[international] quốc tế
}
btn-booking-track = { $track ->
    [domestic] 🏠 Trong nước
   *[international] 🌍 Quốc tế
}
booking-status = { $status ->
    [booked] đã đặt
    [no_show] vắng mặt
   *[other] { $status }
}
booking-admin-refused = Xin lỗi, chỉ điều phối viên của dịch vụ mới làm được việc này.
booking-admin-sent-private = Tôi đã gửi cho bạn trong cuộc trò chuyện riêng.
booking-admin-start-private = Bạn vui lòng mở cuộc trò chuyện riêng với tôi trước (bấm Bắt đầu ở đó), rồi thử lại.
booking-admin-cancelled = Đã dừng. Chưa có gì được đăng.
booking-admin-gone = Mục đó không còn nữa.

booking-admin-pub-name =
    <b>Đăng giờ tư vấn</b> · bước 1/4
    Bác sĩ tư vấn là ai? Gõ tên như bệnh nhân sẽ thấy. Với hồ sơ trong nước, dùng đúng tên chuyên gia như trên hồ sơ. (/cancel để dừng.)
booking-admin-pub-name-bad = Vui lòng gõ tên dài từ 1 đến 64 ký tự.
booking-admin-pub-track = Bước 2/4: các giờ của <b>{ $physician }</b> dành cho hình thức nào?
booking-admin-pub-zone = Bước 3/4: bạn sẽ gõ giờ theo múi giờ nào? Chọn một múi giờ, hoặc gõ tên thành phố hay tên múi giờ.
booking-admin-pub-zone-unknown = Tôi chưa tìm thấy múi giờ đó. Thử một thành phố hoặc tên múi giờ như <code>America/New_York</code>.
booking-admin-pub-zone-many = Có vài múi giờ phù hợp. Múi giờ nào?
booking-admin-pub-times =
    Bước 4/4: gửi các giờ của <b>{ $physician }</b> ({ $track }), theo giờ { $zone }, mỗi dòng một mục:
    <code>2026-12-01 09:00 30</code> một buổi 30 phút
    <code>weekdays 2026-12-01..2026-12-14 09:00-12:00 30</code> mỗi ngày thường, các buổi 30 phút liên tiếp từ 9:00 đến 12:00 (<code>daily</code> gồm cả cuối tuần)
booking-admin-pub-error = Dòng { $line }: { $reason ->
    [date] ngày đó không tồn tại (dùng YYYY-MM-DD).
    [time] giờ đó không tồn tại (dùng HH:MM).
    [minutes] mỗi buổi dài từ 5 đến 480 phút.
    [range] ngày phải tăng dần, tối đa 62 ngày.
    [hours] giờ kết thúc phải sau giờ bắt đầu, đủ cho ít nhất một buổi.
    [too_many] nhiều hơn 500 buổi một lần.
   *[format] tôi không đọc được dòng này.
} Chưa có gì được đăng; vui lòng gửi lại các giờ.
booking-admin-published = ✅ Đã đăng { $count } buổi cho <b>{ $physician }</b> ({ $track }), từ { $first } đến { $last } ({ $zone }).
booking-admin-published-none = Không có buổi mới nào được đăng.
booking-admin-skipped = Bỏ qua: { $past } đã qua, { $duplicates } đã đăng trước đó, { $nonexistent } không có trên đồng hồ (ngày đổi giờ mùa hè).

booking-admin-slots = <b>Các buổi tư vấn còn trống</b>, { $days } ngày tới (trang { $page }/{ $pages }):
booking-admin-slot-line = #{ $id } · { $date } { $start }–{ $end } ({ $zone }) · { $physician } · { $track }
booking-admin-slots-none = Chưa có buổi trống nào trong { $days } ngày tới. Dùng /publish để thêm.
btn-booking-admin-remove = ✖ #{ $id }
btn-booking-admin-prev = ‹ Trước
btn-booking-admin-next = Sau ›
booking-admin-removed = Đã xoá buổi #{ $id }.
booking-admin-remove-taken = Buổi #{ $id } đã có người đặt nên được giữ lại. Hãy nhờ bệnh nhân đổi hoặc huỷ lịch trước.

booking-admin-agenda = <b>Các buổi tư vấn hôm nay</b> ({ $date }, { $zone }):
booking-admin-agenda-line =
    { $start }–{ $end } · hồ sơ { $number } · { $physician } · { $status }
    🎥 { $video_url }
booking-admin-agenda-rating = ⭐ { $rating }/5
booking-admin-agenda-none = Hôm nay không có buổi tư vấn nào ({ $date }, { $zone }).
btn-booking-admin-noshow = 🚫 Vắng mặt: { $number } lúc { $time }
booking-admin-noshow-ok = Đã ghi vắng mặt: hồ sơ { $number } lúc { $time }. Sẽ không gửi câu hỏi đánh giá.
booking-admin-noshow-early = Buổi tư vấn của hồ sơ { $number } chưa bắt đầu.
booking-admin-noshow-already = Hồ sơ { $number } lúc { $time } đã được ghi vắng mặt.

booking-admin-offer-usage = Gửi /offer kèm số hồ sơ, ví dụ <code>/offer SO-2611-0003</code>.
booking-admin-offer-gone = Tôi không tìm thấy hồ sơ { $number }.
booking-admin-offer-withdrawn = Hồ sơ { $number } đã được rút, nên không thể đề nghị tư vấn.
booking-admin-offer-sent = Đã gửi: bệnh nhân của hồ sơ { $number } giờ có thể đặt lịch tư vấn.

booking-alert-soon = ⏰ Buổi tư vấn của hồ sơ { $number } bắt đầu lúc { $time } ({ $zone }), còn 15 phút nữa, với { $physician }. Đường dẫn có trong /agenda.
booking-alert-missed = ⚠️ Một lời nhắc không gửi kịp (bot đã ngừng hoạt động): { $kind ->
    [booking_24h] lời nhắc trước một ngày cho bệnh nhân
    [booking_1h] lời nhắc trước một giờ cho bệnh nhân
    [booking_15m] lời nhắc 15 phút cho điều phối viên
   *[other] câu hỏi đánh giá cho bệnh nhân
} cho buổi tư vấn của hồ sơ { $number } lúc { $when }.
booking-alert-no-slots = 📅 Bệnh nhân của hồ sơ { $number } muốn đặt lịch tư vấn ({ $track }), nhưng không có giờ trống nào trong { $days } ngày tới. Vui lòng /publish thêm giờ.

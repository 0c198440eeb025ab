## Lập hồ sơ (conversations/intake) và Hồ sơ của tôi (/status). Giá trị trong { } do mã điền vào.

## Bắt đầu và tiếp tục
intake-intro =
    📝 <b>Mình cùng lập hồ sơ của bạn nhé.</b>
    Việc này mất khoảng 10–15 phút. Mọi câu trả lời đều được lưu ngay, nên bạn có thể dừng bất cứ lúc nào và tiếp tục sau từ menu hoặc bằng /start.
intake-resume = 👋 Chào mừng bạn quay lại — mình tiếp tục từ chỗ bạn đã dừng nhé (bước { $n }/{ $m }).
intake-start-title = 📝 <b>Hồ sơ mới</b>
intake-start-again = Hồ sơ <b>{ $number }</b> của bạn đang được đội ngũ của chúng tôi xử lý. Bạn có muốn lập thêm một hồ sơ khác, cho một vấn đề sức khỏe khác không?
intake-start-fresh = Bạn có muốn lập một hồ sơ mới không?
intake-btn-new-case = 📝 Lập hồ sơ mới
intake-btn-continue = 📝 Tiếp tục hồ sơ
intake-btn-later = 🏠 Menu (câu trả lời đã được lưu)
intake-btn-to-review = ↩️ Quay lại bản tóm tắt
intake-btn-cancel = ✖️ Hủy
intake-draft-gone = Tôi không tìm thấy hồ sơ đang làm dở của bạn nữa. Mình bắt đầu lại từ menu nhé.

## Tiêu đề các bước
intake-step = <b>Bước { $n }/{ $m }</b> · { $title }
intake-title-track = Chuyên gia của bạn
intake-title-specialty = Chuyên khoa
intake-title-diagnosis = Chẩn đoán hiện tại
intake-title-plan = Kế hoạch điều trị
intake-title-surgeries = Phẫu thuật trước đây
intake-title-medications = Thuốc đang dùng
intake-title-allergies = Dị ứng
intake-title-records = Hồ sơ y tế
intake-title-questions = Câu hỏi của bạn
intake-title-phone = Số điện thoại
intake-title-review = Kiểm tra và gửi
intake-current = <i>Câu trả lời hiện tại:</i> { $value }
intake-not-answered = chưa trả lời
intake-text-hint = <i>Muốn sửa, bạn chỉ cần gõ câu trả lời mới.</i>

## 1. Hình thức
intake-ask-track =
    Bạn muốn ai xem xét hồ sơ của mình?

    🏠 <b>Chuyên gia trong nước</b> — một bác sĩ chuyên khoa trong đội ngũ của chúng tôi (trung bình 17,7 năm kinh nghiệm). Thường chính bác sĩ này sẽ trao đổi trực tuyến với bạn về báo cáo sau đó.

    🌍 <b>Chuyên gia quốc tế</b> — một bác sĩ chuyên khoa tại bệnh viện đối tác ở nước ngoài, trong đó có các bệnh viện hàng đầu tại Hoa Kỳ. Một bác sĩ trong nước của chúng tôi luôn là người liên lạc của bạn và trao đổi với bạn bằng tiếng Việt.
intake-btn-track-domestic = 🏠 Chuyên gia trong nước
intake-btn-track-international = 🌍 Chuyên gia quốc tế
intake-track-name = { $track ->
    [domestic] Chuyên gia trong nước
    [international] Chuyên gia quốc tế
   *[none] chưa chọn
}

## 2. Chuyên khoa
intake-ask-specialty =
    Câu hỏi của bạn thuộc chuyên khoa nào? Chúng tôi có chuyên gia ở { $count } chuyên khoa.
    Hãy chọn bên dưới, hoặc <b>gõ một từ</b> để tìm (ví dụ: tim, ung thư, da). Chưa chắc? Điều phối viên sẽ chọn giúp bạn.
intake-page = { $n } / { $m }
intake-specialty-found = Các chuyên khoa khớp với “{ $query }”:
intake-specialty-none-found = Tôi không tìm thấy chuyên khoa nào khớp với “{ $query }”. Bạn thử từ khác, hoặc chọn trong danh sách nhé.
intake-btn-all-specialties = 📋 Xem toàn bộ danh sách
intake-btn-specialty-unsure = 🤷 Chưa chắc — nhờ điều phối viên chọn
intake-specialty-unsure = Chưa chắc (điều phối viên sẽ chọn)

## 3–7. Chẩn đoán, điều trị, tiền sử
intake-ask-diagnosis =
    <b>Chẩn đoán hiện tại</b> của bạn là gì? Bạn hãy viết theo cách của mình, như bác sĩ đã giải thích. Nếu chưa có chẩn đoán, bạn bấm nút bên dưới.
intake-btn-no-diagnosis = Chưa có chẩn đoán
intake-none-diagnosis = chưa có chẩn đoán
intake-ask-plan =
    Bác sĩ đã đề xuất hoặc bắt đầu <b>điều trị</b> gì cho bạn? Ví dụ: thuốc, phẫu thuật, trị liệu — và dự kiến khi nào.
intake-btn-no-plan = Chưa có kế hoạch điều trị
intake-none-plan = chưa có kế hoạch điều trị
intake-ask-surgeries =
    Bạn đã từng <b>phẫu thuật</b> chưa? Hãy ghi loại phẫu thuật và thời gian (ước chừng cũng được).
intake-btn-no-surgeries = Chưa từng phẫu thuật
intake-none-surgeries = không có
intake-ask-medications =
    Hiện bạn đang dùng <b>thuốc</b> gì? Tên thuốc, liều và số lần dùng, nếu bạn biết. Vitamin và thuốc nam, thảo dược cũng tính.
intake-btn-no-medications = Tôi không dùng thuốc
intake-none-medications = không có
intake-ask-allergies =
    Bạn có bị <b>dị ứng</b> gì không — với thuốc, thức ăn hay thứ gì khác?
intake-btn-no-allergies = Không bị dị ứng
intake-none-allergies = không có
intake-too-long = Cảm ơn bạn đã ghi rất chi tiết! Bạn vui lòng giữ câu trả lời này dưới { $max } ký tự. Tài liệu dài hơn, bạn có thể gửi dạng tệp ở bước hồ sơ.

## 8. Hồ sơ
intake-ask-records =
    Bạn hãy gửi hồ sơ y tế vào đây: kết quả xét nghiệm, kết quả chẩn đoán hình ảnh, ghi chú của bác sĩ, đơn thuốc.
    📎 Gửi dạng tệp hoặc ảnh — PDF, JPG, PNG, HEIC, DICOM hoặc văn bản thường, mỗi tệp tối đa 20 MB và tổng cộng tối đa { $max } tệp. Bạn có thể gửi nhiều ảnh cùng lúc.
    🔒 Mọi tệp đều được mã hóa khi lưu, và chỉ bác sĩ, điều phối viên phụ trách hồ sơ của bạn mới xem được.
intake-records-count = Bạn đã gửi <b>{ $count }</b> trên tối đa { $max } hồ sơ.
intake-checklist-title = <b>Một hồ sơ đầy đủ thường có:</b>
intake-check-tests = kết quả xét nghiệm gần đây
intake-check-imaging = kết quả chẩn đoán hình ảnh (X-quang, CT, MRI, siêu âm…)
intake-check-notes = ghi chú của bác sĩ hoặc giấy ra viện
intake-check-medications = danh sách thuốc bạn đang dùng
intake-btn-timeline = 📋 Hồ sơ của tôi ({ $count })
intake-btn-records-done = ✅ Xong — bước tiếp theo
intake-btn-records-skip = ⏭ Hiện tôi chưa có hồ sơ để gửi
intake-records-pending-first = Trước tiên, một câu hỏi nhanh về tệp bạn vừa gửi:
intake-records-text = Để thêm hồ sơ, bạn hãy gửi dạng tệp hoặc ảnh. Khi đã gửi hết, bạn bấm “Xong”.
intake-ask-kind = { $count ->
    [one] Tệp này ({ $type }, { $size }) là gì?
   *[other] { $count } tệp này là gì?
}
intake-kind-name = { $kind ->
    [test] Kết quả xét nghiệm
    [imaging] Chẩn đoán hình ảnh
    [note] Ghi chú của bác sĩ
    [other] Khác
   *[none] Chưa phân loại
}
intake-kind-count = { $kind ->
    [test] { $count } kết quả xét nghiệm
    [imaging] { $count } chẩn đoán hình ảnh
    [note] { $count } ghi chú của bác sĩ
   *[other] { $count } khác
}
intake-kind-word = { $kind ->
    [test] kết quả xét nghiệm
    [imaging] kết quả chẩn đoán hình ảnh
    [note] ghi chú của bác sĩ
   *[other] hồ sơ
}
intake-ask-date-proposed = { $count ->
    [one] Theo tệp, hồ sơ này có ngày <b>{ $date }</b>. Đó có đúng là ngày của { $kind_word } này không?
   *[other] Các tệp này có sẵn ngày: <b>{ $date }</b>. Tôi dùng các ngày này nhé?
}
intake-ask-date = { $count ->
    [one] Hồ sơ này ({ $kind_word }) có từ ngày nào? Bấm “Hôm nay”, hoặc gõ ngày, ví dụ { $example }.
   *[other] { $count } tệp này có từ ngày nào? Bấm “Hôm nay”, hoặc gõ ngày, ví dụ { $example }.
}
intake-date-example = 25/12/2024 hoặc 2024-12-25
intake-date-range = { $start } – { $end }
intake-btn-date-yes = ✅ Đúng rồi
intake-btn-date-today = 📅 Hôm nay
intake-btn-date-other = ✏️ Ngày khác
intake-date-type = Bạn hãy gõ ngày, ví dụ { $example }. Nếu chỉ nhớ tháng, bạn viết như 03/2024.
intake-date-bad = Tôi chưa đọc được ngày này. Bạn vui lòng viết như { $example } — và không phải ngày trong tương lai.
intake-date = { $dd }/{ $month ->
    [m1] 01
    [m2] 02
    [m3] 03
    [m4] 04
    [m5] 05
    [m6] 06
    [m7] 07
    [m8] 08
    [m9] 09
    [m10] 10
    [m11] 11
   *[m12] 12
}/{ $year }
intake-no-date = chưa có ngày
intake-timeline-title = <b>Hồ sơ của bạn, cũ nhất trước</b> ({ $count }):
intake-timeline-line = { $n }. { $date } — { $icon } { $kind } · { $type }, { $size }
intake-timeline-remove-hint = Để xóa, bấm 🗑 kèm số thứ tự.
intake-timeline-empty = Bạn chưa gửi hồ sơ nào.
intake-btn-back-to-records = ⬅️ Quay lại hồ sơ
intake-remove-confirm = Xóa hồ sơ này khỏi hồ sơ bệnh án của bạn?
intake-btn-remove-yes = 🗑 Có, xóa đi
intake-btn-remove-no = Không, giữ lại
intake-removed = Đã xóa. 🗑

## Kết quả nhận tệp
intake-upload-added = ✅ Đã nhận và lưu an toàn (đã mã hóa).
intake-upload-duplicate = Bạn đã gửi đúng tệp này rồi — tôi chỉ giữ một bản. 👍
intake-upload-full = Hồ sơ của bạn đã đủ tối đa 50 tệp nên tôi chưa thêm được tệp này. Bạn có thể xóa một tệp không cần rồi gửi lại.
intake-upload-too_big = Tệp này lớn hơn 20 MB, mức tối đa Telegram cho phép tôi nhận. Bạn có thể gửi bản nhỏ hơn không, ví dụ bản PDF của kết quả, hoặc ảnh chụp từng trang?
intake-upload-failed = Xin lỗi, tôi chưa tải được tệp này. Bạn vui lòng gửi lại một lần nữa.
intake-upload-gone = Tôi không thêm được tệp này vì hồ sơ của bạn không còn ở trạng thái chỉnh sửa.
intake-upload-empty = Tệp này trống. Bạn kiểm tra lại rồi gửi lại giúp tôi nhé.
intake-upload-executable = Vì an toàn, tôi không nhận chương trình hay tập lệnh. Bạn vui lòng gửi hồ sơ dạng PDF, ảnh, DICOM hoặc văn bản thường.
intake-upload-archive = Tôi không mở được tệp nén (ZIP, RAR, 7z…). Bạn vui lòng giải nén và gửi từng hồ sơ — gửi nhiều ảnh cùng lúc cũng được.
intake-upload-office = Tôi không mở được tệp Word hay Excel. Bạn vui lòng lưu thành PDF, hoặc chụp ảnh từng trang.
intake-upload-mismatch = Tên tệp không khớp với nội dung bên trong, nên để an toàn tôi chưa nhận. Bạn có thể lưu lại thành PDF hoặc ảnh rồi gửi lại không?
intake-upload-unknown = Tôi không nhận ra loại tệp này. Bạn vui lòng gửi hồ sơ dạng PDF, JPG, PNG, HEIC, DICOM hoặc văn bản thường.
intake-upload-album = ✅ Đã nhận { $count } tệp và lưu an toàn (đã mã hóa).
intake-upload-album-duplicate = { $count } tệp đã có trong hồ sơ, tôi chỉ giữ một bản.
intake-upload-album-too_big = { $count } tệp lớn hơn 20 MB nên không nhận được.
intake-upload-album-full = { $count } tệp không thêm được: mỗi hồ sơ có tối đa 50 tệp.
intake-upload-album-failed = { $count } tệp chưa tải được — bạn vui lòng gửi lại.
intake-upload-album-refused = { $count } tệp không được nhận: bạn vui lòng gửi hồ sơ dạng PDF, ảnh, DICOM hoặc văn bản thường.
intake-file-not-now = Cảm ơn bạn! Tôi sẽ xin hồ sơ ở bước 8 — bạn chuẩn bị sẵn nhé.

## 9. Câu hỏi
intake-ask-questions =
    Bạn muốn chuyên gia trả lời những câu hỏi nào? Đây là năm câu nhiều người bệnh thường hỏi — bấm vào để chọn hoặc bỏ. Bạn cũng có thể tự viết câu hỏi.
intake-q-accuracy = Chẩn đoán hiện tại của tôi có chính xác không?
intake-q-options = Tôi có những lựa chọn điều trị nào, ưu và nhược điểm của từng cách là gì?
intake-q-wait = Điều gì có thể xảy ra nếu tôi chờ đợi, hoặc chọn không điều trị?
intake-q-results = Tôi nên làm gì với các kết quả xét nghiệm đã nhận?
intake-q-evidence = Bằng chứng nào ủng hộ ý kiến của chuyên gia?
intake-q-short-accuracy = Chẩn đoán có chính xác?
intake-q-short-options = Các lựa chọn điều trị
intake-q-short-wait = Nếu chờ hoặc không điều trị
intake-q-short-results = Kết quả xét nghiệm
intake-q-short-evidence = Bằng chứng
intake-own-questions = <b>Câu hỏi của riêng bạn:</b>
intake-questions-count = { $count } trên tối đa { $max } câu hỏi. Để thêm câu của bạn, bấm ➕ hoặc gõ luôn câu hỏi.
intake-btn-add-question = ➕ Thêm câu hỏi của tôi
intake-btn-questions-done = ✅ Xong — bước tiếp theo
intake-ask-question = Bạn hãy gõ câu hỏi (tối đa 500 ký tự). Tổng cộng bạn có thể có { $max } câu hỏi.
intake-ask-question-edit =
    Bạn hãy gõ lại câu hỏi theo cách mới:
    <i>{ $question }</i>
intake-question-added = ✅ Đã thêm câu hỏi.
intake-question-edited = ✅ Đã sửa câu hỏi.
intake-question-too-long = Câu hỏi này có { $length } ký tự; bạn vui lòng rút gọn còn tối đa { $max } ký tự.
intake-questions-full = Bạn đã có { $max } câu hỏi, mức tối đa của một hồ sơ. Hãy bỏ chọn hoặc xóa bớt một câu trước.

## 10. Số điện thoại
intake-ask-phone =
    Bạn có muốn chia sẻ số điện thoại để điều phối viên gọi cho bạn khi cần không? Việc này không bắt buộc.
    Bấm nút bên dưới để chia sẻ số của tài khoản Telegram này, hoặc bỏ qua.
intake-btn-share-phone = 📱 Chia sẻ số điện thoại
intake-btn-skip-phone = Bỏ qua
intake-phone-none = không chia sẻ
intake-phone-done = 👍 Đã ghi nhận.
intake-keyboard-closed = Được rồi.
intake-phone-use-button = Bạn vui lòng dùng nút “{ $button }” bên dưới, hoặc bỏ qua — như vậy tôi biết chắc đó là số của bạn.
intake-phone-not-yours = Đây có vẻ là liên hệ của người khác. Tôi chỉ nhận số của chính bạn, chia sẻ bằng nút bên dưới.
intake-contact-not-now = Cảm ơn bạn! Gần cuối tôi sẽ hỏi số điện thoại.

## 11. Kiểm tra và gửi
intake-review-intro = Bạn hãy kiểm tra hồ sơ. Bấm nút để sửa bất cứ phần nào, rồi gửi đi.
intake-review-line = <b>{ $label }:</b> { $value }
intake-review-records = <b>Hồ sơ:</b> { $count } ({ $kinds })
intake-review-no-records = <b>Hồ sơ:</b> chưa có
intake-review-questions = <b>Câu hỏi cho chuyên gia</b> ({ $count }):
intake-review-no-questions = <b>Câu hỏi cho chuyên gia:</b> chưa có — chuyên gia sẽ đưa ra ý kiến chung.
intake-review-missing = <i>Thường hữu ích, nếu bạn có:</i>
intake-review-consent = Khi bạn gửi hồ sơ, điều phối viên và chuyên gia sẽ xem những gì bạn đã chia sẻ ở đây.
intake-edit-track = ✏️ Chuyên gia
intake-edit-specialty = ✏️ Chuyên khoa
intake-edit-diagnosis = ✏️ Chẩn đoán
intake-edit-plan = ✏️ Điều trị
intake-edit-surgeries = ✏️ Phẫu thuật
intake-edit-medications = ✏️ Thuốc
intake-edit-allergies = ✏️ Dị ứng
intake-edit-records = ✏️ Hồ sơ
intake-edit-questions = ✏️ Câu hỏi
intake-edit-phone = ✏️ Điện thoại
intake-btn-submit = 📨 Gửi hồ sơ
intake-missing = Còn thiếu một câu trả lời — bạn vui lòng điền giúp:
intake-submitted =
    ✅ <b>Hồ sơ của bạn đã được gửi.</b>
    Mã hồ sơ của bạn là <b>{ $number }</b>. Bạn hãy giữ mã này khi cần hỏi về hồ sơ.

    <b>Các bước tiếp theo</b>
    1. Điều phối viên của chúng tôi kiểm tra hồ sơ và nhắn cho bạn tại đây nếu còn thiếu gì.
    2. Một chuyên gia đúng chuyên khoa xem xét hồ sơ và viết ý kiến thứ hai trả lời các câu hỏi của bạn — dự kiến trong khoảng { $turnaround_days } ngày.
    3. Tôi sẽ nhắn cho bạn ở mỗi bước. Gõ /status để xem hồ sơ đang ở đâu bất cứ lúc nào.
    Sau khi có báo cáo, bạn có thể đặt lịch tư vấn trực tuyến để trao đổi kỹ hơn.
intake-submitted-again = Hồ sơ của bạn đã được gửi rồi — mã hồ sơ là <b>{ $number }</b>. Hiện bạn không cần làm gì thêm; tôi sẽ báo cho bạn tại đây. Gõ /status để xem hồ sơ đang ở đâu.

## Lời nhắc hồ sơ chưa xong
intake-nudge-1 = 👋 Hồ sơ của bạn đang chờ ở bước { $n }/{ $m }. Khi nào bạn sẵn sàng, mình tiếp tục ngay từ chỗ đã dừng — mọi thông tin đã được lưu.
intake-nudge-2 = Nhắc nhẹ bạn: hồ sơ của bạn vẫn chưa hoàn tất (bước { $n }/{ $m }). Khi bạn gửi, chuyên gia có thể bắt đầu xem xét. Nếu cần hỗ trợ, gõ /contact để gặp nhân viên.

## Thông báo cho điều phối viên (không có nội dung lâm sàng)
intake-alert-new-case =
    🆕 <b>Hồ sơ mới { $number }</b>
    Chuyên khoa: { $specialty }
    Hình thức: { $track }
    Số hồ sơ đính kèm: { $records }
intake-alert-btn-claim = 🙋 Nhận xử lý
intake-alert-btn-open = 📂 Mở

## Hồ sơ của tôi (/status)
status-title = 📂 <b>Hồ sơ của tôi</b>
status-case = <b>{ $number }</b> — { $status }
status-sent = Gửi ngày { $date } · { $count } tệp hồ sơ
status-event = • { $date }: { $status }
status-name = { $status ->
    [draft] đang chuẩn bị
    [submitted] đã gửi, chờ điều phối viên
    [claimed] điều phối viên đang xử lý
    [with_expert] chuyên gia đang xem xét
    [info_requested] cần thêm thông tin
    [withdrawn] bạn đã rút hồ sơ
    [report_ready] đã có báo cáo
    [closed] đã đóng
   *[other] đang xử lý
}
status-draft = 📝 <b>Hồ sơ chưa hoàn tất:</b> bước { $n }/{ $m }, đã có { $count } tệp hồ sơ.
status-nothing = Bạn chưa bắt đầu hồ sơ nào.
status-footer = Tôi sẽ nhắn cho bạn tại đây mỗi khi có thay đổi.
status-btn-continue = 📝 Tiếp tục hồ sơ
status-btn-start = 📝 Bắt đầu hồ sơ

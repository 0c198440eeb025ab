## Bảng điều phối (chat riêng của điều phối viên và nhóm) và các thông báo gửi bệnh nhân.
## Thông báo trong nhóm không có nội dung lâm sàng: mã hồ sơ, chuyên khoa, hình thức, số lượng, hạn.

## Quyền truy cập
co-refused = Xin lỗi, chức năng này chỉ dành cho điều phối viên của dịch vụ.
co-use-private = Vui lòng dùng lệnh này trong chat riêng với tôi.
co-sent-private = Tôi đã gửi vào chat riêng của chúng ta.
co-start-private = Vui lòng mở chat riêng với tôi và bấm Start trước, rồi thử lại.
co-gone = Hồ sơ này không còn tồn tại.
co-not-allowed = Không thể làm việc này khi hồ sơ { $number } đang ở trạng thái “{ $status }”.
co-coordinator-number = điều phối viên #{ $id }

## Tên gọi
co-status = { $status ->
    [submitted] Chờ điều phối viên
    [claimed] Đã nhận
    [with_expert] Đang ở chỗ chuyên gia
    [info_requested] Chờ bệnh nhân trả lời
    [report_ready] Đã có báo cáo
    [closed] Đã đóng
    [withdrawn] Bệnh nhân đã rút
   *[other] Khác
}
co-track = { $track ->
    [domestic] Trong nước
    [international] Quốc tế
   *[other] Chưa chọn
}
co-kind = { $kind ->
    [test] kết quả xét nghiệm
    [imaging] chẩn đoán hình ảnh
    [note] ghi chú của bác sĩ
   *[other] khác
}
co-specialty-unsure = Chưa rõ (điều phối viên quyết định)
co-date-unknown = chưa rõ ngày
co-none = không có
co-age = { $unit ->
    [min] { $n } phút
    [h] { $n } giờ
   *[d] { $n } ngày
}
co-duration = { $days } ngày { $hours } giờ

## Nhận hồ sơ
co-claimed = Bạn đã nhận hồ sơ { $number }. Thẻ hồ sơ nằm trong chat riêng của chúng ta.
co-claim-already-yours = Hồ sơ { $number } đã là của bạn.
co-claim-taken = Hồ sơ { $number } đã được { $name } nhận.
co-claim-not-open = Không thể nhận hồ sơ { $number } lúc này: hồ sơ đang “{ $status }”.

## Danh sách chờ
co-queue-title = 📋 <b>Hồ sơ đang mở</b> ({ $count })
co-queue-empty = 📋 Hiện không có hồ sơ nào đang mở. 🎉
co-queue-group = <b>{ $status }</b> ({ $count })
co-queue-line = • { $number } · { $specialty } · { $age }
co-queue-holder = 🙋 { $name }
co-queue-more = …và { $count } hồ sơ khác. Hãy mở hồ sơ từ thông báo hoặc thẻ hồ sơ.
btn-co-refresh = 🔄 Làm mới
btn-co-queue = 📋 Danh sách chờ

## Thẻ hồ sơ (chỉ trong chat riêng)
co-card-title = 📂 <b>Hồ sơ { $number }</b> — { $status }
co-card-meta = Hình thức: { $track } · Chuyên khoa: { $specialty }
co-card-submitted = Gửi lúc { $when } ({ $age } trước) · { $records } tài liệu
co-card-holder = 🙋 { $name } nhận lúc { $when }
co-card-unclaimed = 🙋 Chưa có ai nhận
co-card-expert = 🩺 Chuyên gia: { $name } ({ $specialty })
co-card-patient = Bệnh nhân #{ $id } · ngôn ngữ { $language }
co-card-phone = điện thoại { $phone }
co-field-diagnosis = <b>Chẩn đoán:</b> { $text }
co-field-plan = <b>Kế hoạch điều trị:</b> { $text }
co-field-surgeries = <b>Phẫu thuật trước đây:</b> { $text }
co-field-medications = <b>Thuốc đang dùng:</b> { $text }
co-field-allergies = <b>Dị ứng:</b> { $text }
co-card-questions = <b>Câu hỏi cho chuyên gia</b>
co-card-records = <b>Tài liệu</b>, cũ nhất trước
co-card-record = { $n }. { $date } · { $kind } · { $type } · { $size }
co-card-no-records = Chưa có tài liệu.
co-card-records-more = …và { $count } tài liệu khác (bản tải về có đủ tất cả).
co-card-messages = <b>Trao đổi</b>
co-card-msg-request = ➡️ { $when } { $name } hỏi: { $text }
co-card-msg-reply = ⬅️ { $when } bệnh nhân: { $text }
co-card-msg-file = ⬅️ { $when } bệnh nhân gửi một tệp (tài liệu { $n })
co-card-report = <b>Báo cáo</b>: { $what } · { $concordance } · { $when }
co-card-report-pdf = PDF
co-card-report-link = đường dẫn
co-card-history = <b>Lịch sử</b>
co-card-event = { $when } · { $status } · { $who }
co-card-patient-actor = bệnh nhân
co-card-clipped = <i>Các câu trả lời dài được rút gọn ở đây; bản tải về có đầy đủ.</i>
co-card-closed = Đã đóng: { $reason }
btn-co-claim = 🙋 Nhận hồ sơ
btn-co-open = 📂 Mở
btn-co-expert = 🩺 Giao chuyên gia
btn-co-info = ✍️ Hỏi bệnh nhân
btn-co-download = 📦 Tải tài liệu
btn-co-report = 📄 Đính kèm báo cáo
btn-co-close = 🗂 Đóng hồ sơ
btn-co-cancel = ✖️ Hủy

## Chờ nhập
co-ask-expert =
    Gửi chuyên gia cho hồ sơ { $number } theo dạng <b>tên; chuyên khoa</b>, ví dụ:
    <code>BS. Trần Văn An; Tim mạch</code>
co-expert-bad = Vui lòng viết theo dạng <b>tên; chuyên khoa</b>, có dấu chấm phẩy ở giữa.
co-expert-done = 🩺 Hồ sơ { $number } đã được giao cho { $name } ({ $specialty }). Bệnh nhân đã được báo.
co-expert-replaced = 🩺 Chuyên gia của hồ sơ { $number } giờ là { $name } ({ $specialty }).
co-ask-info =
    Bạn muốn hỏi bệnh nhân của hồ sơ { $number } điều gì?
    Hãy gửi trong một tin nhắn. Bệnh nhân sẽ nhận được trong chat, kèm nút để trả lời bằng tin nhắn hoặc tệp.
co-info-too-long = Vui lòng viết câu hỏi dưới { $max } ký tự (câu này có { $length }).
co-info-done = ✍️ Câu hỏi của bạn đã được gửi tới bệnh nhân của hồ sơ { $number }. Tôi sẽ báo khi họ trả lời.
co-ask-report = Gửi báo cáo của chuyên gia cho hồ sơ { $number }: một <b>tệp PDF</b>, hoặc một đường dẫn bắt đầu bằng <b>https://</b>.
co-report-bad = Tôi cần một tệp PDF hoặc một đường dẫn bắt đầu bằng https://.
co-report-not-pdf = Tệp này không phải PDF (tôi kiểm tra nội dung, không dựa vào tên tệp). Vui lòng gửi báo cáo dạng PDF, hoặc một đường dẫn https.
co-report-too-big = Tệp lớn hơn 20 MB, Telegram không cho tôi tải về. Vui lòng gửi một đường dẫn https.
co-report-failed = Tôi không tải được tệp này. Vui lòng thử lại.
co-ask-concordance = 📄 Đã nhận báo cáo cho hồ sơ { $number }. Ý kiến của chuyên gia so với bác sĩ đầu tiên thế nào?
co-concordance = { $value ->
    [agrees] đồng thuận
    [differs_diagnosis] khác về chẩn đoán
    [differs_treatment] khác về điều trị
   *[inconclusive] chưa kết luận
}
btn-co-conc-agrees = ✅ Đồng thuận
btn-co-conc-differs-diagnosis = 🔀 Khác về chẩn đoán
btn-co-conc-differs-treatment = 🔀 Khác về điều trị
btn-co-conc-inconclusive = ❔ Chưa kết luận
co-report-done = 📄 Đã đính kèm báo cáo vào hồ sơ { $number } ({ $concordance }). Bệnh nhân đã được báo là báo cáo đã sẵn sàng.
co-report-already = Báo cáo này đã được đính kèm.
co-cancelled = Đã hủy. Không có gì thay đổi.
co-ask-close = Vì sao bạn đóng hồ sơ { $number }?
co-close-reason = { $reason ->
    [completed] đã hoàn tất
    [duplicate] trùng lặp
    [out_of_scope] ngoài phạm vi
    [no_response] bệnh nhân không phản hồi
    [patient_request] theo yêu cầu của bệnh nhân
    [withdrawn] bệnh nhân đã rút
   *[other] lý do khác
}
btn-co-close-completed = ✅ Đã hoàn tất
btn-co-close-duplicate = 📑 Trùng lặp
btn-co-close-out-of-scope = 🚫 Ngoài phạm vi
btn-co-close-no-response = 📵 Không phản hồi
btn-co-close-patient-request = 🙋 Bệnh nhân yêu cầu
btn-co-close-other = … Lý do khác
co-closed = 🗂 Hồ sơ { $number } đã đóng ({ $reason }). Bệnh nhân đã được báo.
co-info-received-private = 📥 Bệnh nhân của hồ sơ { $number } đã trả lời câu hỏi của bạn.

## Tải về
co-download =
    📦 <b>Tài liệu của hồ sơ { $number }</b>
    <a href="{ $url }">Tải tệp zip</a> — đường dẫn có hiệu lực trong 15 phút. Vui lòng không chuyển tiếp.
    Bên trong: các tài liệu theo thứ tự ngày kèm mục lục, bản tóm tắt hồ sơ và một FHIR R4 bundle.

## Thống kê
co-stats-title = 📊 <b>Thống kê</b>
co-stats-none = Chưa có hồ sơ nào được gửi.
co-stats-status = { $status }: { $count }
co-stats-median = Thời gian trung vị từ lúc gửi đến khi có báo cáo: <b>{ $value }</b> ({ $count } báo cáo)
co-stats-median-none = Thời gian trung vị từ lúc gửi đến khi có báo cáo: chưa có báo cáo nào.
co-stats-concordance = <b>Mức đồng thuận</b> ({ $count } báo cáo)
co-stats-conc-line = { $label }: { $count } ({ $percent }%)

## Thông báo trong nhóm điều phối (không có nội dung lâm sàng)
co-alert-info-received = 📥 <b>Đã nhận thông tin</b> cho hồ sơ { $number }: { $texts } tin nhắn, { $files } tệp.
co-alert-followup = ❓ <b>Câu hỏi tiếp theo</b> từ bệnh nhân của hồ sơ { $number }.
co-alert-booking = 📅 { $change ->
    [made] <b>Đã đặt lịch tư vấn</b>
    [moved] <b>Đã dời lịch tư vấn</b>
   *[cancelled] <b>Đã hủy lịch tư vấn</b>
} cho hồ sơ { $number }: { $when }.
co-alert-unclaimed = ⏰ <b>Chưa có người nhận</b>: hồ sơ { $number } ({ $specialty }, { $track }) đã chờ điều phối viên hơn { $hours } giờ làm việc.
co-alert-overdue = ⌛ <b>Báo cáo quá hạn</b>: hồ sơ { $number } đã được gửi { $days } ngày trước (thời hạn { $turnaround_days } ngày). Trạng thái: { $status }.
co-alert-unreachable-case = 📵 Không liên lạc được với bệnh nhân của hồ sơ { $number } qua Telegram (có thể họ đã chặn bot).
co-alert-unreachable-patient = 📵 Không liên lạc được với bệnh nhân #{ $patient_id } qua Telegram (có thể họ đã chặn bot).
co-alert-withdrawn = ↩️ Bệnh nhân đã rút hồ sơ { $number }.

## Thông báo gửi bệnh nhân, bằng ngôn ngữ của họ
co-patient-claimed = 👋 Tin vui: một điều phối viên đã nhận chăm lo hồ sơ <b>{ $number }</b> của bạn. Họ sẽ chuẩn bị hồ sơ cho chuyên gia và báo cho bạn tại đây.
co-patient-with-expert = 🩺 Hồ sơ <b>{ $number }</b> của bạn đã được chuyển tới chuyên gia ({ $specialty }). Chuyên gia đang đọc tài liệu và câu hỏi của bạn. Chúng tôi sẽ báo ngay khi có báo cáo.
co-patient-info-needed =
    ✍️ Để giúp chuyên gia, chúng tôi cần thêm một chút thông tin cho hồ sơ <b>{ $number }</b> của bạn:
    <blockquote>{ $question }</blockquote>
    Bấm <b>Trả lời</b> để gửi tin nhắn, ảnh hoặc tệp.
co-patient-report-ready = 🎉 Báo cáo của chuyên gia cho hồ sơ <b>{ $number }</b> của bạn đã sẵn sàng. Chúng tôi sẽ gửi bạn một đường dẫn bảo mật để đọc ngay tại đây; bạn cũng có thể xem hồ sơ bất cứ lúc nào bằng /status.
co-patient-closed = { $reason ->
    [completed] Hồ sơ <b>{ $number }</b> của bạn đã được đóng. Cảm ơn bạn đã tin tưởng chúng tôi. 🙏 Nếu có điều gì cần, bạn cứ nhắn cho chúng tôi.
    [duplicate] Hồ sơ <b>{ $number }</b> của bạn đã được đóng vì trùng với một hồ sơ khác của bạn. Không có gì bị mất: chúng tôi tiếp tục xử lý hồ sơ kia.
    [no_response] Hồ sơ <b>{ $number }</b> của bạn đã được đóng vì chúng tôi chưa nhận được phản hồi. Nếu bạn muốn tiếp tục, cứ nhắn cho chúng tôi hoặc lập hồ sơ mới.
    [patient_request] Theo yêu cầu của bạn, hồ sơ <b>{ $number }</b> đã được đóng.
   *[other] Hồ sơ <b>{ $number }</b> của bạn đã được đội ngũ chăm sóc đóng lại. Nếu có thắc mắc, vui lòng viết cho chúng tôi tại { $support_email }.
}
btn-reply-open = ✍️ Trả lời

## Câu trả lời của bệnh nhân (conversations/case_reply.py)
reply-prompt =
    ✍️ <b>Câu trả lời cho hồ sơ { $number }</b>
    Đội ngũ đã hỏi:
    <blockquote>{ $question }</blockquote>
    Bạn hãy nhập câu trả lời, hoặc gửi ảnh hay tệp (PDF, JPEG, PNG, HEIC, DICOM). Bạn có thể gửi nhiều lần. Gửi xong thì bấm <b>Xong</b>.
reply-sofar = Đến giờ: { $texts } tin nhắn, { $files } tệp. Bạn gửi thêm, hoặc bấm <b>Xong</b>.
reply-text-added = ✅ Đã nhận.
reply-file-added = ✅ Đã nhận tệp và lưu an toàn.
reply-file-duplicate = Bạn đã gửi tệp này rồi, nên tôi giữ bản đầu tiên.
reply-file-too-big = Tệp lớn hơn 20 MB, Telegram không cho tôi nhận. Bạn có thể gửi một bản nhỏ hơn, hoặc chụp ảnh từng trang không?
reply-file-refused = Tôi không nhận được loại tệp này. Tôi nhận tệp PDF, ảnh (JPEG, PNG, HEIC), ảnh DICOM và văn bản thường. Bạn kiểm tra lại tệp rồi thử lại nhé.
reply-file-failed = Tôi chưa nhận được tệp này. Bạn thử gửi lại nhé.
reply-file-full = Hồ sơ này không thể nhận thêm tệp. Bạn bấm <b>Xong</b> nhé; điều phối viên sẽ hỗ trợ phần còn lại.
reply-empty = Bạn chưa gửi gì. Hãy nhập câu trả lời hoặc gửi tệp, rồi bấm <b>Xong</b>.
reply-done = 🙏 Cảm ơn bạn! Câu trả lời cho hồ sơ <b>{ $number }</b> đã đến điều phối viên của bạn.
reply-gone = Yêu cầu này đã được trả lời, hoặc hồ sơ của bạn đã sang bước khác. Bạn có thể xem hồ sơ bằng /status.
btn-reply-done = ✅ Xong

## Trong tệp zip tài liệu (mục lục HTML và bản tóm tắt hồ sơ)
co-export-records-title = { $number }: tài liệu
co-export-summary-title = Hồ sơ { $number }
co-export-summary-link = Tóm tắt hồ sơ
co-export-fhir-link = FHIR R4 Bundle
co-export-col-n = #
co-export-col-date = Ngày
co-export-col-kind = Loại
co-export-col-type = Định dạng
co-export-col-size = Dung lượng
co-export-col-file = Tệp
co-export-missing = (thiếu: không mở được)
co-export-case = Hồ sơ
co-export-status = Trạng thái
co-export-track = Hình thức
co-export-specialty = Chuyên khoa
co-export-submitted = Ngày gửi
co-export-patient = Bệnh nhân
co-export-phone = Điện thoại
co-export-expert = Chuyên gia
co-export-diagnosis = Chẩn đoán hiện tại
co-export-plan = Kế hoạch điều trị hiện tại
co-export-surgeries = Phẫu thuật trước đây
co-export-medications = Thuốc đang dùng
co-export-allergies = Dị ứng
co-export-questions = Câu hỏi cho chuyên gia
co-export-messages = Trao đổi
co-export-history = Lịch sử
co-export-from-coordinator = Điều phối viên
co-export-from-patient = Bệnh nhân
co-export-file = một tệp (tài liệu { $n })

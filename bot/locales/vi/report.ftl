## Gửi báo cáo và sau khi có ý kiến thứ hai (conversations/report.py, bot/report_pages.py,
## handlers/coordinator/followup.py). Giá trị trong { } do mã điền vào.

## Báo cáo đã sẵn sàng (gửi qua hộp thư đi khi điều phối viên đính kèm báo cáo)
report-ready =
    🎉 Báo cáo của chuyên gia cho hồ sơ <b>{ $number }</b> của bạn đã sẵn sàng.

    <a href="{ $url }">📄 Đọc báo cáo của tôi</a>
    Đường dẫn này chỉ dành cho bạn và dùng được đến { $until }. Để gửi báo cáo cho bác sĩ của bạn, hãy dùng nút “Chia sẻ với bác sĩ của tôi” thay vì chuyển tiếp tin này. Bạn có thể lấy đường dẫn mới bất cứ lúc nào bằng lệnh /status.

    Sau khi đọc xong: ý kiến của chuyên gia so với điều bác sĩ đầu tiên nói với bạn thế nào?
report-link-fresh =
    📄 Đây là đường dẫn mới tới báo cáo của hồ sơ <b>{ $number }</b>:
    <a href="{ $url }">Đọc báo cáo của tôi</a> (dùng được đến { $until }).
report-gone = Tôi không còn tìm thấy báo cáo của hồ sơ đó. Lệnh /status cho bạn xem các hồ sơ của mình.

## Bước tiếp theo
report-next = Bạn muốn làm gì tiếp theo với hồ sơ <b>{ $number }</b>?
report-agrees =
    🤝 <b>Hai ý kiến thống nhất.</b> Đây là tin tốt: một chuyên gia thứ hai đã xem hồ sơ của bạn và đi đến cùng kết luận với bác sĩ đầu tiên. Bạn có thể yên tâm hơn khi tiếp tục kế hoạch điều trị, vì có hai bác sĩ có chuyên môn cùng ủng hộ.
report-differs =
    🔀 <b>Hai ý kiến khác nhau.</b> Hai quan điểm khác nhau có thể khiến bạn lo lắng, nhưng đó cũng là cơ hội để tìm hiểu kỹ hơn trước khi quyết định. Những điều có ích:
    1. <b>Trao đổi với cả hai bác sĩ.</b> Nhờ từng người giải thích lý do cho đến khi bạn hiểu vì sao họ nhìn nhận như vậy.
    2. <b>So sánh hai quan điểm.</b> Xem mỗi ý kiến dựa trên điều gì: xét nghiệm, bằng chứng, kinh nghiệm của từng bác sĩ.
    3. <b>Thêm góc nhìn của chính bạn.</b> Triệu chứng, tiền sử và cảm nhận của bạn cũng rất quan trọng.
    4. <b>Cân nhắc ý kiến thứ ba</b> nếu khác biệt lớn: một chuyên gia uy tín khác trong lĩnh vực có thể giúp bạn.
    5. <b>Nhờ bác sĩ gia đình tham gia.</b> Họ hiểu sức khỏe tổng thể của bạn và giúp đặt hai ý kiến vào đúng bối cảnh.
    6. <b>Rồi quyết định, không cần vội,</b> sau khi cân nhắc mọi thông tin bạn đã có.
report-unsure = 🤔 Không chắc cũng không sao: báo cáo y khoa đôi khi khó đọc. Dưới đây là những điều có ích trong cả hai trường hợp.
report-decide = Cuối cùng, lựa chọn là của bạn. Dù bạn quyết định thế nào, bạn đã chủ động tham gia vào việc chăm sóc sức khỏe của mình, và điều đó rất đáng quý. Nếu có điều gì trong báo cáo chưa rõ, buổi tư vấn trực tuyến hoặc một câu hỏi thêm có thể giúp bạn.
report-book-soon = 📅 Rất tiếc, việc đặt lịch tư vấn trực tuyến chưa mở ở đây. Bạn vui lòng viết cho chúng tôi tại { $support_email }, chúng tôi sẽ sắp xếp cùng bạn.

## Câu hỏi thêm
report-ask-prompt =
    ❓ Hãy gõ câu hỏi của bạn về báo cáo của hồ sơ <b>{ $number }</b> trong một tin nhắn. Điều phối viên sẽ trả lời bạn tại đây.
    Bạn còn có thể hỏi { $left } câu về báo cáo này.
report-ask-sent = ✅ Câu hỏi của bạn đã được gửi. Điều phối viên sẽ trả lời bạn tại đây, thường trong một ngày làm việc.
report-ask-full = Bạn đã hỏi đủ { $max } câu hỏi thêm đi kèm báo cáo này. Nếu cần thêm, buổi tư vấn trực tuyến là nơi phù hợp nhất, hoặc bạn viết cho chúng tôi tại { $support_email }.
report-ask-too-long = Câu hỏi hơi dài ({ $length } ký tự): bạn vui lòng viết dưới { $max } ký tự nhé.
report-followup-answer =
    💬 <b>Trả lời câu hỏi của bạn về hồ sơ { $number }</b>

    <i>{ $question }</i>

    { $answer }

## Ý kiến thứ ba
report-third-prompt =
    🔁 <b>Ý kiến thứ ba</b>
    Tôi có thể chuẩn bị một hồ sơ mới từ hồ sơ <b>{ $number }</b>: cùng hình thức, chuyên khoa, tiền sử và câu hỏi, kèm tài liệu của bạn và báo cáo này. Không có gì được gửi đi cho đến khi bạn xem lại và bấm Gửi, và bạn có thể sửa bất cứ phần nào trước đó.
report-third-ready = ✅ Hồ sơ mới của bạn đã sẵn sàng, được điền sẵn từ hồ sơ <b>{ $number }</b>. Bạn vui lòng xem lại mọi thứ bên dưới và gửi khi thấy ổn.
report-third-exists = Bạn đã bắt đầu một ý kiến thứ ba từ hồ sơ này: đây là hồ sơ đó.
report-third-draft-exists = Bạn đang có một hồ sơ chưa hoàn tất. Vui lòng hoàn tất hoặc xóa hồ sơ đó trước, rồi yêu cầu lại ý kiến thứ ba.

## Chia sẻ với bác sĩ
report-share-intro =
    📤 Hãy chuyển tiếp tin nhắn tiếp theo cho bác sĩ của bạn. Đường dẫn trong đó chỉ cho xem báo cáo (không sửa được) và dùng được đến { $until }.
    Bạn có thể dừng chia sẻ bất cứ lúc nào bằng nút bên dưới.
report-share-message =
    🩺 <b>Báo cáo ý kiến thứ hai</b>, được một bệnh nhân của dịch vụ ý kiến thứ hai chia sẻ với bạn.
    <a href="{ $url }">Mở báo cáo</a> (chỉ xem, dùng được đến { $until }).
report-unshared = { $count ->
        [0] Không có đường dẫn chia sẻ nào để dừng.
       *[other] Xong: { $count } đường dẫn chia sẻ không còn dùng được nữa.
    }

## Đánh giá
report-rate-prompt = ⭐ Bạn hài lòng thế nào với ý kiến thứ hai cho hồ sơ <b>{ $number }</b>? 1 là kém, 5 là rất tốt.
report-rate-thanks = Cảm ơn bạn! Bạn có muốn nói thêm điều gì không? Hãy gõ một nhận xét ngắn, hoặc bấm Bỏ qua.
report-comment-thanks = 💚 Cảm ơn bạn đã góp ý. Điều đó giúp chúng tôi làm tốt hơn.
report-comment-too-long = Bạn có thể viết dưới { $max } ký tự được không? Nhận xét này có { $length } ký tự.

## Nút
btn-report-agrees = ✅ Giống ý kiến bác sĩ đầu tiên
btn-report-differs = 🔀 Khác ý kiến bác sĩ đầu tiên
btn-report-unsure = 🤔 Tôi không chắc
btn-report-next = ➡️ Tôi có thể làm gì tiếp?
btn-report-book = 📅 Đặt lịch tư vấn trực tuyến
btn-report-ask = ❓ Hỏi thêm một câu
btn-report-ask-more = ❓ Hỏi câu khác
btn-report-third = 🔁 Yêu cầu ý kiến thứ ba
btn-report-share = 📤 Chia sẻ với bác sĩ của tôi
btn-report-rate = ⭐ Đánh giá dịch vụ
btn-report-link = 🔗 Đường dẫn mới tới báo cáo
btn-report-unshare = 🚫 Dừng chia sẻ
btn-report-back = ↩️ Quay lại
btn-report-third-yes = ✅ Có, chuẩn bị hồ sơ mới
btn-report-skip = Bỏ qua
btn-report-star = { $n } ⭐
btn-report-mine = 📄 Báo cáo của tôi ({ $number })

## Trang web sau đường dẫn
report-page-title = Báo cáo — hồ sơ { $number }
report-page-heading = Báo cáo ý kiến thứ hai của bạn
report-page-meta = Hồ sơ { $number } · có từ { $date }
report-page-download = ⬇️ Tải tệp PDF
report-page-fallback = Trình duyệt của bạn không hiển thị được PDF ở đây. Vui lòng dùng nút tải xuống.
report-page-note = Trang này là riêng tư và dùng được đến { $until }. Vui lòng không chuyển tiếp địa chỉ này; hãy dùng “Chia sẻ với bác sĩ của tôi” trong cuộc trò chuyện.
report-share-page-title = Báo cáo được chia sẻ — hồ sơ { $number }
report-share-page-heading = Một báo cáo ý kiến thứ hai được chia sẻ với bạn
report-share-page-note = Bệnh nhân chia sẻ ở chế độ chỉ xem, đến { $until }. Bệnh nhân có thể dừng chia sẻ bất cứ lúc nào.

## Điều phối viên: câu hỏi thêm (trò chuyện riêng) và thống kê
fu-private-question =
    ❓ <b>Câu hỏi thêm</b> từ bệnh nhân của hồ sơ { $number }:
    { $question }
fu-ask-answer =
    ✍️ Hãy gõ câu trả lời cho bệnh nhân của hồ sơ { $number } trong một tin nhắn (bệnh nhân sẽ nhận đúng như bạn viết).
    Câu hỏi: { $question }
fu-answer-sent = ✅ Câu trả lời của bạn đã được gửi tới bệnh nhân của hồ sơ { $number }.
fu-answer-already = Câu hỏi này của hồ sơ { $number } đã được trả lời.
fu-answer-none = Hồ sơ { $number } không có câu hỏi thêm nào đang chờ trả lời.
fu-answer-text-only = Vui lòng gửi câu trả lời dưới dạng tin nhắn văn bản.
fu-answer-too-long = Câu trả lời quá dài ({ $length } ký tự); vui lòng viết dưới { $max } ký tự.
fu-cancelled = Được rồi, không có gì được gửi.
fu-card-question = ❓ { $when } bệnh nhân hỏi: { $text }
fu-card-answer = 💬 { $when } { $name } trả lời: { $text }
btn-fu-answer = 💬 Trả lời câu hỏi thêm
btn-fu-cancel = ✖️ Hủy
report-stats-feedback = <b>Đánh giá của bệnh nhân</b>: { $count } lượt, trung bình { $average } ⭐

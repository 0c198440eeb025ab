## Quyền dữ liệu: /mydata (bản sao mọi thứ chúng tôi lưu) và /deleteme (xóa tất cả).

## /mydata
rights-export-ready =
    📦 <b>Dữ liệu của bạn</b>
    Đây là bản sao mọi thông tin chúng tôi lưu về bạn: câu trả lời, hồ sơ ca bệnh và lịch sử của chúng, tài liệu y tế, câu hỏi và tin nhắn, cùng mỗi ca ở định dạng FHIR mà hệ thống của bác sĩ khác có thể đọc.
    <a href="{ $url }">Tải dữ liệu của tôi (zip)</a>
    Liên kết có hiệu lực trong { $minutes } phút và chỉ mở dữ liệu của chính bạn. Xin đừng chuyển tiếp cho người khác.
rights-export-readme =
    Dữ liệu của bạn từ dịch vụ Ý kiến thứ hai
    =========================================

    data.json        mọi thông tin chúng tôi lưu về bạn: thông tin của bạn, các ca bệnh và
                     lịch sử, câu hỏi, tin nhắn với điều phối viên, thông tin tài liệu y tế,
                     báo cáo, lịch hẹn và nhận xét, các tin nhắn chúng tôi đã gửi bạn, và
                     nhật ký những lần dữ liệu của bạn được mở (bởi bạn, bởi điều phối viên,
                     hoặc qua liên kết).
    cases/SO-.../    với mỗi ca: tài liệu y tế của bạn (records/), báo cáo của chuyên gia khi
                     đã gửi cho bạn (reports/), và ca bệnh ở dạng FHIR R4 Bundle
                     (case.fhir.json), định dạng chuẩn mà hệ thống của bác sĩ khác đọc được.

    Điều phối viên được ghi là "coordinator", không kèm thông tin cá nhân của họ.
    Có câu hỏi? Hãy viết cho { $support_email }. Để xóa tất cả, gửi /deleteme trong cuộc trò chuyện.

## /deleteme
rights-delete-ask =
    🗑 <b>Xóa toàn bộ dữ liệu của bạn?</b>
    Nếu tiếp tục, chúng tôi sẽ xóa mọi thông tin lưu về bạn: câu trả lời, các ca bệnh, tài liệu y tế, báo cáo, lịch hẹn, tin nhắn và cài đặt.
    Ca bệnh còn đang xử lý sẽ được rút lại, và điều phối viên chỉ được báo số ca.
    Việc này không thể hoàn tác. Bạn có thể muốn tải bản sao trước.
rights-delete-open = Các ca đang xử lý sẽ được rút lại: { $numbers }
btn-rights-continue = Tiếp tục ➡️
btn-rights-copy = 📦 Tải bản sao trước
btn-rights-keep = ↩️ Không, giữ dữ liệu của tôi
rights-delete-final =
    ⚠️ <b>Bước cuối cùng</b>
    Bấm “Có, xóa tất cả” để xóa toàn bộ dữ liệu của bạn ngay bây giờ. Không thể hoàn tác.
btn-rights-erase = 🗑 Có, xóa tất cả
rights-kept = Không có gì bị xóa. Dữ liệu của bạn vẫn được giữ an toàn. 🙂
rights-erased =
    ✅ <b>Xong.</b> Mọi thông tin chúng tôi lưu về bạn đã được xóa.
    Mã tham chiếu của yêu cầu này: <code>{ $reference }</code> (mã này không chứa thông tin gì về bạn; hãy ghi kèm nếu bạn viết cho { $support_email }).
    Nếu bạn nhắn lại cho tôi, chúng ta sẽ bắt đầu lại từ đầu. Chúc bạn luôn mạnh khỏe. 🙏
rights-erased-already = Không còn dữ liệu nào của bạn để xóa. Nếu bạn nhắn lại, chúng ta sẽ bắt đầu lại từ đầu.

## Điều phối viên (thông báo nhóm, không có dữ liệu cá nhân)
rights-alert-withdrawn = ↩️ Ca { $number } đã được rút lại: bệnh nhân yêu cầu xóa dữ liệu và dữ liệu đã được xóa.

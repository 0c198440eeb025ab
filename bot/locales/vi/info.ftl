## Màn hình thông tin (handlers/info.py), mã doanh nghiệp, quyền riêng tư

info-page = <i>Trang { $page }/{ $total }</i>
btn-info-next = Tiếp ➡️
btn-info-prev = ⬅️ Trước

info-how-1 =
    <b>Cách hoạt động — 1. Hồ sơ của bạn</b>
    Mình cùng nhau thu thập ngay trong cuộc trò chuyện những gì chuyên gia cần:
    • hồ sơ y tế: kết quả xét nghiệm, phim chụp và ghi chú của bác sĩ, theo thứ tự thời gian;
    • tiền sử: các lần phẫu thuật, thuốc đang dùng và dị ứng;
    • câu hỏi của riêng bạn, ghi sẵn để không quên điều gì.
    Chuyên gia nhận đủ thông tin càng sớm thì càng có nhiều thời gian nghiên cứu hồ sơ của bạn.
info-how-2 =
    <b>Cách hoạt động — 2. Ý kiến bằng văn bản</b>
    Chuyên gia xem hồ sơ và tiền sử của bạn, đánh giá chẩn đoán và kế hoạch điều trị hiện tại, rồi viết ý kiến thứ hai trả lời các câu hỏi của bạn — thường trong vòng { $turnaround_days } ngày.
    Báo cáo gồm:
    • tóm tắt những gì chuyên gia nhận thấy;
    • giải thích rõ ràng lập luận của chuyên gia;
    • khuyến nghị về điều trị hoặc xét nghiệm thêm;
    • các tài liệu, bằng chứng y khoa làm cơ sở.
info-how-3 =
    <b>Cách hoạt động — 3. Tư vấn trực tuyến</b>
    Sau khi có báo cáo, bạn có thể trao đổi trực tuyến với bác sĩ để hỏi rõ mọi điều và nhận lời khuyên phù hợp với hoàn cảnh của mình.
    • Chuyên gia trong nước: thường chính là bác sĩ đã viết báo cáo.
    • Chuyên gia quốc tế: một bác sĩ của dịch vụ tại Việt Nam, người đã làm việc cùng đội ngũ nước ngoài.
    Mẹo: chuẩn bị câu hỏi, để sẵn báo cáo và ghi chép lại. Sau đó hãy trao đổi với bác sĩ của bạn — quyết định luôn là của bạn.

info-experts-1 =
    <b>Chuyên gia của chúng tôi — hơn 40 chuyên khoa</b>
    Trong đó có: nhi khoa, tim mạch, da liễu, nội tiết, tiêu hóa, lão khoa, huyết học, truyền nhiễm, thận học, thần kinh, sản phụ khoa, ung bướu, nhãn khoa, phẫu thuật hàm mặt, tai mũi họng, y học thể thao, phục hồi chức năng, tâm thần, hô hấp, chấn thương chỉnh hình, tiết niệu, nam khoa, dinh dưỡng, và nhiều chuyên khoa khác.
    Các chuyên gia của chúng tôi có trung bình <b>17,7 năm</b> kinh nghiệm lâm sàng trong lĩnh vực của mình.
info-experts-2 =
    <b>Chuyên gia quốc tế</b>
    Bên cạnh các chuyên gia trong nước, chúng tôi hợp tác với những bệnh viện và trung tâm y khoa hàng đầu tại Hoa Kỳ để có ý kiến thứ hai theo chuẩn quốc tế.
    Nếu bạn chọn chuyên gia quốc tế, một bác sĩ của dịch vụ chúng tôi sẽ luôn là đầu mối liên lạc của bạn trong suốt quá trình, và trao đổi với bạn bằng tiếng Việt.

info-employers =
    <b>Dành cho doanh nghiệp</b>
    Mang đến cho nhân viên của bạn dịch vụ chăm sóc sức khỏe chất lượng cao ở bất cứ đâu trên thế giới, giảm thời gian đi lại và phiền toái: ý kiến thứ hai từ các chuyên gia hàng đầu trong và ngoài nước, như một phúc lợi cho nhân viên.
    Để biết thêm chi tiết, hãy viết cho { $support_email }.

    Nhân viên: nếu công ty gửi cho bạn một đường link, hãy mở nó và mã phúc lợi của bạn sẽ được lưu tự động.
info-employer-code = Mã phúc lợi doanh nghiệp của bạn <b>{ $code }</b> ({ $name }) đã được ghi nhận.
employer-code-saved = Cảm ơn bạn — mã phúc lợi doanh nghiệp <b>{ $code }</b> ({ $name }) đã được lưu.
employer-code-unknown = Tôi không nhận ra mã phúc lợi trong đường link của bạn nên chưa lưu. Không sao cả — bạn vẫn dùng được dịch vụ. Bạn hãy kiểm tra lại mã với công ty, hoặc viết cho { $support_email }.

info-help =
    <b>Trợ giúp &amp; liên hệ</b>
    • Bạn dùng các nút bên dưới tin nhắn của tôi; /menu mở lại menu chính và /help liệt kê các lệnh.
    • Để gặp một người thật, hãy viết cho <b>{ $support_email }</b>. Điều phối viên sẽ trả lời bạn.
    • Cách chúng tôi bảo vệ dữ liệu của bạn: /privacy

    🚨 Cuộc trò chuyện này không dành cho cấp cứu. Nếu bạn thấy rất mệt hoặc đang gặp nguy hiểm, hãy gọi ngay <b>{ $emergency_number }</b>.

privacy-summary =
    <b>Quyền riêng tư của bạn</b>
    Chúng tôi chỉ lưu những gì bạn chia sẻ để chuẩn bị ý kiến thứ hai. Thông tin sức khỏe của bạn được lưu ở dạng mã hóa và chỉ chia sẻ với các bác sĩ và điều phối viên phụ trách hồ sơ của bạn. Chúng tôi không hỏi và không lưu bất cứ thông tin sức khỏe nào trước khi bạn đồng ý.
    Bạn có thể yêu cầu bản sao dữ liệu (/mydata) hoặc yêu cầu xóa (/deleteme) bất cứ lúc nào.
    Đọc toàn văn: <a href="{ $privacy_url }">thông báo quyền riêng tư</a>
privacy-page-title = Thông báo quyền riêng tư — Ý kiến thứ hai
privacy-page-body =
    <b>Thông báo quyền riêng tư</b>

    <b>Chúng tôi lưu gì.</b> Mã tài khoản Telegram, ngôn ngữ và múi giờ của bạn, và — chỉ sau khi bạn đồng ý — thông tin sức khỏe bạn chia sẻ: câu trả lời, hồ sơ y tế, câu hỏi, và số điện thoại nếu bạn cung cấp.

    <b>Để làm gì.</b> Chỉ để chuẩn bị ý kiến thứ hai và buổi tư vấn, và để thông báo cho bạn về hồ sơ.

    <b>Ai được xem.</b> Chỉ các bác sĩ và điều phối viên phụ trách hồ sơ của bạn. Nếu bạn chọn chuyên gia quốc tế, hồ sơ sẽ được chia sẻ với bệnh viện đối tác cho mục đích đó.

    <b>Bảo vệ thế nào.</b> Hồ sơ được lưu ở dạng mã hóa; đường link đến báo cáo có chữ ký, có hạn dùng, và mọi lần mở đều được ghi lại.

    <b>Quyền của bạn.</b> Trong cuộc trò chuyện, /mydata gửi bạn bản sao dữ liệu và /deleteme xóa dữ liệu. Bạn cũng có thể viết cho { $support_email }.

    Dịch vụ này không dành cho cấp cứu. Khi cấp cứu, hãy gọi { $emergency_number }.

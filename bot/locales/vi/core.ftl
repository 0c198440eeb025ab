## Second Opinion bot: bản tiếng Việt. Giá trị trong { } do chương trình điền vào.

## Bắt đầu
lang-choose =
    Xin chào! 👋 Tôi là trợ lý của dịch vụ <b>Ý kiến thứ hai</b> (Second Opinion).
    Bạn muốn dùng ngôn ngữ nào?

    Hello! Which language would you like to use?
lang-set = Cảm ơn bạn. Tôi sẽ trò chuyện với bạn bằng tiếng Việt. Bạn có thể đổi bất cứ lúc nào bằng /language.
btn-lang-en = English
btn-lang-vi = Tiếng Việt
about =
    <b>Chúng tôi làm gì</b>
    Ý kiến thứ hai là khi một bác sĩ giàu kinh nghiệm khác xem lại chẩn đoán và kế hoạch điều trị của bạn. Các chuyên gia của chúng tôi — thuộc hơn 40 chuyên khoa, trong nước và tại các bệnh viện đối tác ở nước ngoài — sẽ đọc hồ sơ y tế của bạn và viết một ý kiến độc lập, trả lời các câu hỏi của bạn.

    <b>Chúng tôi không phải là</b>
    Chúng tôi không phải dịch vụ cấp cứu, và cuộc trò chuyện này không đưa ra chẩn đoán hay lời khuyên điều trị.
    Nếu bạn đang gặp nguy hiểm hoặc thấy rất mệt, hãy gọi ngay <b>{ $emergency_number }</b> hoặc đến khoa cấp cứu gần nhất.
btn-continue = Tiếp tục ➡️
consent =
    <b>Trước khi nói về sức khỏe của bạn</b>
    Để giúp bạn, chúng tôi cần lưu những thông tin sức khỏe bạn chia sẻ: câu trả lời, hồ sơ y tế và câu hỏi của bạn. Chúng tôi chỉ dùng chúng để chuẩn bị ý kiến thứ hai, chỉ chia sẻ với các bác sĩ và điều phối viên phụ trách hồ sơ của bạn, và luôn lưu trữ ở dạng mã hóa.
    Bạn có thể xem mọi thông tin chúng tôi lưu bằng /mydata và yêu cầu xóa bằng /deleteme.

    Vui lòng đọc <a href="{ $privacy_url }">thông báo quyền riêng tư</a>. Bạn có đồng ý để chúng tôi xử lý thông tin sức khỏe của bạn cho mục đích này không?
btn-consent-yes = ✅ Tôi đồng ý
btn-consent-no = Để sau
consent-thanks = Cảm ơn bạn đã tin tưởng. 🙏
consent-declined =
    Không sao cả. Khi chưa có sự đồng ý của bạn, tôi sẽ không hỏi và không lưu thông tin sức khỏe nào.
    Bạn vẫn có thể tìm hiểu cách dịch vụ hoạt động, hoặc liên hệ với chúng tôi. Khi sẵn sàng, hãy chọn "Tôi đồng ý" trong menu.
consent-needed = Phần này cần sự đồng ý của bạn trước, để chúng tôi được phép lưu những gì bạn chia sẻ.

## Menu
menu-title = Bạn muốn làm gì?
welcome-back = Chào mừng bạn quay lại! 👋
btn-menu-guide = 🧭 Tôi có nên xin ý kiến thứ hai?
btn-menu-case = 📝 Bắt đầu hoặc tiếp tục hồ sơ
btn-menu-mycase = 📂 Hồ sơ của tôi
btn-menu-how = ℹ️ Cách thức hoạt động
btn-menu-experts = 👩‍⚕️ Đội ngũ chuyên gia
btn-menu-employers = 🏢 Dành cho doanh nghiệp
btn-menu-help = 💬 Trợ giúp & liên hệ
btn-menu-settings = ⚙️ Cài đặt
btn-menu-consent = ✅ Đồng ý điều khoản
btn-back = ⬅️ Quay lại
btn-menu = 🏠 Menu

## Lệnh và câu trả lời cho mọi kiểu tin nhắn
help =
    <b>Cách trò chuyện với tôi</b>
    Hãy dùng các nút bên dưới tin nhắn của tôi, hoặc các lệnh sau:
    /menu — menu chính
    /status — hồ sơ của bạn đang ở bước nào
    /cancel — dừng bước hiện tại (câu trả lời vẫn được giữ)
    /language — đổi ngôn ngữ
    /timezone — đổi múi giờ
    /privacy — cách chúng tôi bảo vệ dữ liệu
    /contact — liên hệ với nhân viên
    /mydata — bản sao mọi dữ liệu chúng tôi lưu về bạn
    /deleteme — xóa dữ liệu của bạn

    Nếu bạn thấy rất mệt hoặc đang gặp nguy hiểm, hãy gọi ngay <b>{ $emergency_number }</b>.
cancelled = Đã dừng. Mọi điều bạn đã chia sẻ đều được lưu lại. Đây là menu.
unknown-command = Tôi chưa hiểu lệnh này. Gõ /help để xem các lệnh tôi hiểu.
fallback-text = Xin lỗi, tôi chưa hiểu ý bạn ở bước này. Bạn hãy dùng các nút bên dưới, hoặc gõ /help.
fallback-file = Cảm ơn bạn, nhưng ở bước này tôi chưa nhận tệp. Tôi sẽ xin hồ sơ của bạn khi đến bước đó.
fallback-sticker = 😊 Cảm ơn bạn! Ở đây tôi chỉ hiểu các nút bấm và tin nhắn chữ.
fallback-voice = Xin lỗi, tôi không nghe được tin nhắn thoại. Bạn vui lòng gõ câu trả lời hoặc dùng các nút.
fallback-other = Xin lỗi, tôi không dùng được nội dung này ở đây. Bạn hãy dùng các nút hoặc gõ câu trả lời.
fallback-button = Nút này thuộc một bước trước. Chúng ta tiếp tục từ đây nhé:
error-generic = Xin lỗi, hệ thống của tôi vừa gặp sự cố. Câu trả lời của bạn vẫn an toàn. Vui lòng thử lại sau ít phút, hoặc viết cho { $support_email }.
group-private-only = Bạn vui lòng nhắn riêng cho tôi, để thông tin của bạn được giữ kín.
slow-down = Bạn đang gửi tin rất nhanh nên tôi tạm dừng vài giây. 🙏 Vui lòng đợi một chút rồi gửi lại tin nhắn cuối cùng nhé.

## Lệnh đăng ký với Telegram
cmd-start = Bắt đầu, hoặc quay lại từ đầu
cmd-menu = Menu chính
cmd-help = Tôi có thể giúp gì
cmd-cancel = Dừng bước hiện tại
cmd-status = Hồ sơ của tôi đang ở đâu
cmd-language = Đổi ngôn ngữ
cmd-timezone = Đổi múi giờ
cmd-privacy = Cách chúng tôi bảo vệ dữ liệu
cmd-mydata = Nhận bản sao dữ liệu của tôi
cmd-deleteme = Xóa dữ liệu của tôi
cmd-contact = Liên hệ nhân viên

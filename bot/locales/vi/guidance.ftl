## Hướng dẫn: tôi có nên xin ý kiến thứ hai? (conversations/guidance.py)

guide-q-emergency =
    <b>Tôi có nên xin ý kiến thứ hai không?</b> Mình cùng xem nhé, từng câu một.

    Trước hết là sự an toàn của bạn. Đây có phải là <b>tình huống cấp cứu</b>, hay việc không thể chờ vài ngày — triệu chứng nặng lên nhanh, hoặc phải quyết định ngay hôm nay?
guide-emergency-stop =
    🚨 <b>Xin hãy tìm trợ giúp ngay.</b>
    Gọi <b>{ $emergency_number }</b> hoặc đến khoa cấp cứu gần nhất.

    Ý kiến thứ hai cần vài ngày, và không bao giờ được làm chậm việc cấp cứu. Chúng tôi vẫn ở đây khi mọi việc đã qua.
btn-guide-yes = Có
btn-guide-no = Không
btn-guide-mistake = ⬅️ Tôi bấm nhầm

guide-q-hospital = Bạn (hoặc người bạn đang hỏi giúp) có đang <b>nằm viện hoặc ở khoa hồi sức tích cực</b> không?
guide-hospital-advice =
    Khi đang nằm viện, đội ngũ đang chăm sóc bạn hiểu rõ tình trạng của bạn nhất và có thể xử trí ngay. Bạn hãy chia sẻ những câu hỏi và lo lắng với họ — bạn hoàn toàn có thể hỏi thẳng liệu ý kiến của một bác sĩ khác có giúp ích không.

    Ý kiến thứ hai hữu ích nhất khi tình trạng đã ổn định. Bạn có muốn tôi nhắc lại sau không?
btn-guide-remind-days = 🔔 Nhắc tôi sau { $days } ngày
btn-guide-no-reminder = Không cần nhắc, cảm ơn
guide-hospital-reminder-set = Vâng. Tôi sẽ nhắn cho bạn vào ngày <b>{ $date }</b>. Chúc bạn mau khỏe. 🙏

guide-q-recent = Trong <b>bốn tuần qua</b>, bạn có phẫu thuật hoặc bắt đầu một phương pháp điều trị mới không?
guide-ask-date =
    Việc đó vào ngày nào? Bạn hãy gõ theo dạng <code>{ $example }</code> (ngày.tháng.năm), hoặc bấm "Hôm nay".
btn-guide-today = Hôm nay
guide-date-invalid = Tôi chưa đọc được ngày này. Bạn hãy gõ theo dạng <code>{ $example }</code>.
guide-date-future = Ngày này chưa tới. Bạn hãy gõ ngày của ca phẫu thuật hoặc đợt điều trị đã diễn ra.
guide-date-long-ago = Cảm ơn bạn. Việc đó đã hơn bốn tuần rồi, nên không cần chờ nữa. Mình tiếp tục nhé.
guide-wait =
    Cảm ơn bạn. Ngay sau phẫu thuật hay một đợt điều trị mới, cơ thể vẫn đang phản ứng và hồi phục, và các kết quả ban đầu có thể còn thay đổi. Nếu chuyên gia xem hồ sơ lúc này, họ có thể chỉ thấy được một phần bức tranh.

    Tốt nhất là chờ đến <b>{ $date }</b>, khi đã đủ bốn tuần. Trong thời gian này, các bác sĩ đang điều trị cho bạn là người phù hợp nhất để hỏi mọi điều.
btn-guide-remind-on = 🔔 Nhắc tôi vào ngày { $date }
btn-guide-continue-anyway = Vẫn tiếp tục ➡️
guide-four-weeks-reminder-set = Xong. Tôi sẽ nhắc bạn vào sáng ngày <b>{ $date }</b>. Bạn giữ gìn sức khỏe nhé. 🙏

guide-situations =
    <b>Những tình huống nào giống với bạn?</b>
    Bạn bấm chọn tất cả những gì phù hợp, rồi bấm "Xong". Đây chỉ là những lý do thường gặp nhất — xin ý kiến thứ hai là quyền của bạn với bất kỳ khía cạnh nào trong việc chăm sóc sức khỏe.
guide-sit-rare = Bệnh hiếm gặp
guide-sit-unclear = Kết quả chưa rõ, cần thêm thông tin
guide-sit-perspective = Tôi muốn một góc nhìn khác
guide-sit-cancer = Được chẩn đoán ung thư
guide-sit-multiple = Mắc nhiều bệnh cùng lúc
guide-sit-surgery = Tôi đang cân nhắc phẫu thuật
guide-sit-gut = Linh cảm mách bảo có gì chưa ổn
guide-sit-treatment = Điều trị thử nghiệm, nặng nề hoặc có thể không hiệu quả
guide-sit-not-responding = Cơ thể không đáp ứng điều trị như mong đợi
guide-sit-costs = Chi phí các lựa chọn chênh lệch nhiều
guide-sit-distance = Không có chuyên gia ở gần nơi tôi sống
btn-guide-done = Xong ✅
btn-guide-none = Không có mục nào

guide-accurate =
    <b>Bạn nên biết.</b> Ở một số lĩnh vực, chẩn đoán ban đầu thường rất chính xác: đột quỵ, tim mạch, phẫu thuật tim, viêm tủy cấp thể liệt mềm (AFM), PANS/PANDAS, điều trị thực quản và đường thở, và hô hấp. Nếu câu hỏi của bạn thuộc một trong các lĩnh vực này, có thể bạn không cần ý kiến thứ hai.

    <i>Điều này không đúng với mọi trường hợp.</i> Nếu bạn vẫn còn băn khoăn, bạn cứ hỏi nhé.

guide-result =
    <b>Ý kiến thứ hai có thể thật sự giúp ích cho bạn.</b> Bạn đã cho tôi biết:
    { $reasons }

    Chuyên gia sẽ xem hồ sơ của bạn, cân nhắc chẩn đoán và kế hoạch điều trị, rồi viết cho bạn một ý kiến trả lời chính những câu hỏi của bạn.
guide-result-none =
    <b>Không có tình huống thường gặp nào phù hợp — điều đó hoàn toàn bình thường.</b>
    Bạn có thể xin ý kiến thứ hai về bất kỳ khía cạnh nào trong việc chăm sóc sức khỏe. Đó là quyền của người bệnh, và nó giúp bạn đưa ra quyết định mà bạn thấy yên tâm.
guide-why-rare = Bệnh hiếm gặp: một chuyên gia thường gặp bệnh này có thể làm rõ chẩn đoán và hướng đi tiếp theo.
guide-why-unclear = Kết quả chưa rõ: một chuyên gia khác có thể đọc lại và cho biết cần thêm gì.
guide-why-perspective = Một góc nhìn khác: bác sĩ được đào tạo khác có thể thấy những lựa chọn khác.
guide-why-cancer = Chẩn đoán ung thư: thêm một lần xem xét giúp bạn bắt đầu điều trị với sự tự tin.
guide-why-multiple = Nhiều bệnh cùng lúc: một cái nhìn tổng thể có thể kết nối các bệnh và các loại thuốc.
guide-why-surgery = Cân nhắc phẫu thuật: có thể có những cách nhẹ nhàng hơn hoặc không cần mổ để trao đổi.
guide-why-gut = Linh cảm của bạn: bạn hiểu cơ thể mình, và điều đó đáng được lắng nghe.
guide-why-treatment = Điều trị nặng nề: nên xem lại phương pháp này và các lựa chọn khác.
guide-why-not-responding = Không đáp ứng như mong đợi: một góc nhìn mới có thể tìm ra kế hoạch tốt hơn hoặc nguyên nhân khác.
guide-why-costs = Chi phí chênh lệch nhiều: chuyên gia có thể cân nhắc giúp bạn giá trị của từng lựa chọn.
guide-why-distance = Không có chuyên gia ở gần: chúng tôi đưa chuyên gia đến với bạn, qua mạng.
btn-guide-start-case = 📝 Bắt đầu hồ sơ của tôi
btn-guide-questions = ❓ Những câu hỏi nên hỏi
guide-questions =
    <b>Những câu hỏi nên hỏi</b> — bác sĩ của bạn và chuyên gia của chúng tôi:
    1. Chẩn đoán hiện tại của tôi có chính xác không?
    2. Tôi có những lựa chọn điều trị nào, và ưu nhược điểm của từng cách?
    3. Điều gì có thể xảy ra nếu tôi chờ, hoặc không điều trị?
    4. Tôi nên làm gì với các kết quả xét nghiệm đã có?
    5. Bằng chứng nào ủng hộ ý kiến của chuyên gia?

    Mẹo: ghi sẵn câu hỏi để không quên điều gì. Khi bắt đầu hồ sơ, bạn có thể chọn những câu này và thêm câu của riêng mình.
guide-intake-unavailable = Việc tạo hồ sơ ngay trong cuộc trò chuyện sẽ sớm có. Trong lúc chờ, bạn hãy viết cho { $support_email } và điều phối viên sẽ giúp bạn bắt đầu.

guide-reminder-hospital =
    Xin chào 👋 Cách đây ít lâu bạn đang nằm viện. Mong là bạn đã về nhà và khỏe hơn.
    Khi nào bạn sẵn sàng, tôi có thể giúp bạn xem ý kiến thứ hai có hữu ích không.
guide-reminder-four-weeks =
    Xin chào 👋 Hôm nay đã tròn bốn tuần kể từ ca phẫu thuật hoặc đợt điều trị của bạn. Mong là bạn đang hồi phục tốt.
    Nếu bạn vẫn đang nghĩ đến ý kiến thứ hai, đây là thời điểm tốt để bắt đầu.

## Bảo vệ cấp cứu (handlers/emergency.py)

guard-emergency =
    🚨 <b>Điều bạn vừa viết nghe như có thể là tình huống cấp cứu.</b>
    Xin hãy gọi ngay <b>{ $emergency_number }</b>, hoặc đến khoa cấp cứu gần nhất. Nếu có ai ở bên cạnh, hãy nhờ họ giúp.

    Tôi cũng đã báo cho các điều phối viên của chúng tôi. Cuộc trò chuyện này không thể gọi xe cấp cứu cho bạn.
guard-continue = Khi bạn đã an toàn, mình sẽ tiếp tục từ chỗ đang dừng:
guard-alert-patient = 🚨 <b>Có thể cấp cứu</b>: người bệnh #{ $patient_id } đã viết những từ có thể là dấu hiệu cấp cứu. Họ đã được hướng dẫn gọi { $emergency_number }. Vui lòng liên hệ họ trong trò chuyện riêng.
guard-alert-case = 🚨 <b>Có thể cấp cứu</b>: người bệnh của hồ sơ { $case_number } đã viết những từ có thể là dấu hiệu cấp cứu. Họ đã được hướng dẫn gọi { $emergency_number }. Vui lòng liên hệ họ trong trò chuyện riêng.

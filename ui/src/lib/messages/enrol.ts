// The enrolment screen: joining this device to the server with a code from the administrator.

export const vi = {
  'enrol.title': 'Đăng ký thiết bị',
  'enrol.intro': 'Nhập địa chỉ máy chủ và mã đăng ký do quản trị viên cấp. Mỗi mã chỉ dùng một lần và có thời hạn.',
  'enrol.server': 'Địa chỉ máy chủ',
  'enrol.serverHint': 'Ví dụ: https://townhall.lamdong.gov.vn',
  'enrol.code': 'Mã đăng ký',
  'enrol.codeHint': 'Gồm 8 chữ và số, không phân biệt hoa thường.',
  'enrol.name': 'Tên thiết bị',
  'enrol.nameHint': 'Để phân biệt các máy, ví dụ: Máy tính bảng số 2 — Thư ký.',
  'enrol.submit': 'Đăng ký',
  'enrol.submitting': 'Đang đăng ký…',
  'enrol.offline': 'Không kết nối được máy chủ. Kiểm tra Wi-Fi hoặc 4G và địa chỉ máy chủ, rồi thử lại.',
  'enrol.done': 'Đã đăng ký thiết bị.',
};

export const en: Record<keyof typeof vi, string> = {
  'enrol.title': 'Enrol this device',
  'enrol.intro':
    'Enter the server address and the enrolment code from the administrator. Each code works once and expires.',
  'enrol.server': 'Server address',
  'enrol.serverHint': 'For example: https://townhall.lamdong.gov.vn',
  'enrol.code': 'Enrolment code',
  'enrol.codeHint': '8 letters and digits; capitals do not matter.',
  'enrol.name': 'Device name',
  'enrol.nameHint': 'To tell the devices apart, e.g. Tablet 2 — Recorder.',
  'enrol.submit': 'Enrol',
  'enrol.submitting': 'Enrolling…',
  'enrol.offline':
    'The server cannot be reached. Check the Wi-Fi or mobile data and the server address, then try again.',
  'enrol.done': 'This device is enrolled.',
};

// The settings screen: language, this device, sync.

export const vi = {
  'settings.title': 'Cài đặt',
  'settings.language': 'Ngôn ngữ',
  'settings.languageHint': 'Áp dụng ngay cho toàn bộ ứng dụng.',
  'settings.lang.vi': 'Tiếng Việt',
  'settings.lang.en': 'English',
  'settings.saved': 'Đã lưu.',
  'settings.device': 'Thiết bị này',
  'settings.role': 'Vai trò người dùng',
  'settings.letter': 'Ký hiệu máy',
  'settings.letterHint': 'Số ý kiến ghi trên máy này bắt đầu bằng ký hiệu này, ví dụ {example}.',
  'settings.server': 'Máy chủ',
  'settings.deviceName': 'Tên thiết bị',
  'settings.agency': 'Cơ quan',
  'settings.notEnrolled': 'Chưa đăng ký',
  'settings.sync': 'Đồng bộ',
};

export const en: Record<keyof typeof vi, string> = {
  'settings.title': 'Settings',
  'settings.language': 'Language',
  'settings.languageHint': 'Applies to the whole app at once.',
  'settings.lang.vi': 'Tiếng Việt',
  'settings.lang.en': 'English',
  'settings.saved': 'Saved.',
  'settings.device': 'This device',
  'settings.role': 'User role',
  'settings.letter': 'Device letter',
  'settings.letterHint': 'Questions captured on this device are numbered with this letter, e.g. {example}.',
  'settings.server': 'Server',
  'settings.deviceName': 'Device name',
  'settings.agency': 'Agency',
  'settings.notEnrolled': 'Not enrolled',
  'settings.sync': 'Sync',
};

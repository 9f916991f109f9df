export type Language = 'vi' | 'en';

const text = {
  title: { vi: 'Trung tâm điều hành', en: 'Operations center' },
  live: { vi: 'Trực tiếp', en: 'Live' },
  connecting: { vi: 'Đang kết nối…', en: 'Connecting…' },
  noData: {
    vi: 'Chưa có số liệu nào. Các lớp học sẽ xuất hiện khi gửi số liệu đầu tiên.',
    en: 'No readings yet. Classrooms appear when they send their first reading.',
  },
  device: { vi: 'Thiết bị', en: 'Device' },
  reading: { vi: 'Số đo', en: 'Reading' },
  value: { vi: 'Giá trị', en: 'Value' },
  updated: { vi: 'Cập nhật', en: 'Updated' },
  online: { vi: 'Trực tuyến', en: 'Online' },
  offline: { vi: 'Mất kết nối', en: 'Offline' },
  unknown: { vi: 'Chưa rõ', en: 'Unknown' },
  language: { vi: 'English', en: 'Tiếng Việt' },
  readingsOf: { vi: 'Số đo của', en: 'Readings of' },
  navOverview: { vi: 'Tổng quan', en: 'Overview' },
  navAlerts: { vi: 'Cảnh báo', en: 'Alerts' },
  navAttendance: { vi: 'Điểm danh', en: 'Attendance' },
  navKiosk: { vi: 'Thống kê kiosk', en: 'Kiosk statistics' },
  navigation: { vi: 'Điều hướng', en: 'Navigation' },
  fleet: { vi: 'Mạng lưới thiết bị', en: 'Fleet' },
  nodesOnline: { vi: 'nút trực tuyến', en: 'nodes online' },
  nodesOffline: { vi: 'nút mất kết nối', en: 'nodes offline' },
  devicesOnline: { vi: 'thiết bị hoạt động', en: 'devices up' },
  devicesOffline: { vi: 'thiết bị lỗi', en: 'devices down' },
  liveReadings: { vi: 'Số đo trực tiếp', en: 'Live readings' },
  showMore: { vi: 'Xem thêm', en: 'Show more' },
  room: { vi: 'Phòng', en: 'Room' },
  back: { vi: '← Tổng quan', en: '← Overview' },
  devices: { vi: 'Thiết bị trong phòng', en: 'Devices in the room' },
  state: { vi: 'Trạng thái', en: 'State' },
  reason: { vi: 'Lý do', en: 'Reason' },
  peripheralsOf: { vi: 'Thiết bị ngoại vi của', en: 'Peripherals of' },
  available: { vi: 'Sẵn sàng', en: 'Ready' },
  unavailable: { vi: 'Không dùng được', en: 'Unavailable' },
  noPeripherals: { vi: 'Kiosk này không khai báo máy in hay máy quét.', en: 'This kiosk declares no printer or scanner.' },
  offlineSince: { vi: 'mất kết nối từ', en: 'offline since' },
  outbox: { vi: 'hàng đợi', en: 'outbox' },
  missingSeq: { vi: 'thiếu bản ghi seq', en: 'missing seq' },
  lastSeen: { vi: 'Lần cuối', en: 'Last seen' },
  commands: { vi: 'Lệnh', en: 'Commands' },
  commandHistory: { vi: 'Lệnh đã gửi', en: 'Commands sent' },
  method: { vi: 'Lệnh', en: 'Command' },
  by: { vi: 'Người gửi', en: 'Sent by' },
  status: { vi: 'Trạng thái', en: 'Status' },
  result: { vi: 'Kết quả', en: 'Result' },
  chartOf: { vi: 'Biểu đồ', en: 'Chart of' },
  pointsLastHour: { vi: 'điểm trong 1 giờ qua', en: 'points in the last hour' },
  activeAlerts: { vi: 'Cảnh báo đang mở', en: 'Active alerts' },
  alertHistory: { vi: 'Lịch sử cảnh báo', en: 'Alert history' },
  noAlerts: { vi: 'Không có cảnh báo nào.', en: 'No alerts.' },
  severity: { vi: 'Mức độ', en: 'Severity' },
  rule: { vi: 'Quy tắc', en: 'Rule' },
  target: { vi: 'Đối tượng', en: 'Target' },
  message: { vi: 'Nội dung', en: 'Message' },
  raised: { vi: 'Bắt đầu', en: 'Raised' },
  cleared: { vi: 'Kết thúc', en: 'Cleared' },
  acknowledge: { vi: 'Xác nhận', en: 'Acknowledge' },
  acknowledgedBy: { vi: 'Đã xác nhận bởi', en: 'Acknowledged by' },
  day: { vi: 'Ngày', en: 'Day' },
  downloadCsv: { vi: 'Tải CSV', en: 'Download CSV' },
  session: { vi: 'Buổi học', en: 'Class session' },
  present: { vi: 'có mặt', en: 'present' },
  card: { vi: 'Thẻ', en: 'Card' },
  firstTap: { vi: 'Quẹt thẻ lúc', en: 'First tap' },
  role: { vi: 'Vai trò', en: 'Role' },
  late: { vi: 'đi muộn', en: 'late' },
  unscheduled: { vi: 'Ngoài giờ học', en: 'Outside sessions' },
  noAttendance: { vi: 'Chưa có lượt quẹt thẻ nào trong ngày.', en: 'No card taps that day.' },
  center: { vi: 'Trung tâm', en: 'Center' },
  kioskSessions: { vi: 'Lượt sử dụng', en: 'Sessions' },
  searches: { vi: 'Lượt tìm kiếm', en: 'Searches' },
  enrolments: { vi: 'Đăng ký', en: 'Enrolments' },
  ratings: { vi: 'Đánh giá', en: 'Ratings' },
  feedback: { vi: 'Góp ý', en: 'Feedback' },
  kioskUnassigned: { vi: 'Kiosk chưa gắn với điểm nào', en: 'Kiosks not assigned to a site' },
  averageRating: { vi: 'Điểm trung bình', en: 'Average rating' },
  noKiosk: { vi: 'Chưa có số liệu kiosk.', en: 'No kiosk data yet.' },
  optional: { vi: 'không bắt buộc', en: 'optional' },
  choose: { vi: '— Chọn —', en: '— Choose —' },
  sendCommand: { vi: 'Gửi lệnh', en: 'Send command' },
  cancel: { vi: 'Hủy', en: 'Cancel' },
  commandParams: { vi: 'Tham số lệnh', en: 'Command parameters' },
  commandOutcome: { vi: 'Kết quả lệnh', en: 'Command outcome' },
  screenshotOf: { vi: 'Ảnh màn hình', en: 'Screenshot of' },
  capturedAt: { vi: 'chụp lúc', en: 'captured at' },
  noScreenshot: {
    vi: 'Chưa có ảnh màn hình. Bấm “Chụp màn hình” để xem kiosk đang hiển thị gì.',
    en: 'No screenshot yet. Press “Screenshot” to see what the kiosk shows.',
  },
  login: { vi: 'Đăng nhập', en: 'Log in' },
  logout: { vi: 'Đăng xuất', en: 'Log out' },
  username: { vi: 'Tên đăng nhập', en: 'Username' },
  password: { vi: 'Mật khẩu', en: 'Password' },
  wrongLogin: { vi: 'Sai tên đăng nhập hoặc mật khẩu.', en: 'Wrong username or password.' },
  tooManyLogins: { vi: 'Đăng nhập sai quá nhiều lần, vui lòng thử lại sau.', en: 'Too many failed logins; try again later.' },
  setupRequired: {
    vi: 'Chưa có tài khoản điều hành: bảng điều khiển chỉ xem. Tạo tài khoản bằng lệnh lophoc-ops-center user add.',
    en: 'No operator account yet: the console is read-only. Create one with lophoc-ops-center user add.',
  },
} as const;

export type TextKey = keyof typeof text;

const readingNames: Record<string, Record<Language, string>> = {
  temperature: { vi: 'Nhiệt độ', en: 'Temperature' },
  humidity: { vi: 'Độ ẩm', en: 'Humidity' },
  co2: { vi: 'CO₂', en: 'CO₂' },
  noise: { vi: 'Độ ồn', en: 'Noise' },
  sound_level: { vi: 'Độ ồn', en: 'Sound level' },
  lamp_hours: { vi: 'Giờ đèn chiếu', en: 'Lamp hours' },
};

const statusNames: Record<string, Record<Language, string>> = {
  queued: { vi: 'Đang chờ', en: 'Queued' },
  sent: { vi: 'Đã gửi', en: 'Sent' },
  done: { vi: 'Hoàn thành', en: 'Done' },
  failed: { vi: 'Thất bại', en: 'Failed' },
  expired: { vi: 'Hết hạn', en: 'Expired' },
  critical: { vi: 'Nghiêm trọng', en: 'Critical' },
  warning: { vi: 'Cảnh báo', en: 'Warning' },
  info: { vi: 'Thông tin', en: 'Info' },
};

const commandNames: Record<string, Record<Language, string>> = {
  power_on: { vi: 'Bật nguồn', en: 'Power on' },
  power_off: { vi: 'Tắt nguồn', en: 'Power off' },
  'power-on': { vi: 'Bật nguồn', en: 'Power on' },
  'power-off': { vi: 'Tắt nguồn', en: 'Power off' },
  set_input: { vi: 'Chọn nguồn vào', en: 'Select input' },
  av_mute: { vi: 'Tắt hình/tiếng', en: 'AV mute' },
  screenshot: { vi: 'Chụp màn hình', en: 'Screenshot' },
  reload: { vi: 'Tải lại', en: 'Reload' },
  restart: { vi: 'Khởi động lại', en: 'Restart' },
  sync_now: { vi: 'Đồng bộ ngay', en: 'Sync now' },
  'sync-now': { vi: 'Đồng bộ ngay', en: 'Sync now' },
};

const paramNames: Record<string, Record<Language, string>> = {
  source: { vi: 'Nguồn vào', en: 'Input source' },
  input: { vi: 'Cổng vào', en: 'Input' },
  state: { vi: 'Trạng thái', en: 'State' },
  maxWidth: { vi: 'Chiều rộng ảnh (px)', en: 'Image width (px)' },
};

/** A kiosk's peripherals (kiosk-app/src/main/kiosk-devices.ts): names by birth profile. */
const peripheralNames: Record<string, Record<Language, string>> = {
  'escpos-receipt-printer': { vi: 'Máy in biên nhận', en: 'Receipt printer' },
  'serial-qr-scanner': { vi: 'Máy quét mã QR', en: 'QR scanner' },
  'hid-barcode-scanner': { vi: 'Máy quét mã QR', en: 'QR scanner' },
};
/** Why a kiosk peripheral is (un)usable, as kiosk-app reports it (health `devices`, `{device}/availability`). */
const peripheralReasons: Record<string, Record<Language, string>> = {
  'paper-out': { vi: 'Hết giấy', en: 'Out of paper' },
  'paper-near-end': { vi: 'Sắp hết giấy', en: 'Paper running low' },
  'cover-open': { vi: 'Nắp máy in đang mở', en: 'Cover open' },
  'no-response': { vi: 'Không phản hồi (tắt nguồn hoặc kẹt giấy)', en: 'Not responding (off or jammed)' },
  unplugged: { vi: 'Chưa cắm hoặc đã rút cáp', en: 'Not plugged in or unplugged' },
  disconnected: { vi: 'Mất kết nối với máy quét', en: 'Scanner disconnected' },
};

export function isPeripheral(profile: string | undefined): boolean {
  return profile !== undefined && profile in peripheralNames;
}
export function peripheralLabel(profile: string | undefined, fallback: string, language: Language): string {
  return (profile && peripheralNames[profile]?.[language]) ?? fallback;
}
/** A known reason in the operator's language; anything else (a gateway's free text) as it came. */
export function reasonLabel(reason: string, language: Language): string {
  return peripheralReasons[reason]?.[language] ?? reason;
}

export function paramLabel(name: string, language: Language): string {
  return paramNames[name]?.[language] ?? name;
}

export function t(key: TextKey, language: Language): string {
  return text[key][language];
}

export function readingLabel(name: string, language: Language): string {
  return readingNames[name]?.[language] ?? name;
}

export function statusLabel(status: string, language: Language): string {
  return statusNames[status]?.[language] ?? status;
}

const roleNames: Record<string, Record<Language, string>> = {
  teacher: { vi: 'Giáo viên', en: 'Teacher' },
  student: { vi: 'Học viên', en: 'Student' },
  staff: { vi: 'Nhân viên', en: 'Staff' },
  unknown: { vi: 'Chưa đăng ký', en: 'Unregistered' },
};

export function roleLabel(role: string, language: Language): string {
  return roleNames[role]?.[language] ?? role;
}

export function commandLabel(method: string, language: Language): string {
  return commandNames[method]?.[language] ?? method;
}

export function formats(language: Language) {
  const locale = language === 'vi' ? 'vi-VN' : 'en-GB';
  return {
    time: new Intl.DateTimeFormat(locale, { timeStyle: 'medium', timeZone: 'Asia/Ho_Chi_Minh' }),
    dateTime: new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Ho_Chi_Minh' }),
    number: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }),
  };
}

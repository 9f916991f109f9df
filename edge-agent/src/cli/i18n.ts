/** The technician CLI speaks Vietnamese or English, chosen from the locale (LC_ALL, LC_MESSAGES, LANG). */
export type Language = 'vi' | 'en';

export function languageFromEnv(env: NodeJS.ProcessEnv = process.env): Language {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('vi') ? 'vi' : 'en';
}

const messages = {
  contacting: { vi: 'Đang liên hệ máy chủ cấp phép {url}…', en: 'Contacting the provisioning server {url}…' },
  claimed: { vi: 'Đã nhận thông tin đăng nhập cho {site}/{node}.', en: 'Received credentials for {site}/{node}.' },
  writing: { vi: 'Đang ghi cấu hình vào {file} (quyền 0600)…', en: 'Writing the configuration to {file} (mode 0600)…' },
  enrolled: {
    vi: 'Hoàn tất. Khởi động lại dịch vụ: systemctl restart lophoc-agent',
    en: 'Done. Restart the service: systemctl restart lophoc-agent',
  },
  refused: { vi: 'Máy chủ từ chối mã: {reason}', en: 'The server refused the token: {reason}' },
  unreachable: { vi: 'Không liên hệ được máy chủ cấp phép {url}: {reason}', en: 'Cannot reach the provisioning server {url}: {reason}' },
  badAnswer: { vi: 'Máy chủ cấp phép trả lời không hợp lệ: {reason}', en: 'The provisioning server answered something invalid: {reason}' },
  notRunning: {
    vi: 'lophoc-agent không chạy (trạng thái cuối lúc {ts}).',
    en: 'lophoc-agent is not running (last status at {ts}).',
  },
  neverRan: { vi: 'lophoc-agent chưa từng chạy với thư mục dữ liệu {dir}.', en: 'lophoc-agent has never run with data folder {dir}.' },
  connected: { vi: 'Đã kết nối', en: 'Connected' },
  disconnected: { vi: 'Mất kết nối', en: 'Disconnected' },
  online: { vi: 'trực tuyến', en: 'online' },
  offline: { vi: 'ngoại tuyến', en: 'offline' },
  unknown: { vi: 'chưa rõ', en: 'unknown' },
  broker: { vi: 'Máy chủ MQTT', en: 'MQTT broker' },
  devices: { vi: 'Thiết bị', en: 'Devices' },
  outbox: { vi: 'Hàng đợi gửi', en: 'Outbox' },
  outboxLine: {
    vi: '{depth} bản ghi chờ ({bytes} byte); đã gửi {appended}, đã xác nhận {acknowledged}, bỏ {dropped}',
    en: '{depth} records waiting ({bytes} bytes); appended {appended}, acknowledged {acknowledged}, dropped {dropped}',
  },
  uptime: { vi: 'Thời gian chạy', en: 'Uptime' },
} as const;

export type MessageKey = keyof typeof messages;

export function say(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return messages[key][language].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

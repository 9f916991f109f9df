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
  language: { vi: 'English', en: 'Tiếng Việt' },
  readingsOf: { vi: 'Số đo của', en: 'Readings of' },
} as const;

const readingNames: Record<string, Record<Language, string>> = {
  temperature: { vi: 'Nhiệt độ', en: 'Temperature' },
  humidity: { vi: 'Độ ẩm', en: 'Humidity' },
  co2: { vi: 'CO₂', en: 'CO₂' },
  noise: { vi: 'Độ ồn', en: 'Noise' },
  sound_level: { vi: 'Độ ồn', en: 'Sound level' },
};

export function t(key: keyof typeof text, language: Language): string {
  return text[key][language];
}

export function readingLabel(name: string, language: Language): string {
  return readingNames[name]?.[language] ?? name;
}

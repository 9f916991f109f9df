import type { Center, Course, Procedure } from './schema.js';

/**
 * Deterministic seed data for the pilot (former District 5, HCMC: wards Chợ Quán, An Đông, Chợ Lớn). Places are
 * data here, never code elsewhere. Courses are generated from realistic building blocks with a fixed-seed PRNG,
 * so every run (and every test) sees the same 240 courses. Procedure titles follow the education-sector entries
 * of the national public-service database; their codes are illustrative.
 */
export const SEED_CENTERS: Center[] = [
  {
    id: 'httcd-cho-quan',
    name: 'Trung tâm học tập cộng đồng phường Chợ Quán',
    ward: 'Chợ Quán',
    address: '185 Trần Hưng Đạo, phường Chợ Quán, TP. Hồ Chí Minh',
    phone: '028 3923 4501',
    hours: 'Thứ Hai – Thứ Bảy, 7:30 – 20:30',
  },
  {
    id: 'nvh-cho-quan',
    name: 'Nhà văn hóa phường Chợ Quán',
    ward: 'Chợ Quán',
    address: '62 Nguyễn Văn Cừ, phường Chợ Quán, TP. Hồ Chí Minh',
    phone: '028 3923 7712',
    hours: 'Thứ Hai – Chủ nhật, 8:00 – 21:00',
  },
  {
    id: 'httcd-an-dong',
    name: 'Trung tâm học tập cộng đồng phường An Đông',
    ward: 'An Đông',
    address: '34 An Dương Vương, phường An Đông, TP. Hồ Chí Minh',
    phone: '028 3835 1120',
    hours: 'Thứ Hai – Thứ Bảy, 7:30 – 20:30',
  },
  {
    id: 'tv-an-dong',
    name: 'Thư viện cộng đồng An Đông',
    ward: 'An Đông',
    address: '210 Nguyễn Trãi, phường An Đông, TP. Hồ Chí Minh',
    phone: '028 3835 4467',
    hours: 'Thứ Ba – Chủ nhật, 8:00 – 20:00',
  },
  {
    id: 'httcd-cho-lon',
    name: 'Trung tâm học tập cộng đồng phường Chợ Lớn',
    ward: 'Chợ Lớn',
    address: '15 Châu Văn Liêm, phường Chợ Lớn, TP. Hồ Chí Minh',
    phone: '028 3855 2093',
    hours: 'Thứ Hai – Thứ Bảy, 7:30 – 20:30',
  },
  {
    id: 'nvh-cho-lon',
    name: 'Nhà văn hóa thanh thiếu nhi Chợ Lớn',
    ward: 'Chợ Lớn',
    address: '88 Hải Thượng Lãn Ông, phường Chợ Lớn, TP. Hồ Chí Minh',
    phone: '028 3855 6631',
    hours: 'Thứ Hai – Chủ nhật, 8:00 – 21:00',
  },
];

interface Topic {
  name: string;
  category: string;
  learn: string;
  online: boolean;
  fee: [number, number];
}

const TOPICS: Topic[] = [
  {
    name: 'Tin học văn phòng',
    category: 'Tin học và chuyển đổi số',
    learn: 'soạn thảo văn bản, lập bảng tính và trình chiếu',
    online: true,
    fee: [300, 900],
  },
  {
    name: 'Sử dụng điện thoại thông minh',
    category: 'Tin học và chuyển đổi số',
    learn: 'gọi video, nhắn tin, chụp ảnh và cài ứng dụng an toàn',
    online: false,
    fee: [0, 0],
  },
  {
    name: 'Dịch vụ công trực tuyến',
    category: 'Tin học và chuyển đổi số',
    learn: 'nộp hồ sơ trên Cổng Dịch vụ công và dùng VNeID',
    online: true,
    fee: [0, 0],
  },
  {
    name: 'An toàn trên mạng',
    category: 'Tin học và chuyển đổi số',
    learn: 'nhận biết lừa đảo qua điện thoại, tin nhắn và mạng xã hội',
    online: true,
    fee: [0, 0],
  },
  {
    name: 'Thanh toán không tiền mặt',
    category: 'Tin học và chuyển đổi số',
    learn: 'chuyển khoản, quét mã QR và bảo vệ tài khoản ngân hàng',
    online: false,
    fee: [0, 0],
  },
  {
    name: 'Thiết kế ấn phẩm với Canva',
    category: 'Tin học và chuyển đổi số',
    learn: 'làm thiệp, tờ rơi và bài đăng mạng xã hội',
    online: true,
    fee: [400, 800],
  },
  {
    name: 'Lập trình Scratch cho thiếu nhi',
    category: 'Tin học và chuyển đổi số',
    learn: 'tư duy lập trình qua trò chơi và hoạt hình',
    online: false,
    fee: [500, 1200],
  },
  {
    name: 'Excel cho hộ kinh doanh',
    category: 'Tin học và chuyển đổi số',
    learn: 'ghi sổ thu chi, tính lãi lỗ và quản lý hàng tồn',
    online: true,
    fee: [400, 900],
  },
  { name: 'Tiếng Anh giao tiếp', category: 'Ngoại ngữ', learn: 'nghe nói các tình huống hằng ngày', online: true, fee: [600, 1800] },
  {
    name: 'Tiếng Anh cho trẻ em',
    category: 'Ngoại ngữ',
    learn: 'từ vựng và phát âm qua bài hát, trò chơi',
    online: false,
    fee: [500, 1500],
  },
  {
    name: 'Tiếng Hoa giao tiếp',
    category: 'Ngoại ngữ',
    learn: 'chào hỏi, mua bán và hỏi đường bằng tiếng Quảng Đông và tiếng Phổ thông',
    online: true,
    fee: [600, 1600],
  },
  { name: 'Tiếng Hàn nhập môn', category: 'Ngoại ngữ', learn: 'bảng chữ Hangul và câu giao tiếp cơ bản', online: true, fee: [600, 1500] },
  {
    name: 'Tiếng Nhật nhập môn',
    category: 'Ngoại ngữ',
    learn: 'chữ Hiragana, Katakana và câu giao tiếp cơ bản',
    online: true,
    fee: [600, 1500],
  },
  {
    name: 'Tiếng Anh cho người bán hàng',
    category: 'Ngoại ngữ',
    learn: 'chào khách, báo giá và trả lời câu hỏi của du khách',
    online: false,
    fee: [400, 1000],
  },
  {
    name: 'Sơ cấp cứu ban đầu',
    category: 'Kỹ năng sống',
    learn: 'xử trí vết thương, bỏng, hóc dị vật và ép tim',
    online: false,
    fee: [0, 200],
  },
  {
    name: 'Phòng cháy chữa cháy tại gia đình',
    category: 'Kỹ năng sống',
    learn: 'dùng bình chữa cháy và thoát nạn khi có cháy',
    online: false,
    fee: [0, 0],
  },
  {
    name: 'Kỹ năng làm cha mẹ',
    category: 'Kỹ năng sống',
    learn: 'trò chuyện với con và đồng hành cùng con học tập',
    online: true,
    fee: [0, 300],
  },
  {
    name: 'Quản lý tài chính gia đình',
    category: 'Kỹ năng sống',
    learn: 'lập ngân sách, tiết kiệm và tránh nợ tín dụng đen',
    online: true,
    fee: [0, 300],
  },
  {
    name: 'Bơi an toàn cho trẻ em',
    category: 'Kỹ năng sống',
    learn: 'kỹ năng nổi, thở và tự cứu dưới nước',
    online: false,
    fee: [300, 900],
  },
  { name: 'Kỹ năng thuyết trình', category: 'Kỹ năng sống', learn: 'nói trước đám đông tự tin và mạch lạc', online: true, fee: [300, 800] },
  {
    name: 'Pha chế cà phê',
    category: 'Nghề và sinh kế',
    learn: 'pha phin, pha máy và các món đá xay bán được',
    online: false,
    fee: [800, 2500],
  },
  {
    name: 'Làm bánh truyền thống',
    category: 'Nghề và sinh kế',
    learn: 'bánh bò, bánh da lợn, bánh bông lan và cách tính giá bán',
    online: false,
    fee: [600, 1800],
  },
  {
    name: 'Cắm hoa nghệ thuật',
    category: 'Nghề và sinh kế',
    learn: 'cắm hoa bàn thờ, hoa để bàn và giỏ hoa quà tặng',
    online: false,
    fee: [500, 1500],
  },
  {
    name: 'May cơ bản',
    category: 'Nghề và sinh kế',
    learn: 'sử dụng máy may, sửa quần áo và may túi vải',
    online: false,
    fee: [700, 2000],
  },
  {
    name: 'Sửa chữa điện gia dụng',
    category: 'Nghề và sinh kế',
    learn: 'sửa quạt, nồi cơm điện, bàn ủi và đi dây điện an toàn',
    online: false,
    fee: [800, 2200],
  },
  {
    name: 'Bán hàng trực tuyến',
    category: 'Nghề và sinh kế',
    learn: 'mở gian hàng, chụp ảnh sản phẩm và livestream bán hàng',
    online: true,
    fee: [300, 1200],
  },
  {
    name: 'Nấu ăn gia đình',
    category: 'Nghề và sinh kế',
    learn: 'món ăn Nam Bộ, món chay và thực đơn cân bằng',
    online: false,
    fee: [400, 1200],
  },
  {
    name: 'Thư pháp Việt',
    category: 'Văn hóa và nghệ thuật',
    learn: 'cầm bút lông, nét cơ bản và viết câu đối',
    online: false,
    fee: [400, 1200],
  },
  {
    name: 'Đàn ghi-ta đệm hát',
    category: 'Văn hóa và nghệ thuật',
    learn: 'hợp âm cơ bản và đệm các điệu slow, boston, valse',
    online: false,
    fee: [500, 1500],
  },
  {
    name: 'Vẽ màu nước',
    category: 'Văn hóa và nghệ thuật',
    learn: 'pha màu, vẽ phong cảnh phố cổ Chợ Lớn',
    online: false,
    fee: [400, 1200],
  },
  {
    name: 'Đờn ca tài tử Nam Bộ',
    category: 'Văn hóa và nghệ thuật',
    learn: 'các bài bản tài tử và ca vọng cổ',
    online: false,
    fee: [0, 600],
  },
  {
    name: 'Nhiếp ảnh bằng điện thoại',
    category: 'Văn hóa và nghệ thuật',
    learn: 'bố cục, ánh sáng và chỉnh ảnh trên điện thoại',
    online: true,
    fee: [300, 900],
  },
  {
    name: 'Múa lân sư rồng',
    category: 'Văn hóa và nghệ thuật',
    learn: 'bộ trống, bộ tấn và bài múa lân cơ bản',
    online: false,
    fee: [0, 500],
  },
  { name: 'Dưỡng sinh', category: 'Sức khỏe', learn: 'bài tập thở, xoa bóp và vận động nhẹ mỗi sáng', online: false, fee: [0, 200] },
  {
    name: 'Yoga cho người cao tuổi',
    category: 'Sức khỏe',
    learn: 'các tư thế nhẹ nhàng giúp dẻo dai và ngủ ngon',
    online: true,
    fee: [200, 600],
  },
  {
    name: 'Dinh dưỡng gia đình',
    category: 'Sức khỏe',
    learn: 'bữa ăn đủ chất cho trẻ nhỏ, người bệnh tiểu đường và người cao tuổi',
    online: true,
    fee: [0, 300],
  },
  { name: 'Thái cực quyền', category: 'Sức khỏe', learn: 'bài quyền 24 thức cho sức khỏe và thăng bằng', online: false, fee: [0, 400] },
  {
    name: 'Chăm sóc người cao tuổi tại nhà',
    category: 'Sức khỏe',
    learn: 'chăm sóc người nằm lâu, phòng té ngã và đo huyết áp',
    online: true,
    fee: [0, 500],
  },
  { name: 'Bóng bàn phong trào', category: 'Sức khỏe', learn: 'cầm vợt, giao bóng và luật thi đấu', online: false, fee: [200, 600] },
  { name: 'Cờ tướng', category: 'Văn hóa và nghệ thuật', learn: 'khai cuộc, trung cuộc và tàn cuộc cơ bản', online: false, fee: [0, 300] },
];

const LEVELS = ['cơ bản', 'nâng cao', 'cấp tốc', 'cuối tuần', 'buổi tối', 'cho người mới bắt đầu'];
const AUDIENCES = [
  'Người lớn',
  'Người cao tuổi',
  'Thanh thiếu niên (12–18 tuổi)',
  'Thiếu nhi (6–11 tuổi)',
  'Mọi lứa tuổi',
  'Phụ nữ và người nội trợ',
];
const SLOTS: { start: string; end: string; timeOfDay: 'morning' | 'afternoon' | 'evening' }[] = [
  { start: '07:30', end: '09:00', timeOfDay: 'morning' },
  { start: '09:00', end: '10:30', timeOfDay: 'morning' },
  { start: '14:00', end: '15:30', timeOfDay: 'afternoon' },
  { start: '15:30', end: '17:00', timeOfDay: 'afternoon' },
  { start: '18:00', end: '19:30', timeOfDay: 'evening' },
  { start: '19:30', end: '21:00', timeOfDay: 'evening' },
];
const DAY_SETS: Course['schedule']['days'][] = [['T2', 'T4', 'T6'], ['T3', 'T5', 'T7'], ['T7', 'CN'], ['T2', 'T5'], ['T3', 'T6'], ['CN']];

/** mulberry32: a tiny fixed-seed PRNG, enough for reproducible seed data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` courses (≥ 200 for the pilot), spread over every center and topic. */
export function seedCourses(count = 240, seed = 20_261_128): Course[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const courses: Course[] = [];
  for (let n = 0; n < count; n++) {
    const topic = TOPICS[n % TOPICS.length]!;
    const center = SEED_CENTERS[Math.floor(n / TOPICS.length + n) % SEED_CENTERS.length]!;
    const level = LEVELS[Math.floor(n / TOPICS.length) % LEVELS.length]!;
    const audience = pick(AUDIENCES);
    const slot = pick(SLOTS);
    const days = pick(DAY_SETS);
    const sessions = 4 + Math.floor(random() * 21);
    const capacity = 15 + 5 * Math.floor(random() * 5);
    const [low, high] = topic.fee;
    const feeVnd = high === 0 ? 0 : (low + Math.round((random() * (high - low)) / 50) * 50) * 1000;
    const mode = topic.online && random() < 0.35 ? 'online' : 'in-person';
    const start = new Date(Date.UTC(2026, 11, 1 + Math.floor(random() * 60)));
    courses.push({
      id: `kh-${String(n + 1).padStart(3, '0')}`,
      title: `${topic.name} ${level}`.normalize('NFC'),
      summary: `Học ${topic.learn}.`.normalize('NFC'),
      description: [
        `Khóa “${topic.name} ${level}” dành cho ${audience.charAt(0).toLowerCase()}${audience.slice(1)}, ${sessions} buổi, học ${mode === 'online' ? 'trực tuyến qua Zoom' : `tại ${center.name}`}.`,
        `Nội dung: ${topic.learn}. Học viên được thực hành ngay trên lớp và nhận giấy chứng nhận hoàn thành khóa học.`,
        feeVnd === 0
          ? 'Khóa học miễn phí, do Ủy ban nhân dân phường hỗ trợ.'
          : 'Học phí đóng một lần khi nhập học; hộ nghèo, cận nghèo được giảm 50%.',
      ]
        .join(' ')
        .normalize('NFC'),
      category: topic.category,
      centerId: center.id,
      ward: center.ward,
      audience,
      schedule: {
        days,
        start: slot.start,
        end: slot.end,
        startDate: start.toISOString().slice(0, 10),
        sessions,
        timeOfDay: slot.timeOfDay,
      },
      capacity,
      seatsLeft: Math.floor(random() * (capacity + 1)),
      feeVnd,
      mode,
    });
  }
  return courses;
}

type ProcedureKind = 'school' | 'certificate' | 'support' | 'establish' | 'admission';
const PROCEDURE_TITLES: [string, 'Cấp xã' | 'Cấp tỉnh', ProcedureKind][] = [
  ['Chuyển trường đối với học sinh tiểu học', 'Cấp xã', 'school'],
  ['Chuyển trường đối với học sinh trung học cơ sở', 'Cấp xã', 'school'],
  ['Chuyển trường đối với học sinh trung học phổ thông', 'Cấp tỉnh', 'school'],
  ['Xin học lại tại trường khác đối với học sinh trung học', 'Cấp tỉnh', 'school'],
  ['Tuyển sinh trung học cơ sở', 'Cấp xã', 'admission'],
  ['Tuyển sinh trung học phổ thông', 'Cấp tỉnh', 'admission'],
  ['Xét tuyển sinh vào trường phổ thông dân tộc nội trú', 'Cấp tỉnh', 'admission'],
  ['Đăng ký xét tuyển học văn hóa tại trung tâm giáo dục nghề nghiệp – giáo dục thường xuyên', 'Cấp xã', 'admission'],
  ['Cấp bản sao văn bằng, chứng chỉ từ sổ gốc', 'Cấp xã', 'certificate'],
  ['Chỉnh sửa nội dung văn bằng, chứng chỉ', 'Cấp xã', 'certificate'],
  ['Công nhận văn bằng tốt nghiệp các cấp học phổ thông do cơ sở nước ngoài cấp', 'Cấp tỉnh', 'certificate'],
  ['Cấp giấy chứng nhận hoàn thành chương trình giáo dục tiểu học', 'Cấp xã', 'certificate'],
  ['Phúc khảo bài thi tốt nghiệp trung học phổ thông', 'Cấp tỉnh', 'certificate'],
  ['Đăng ký dự thi tốt nghiệp trung học phổ thông', 'Cấp tỉnh', 'admission'],
  ['Miễn, giảm học phí đối với học sinh mầm non và phổ thông', 'Cấp xã', 'support'],
  ['Hỗ trợ chi phí học tập đối với học sinh thuộc hộ nghèo, cận nghèo', 'Cấp xã', 'support'],
  ['Hỗ trợ ăn trưa đối với trẻ em mẫu giáo', 'Cấp xã', 'support'],
  ['Trợ cấp đối với trẻ em mầm non là con công nhân làm việc tại khu công nghiệp', 'Cấp xã', 'support'],
  ['Hỗ trợ học tập đối với học sinh khuyết tật', 'Cấp xã', 'support'],
  ['Xét, cấp học bổng chính sách', 'Cấp tỉnh', 'support'],
  ['Thành lập trung tâm học tập cộng đồng', 'Cấp xã', 'establish'],
  ['Cho phép trung tâm học tập cộng đồng hoạt động trở lại', 'Cấp xã', 'establish'],
  ['Giải thể trung tâm học tập cộng đồng', 'Cấp xã', 'establish'],
  ['Thành lập nhóm trẻ, lớp mẫu giáo độc lập tư thục', 'Cấp xã', 'establish'],
  ['Cho phép nhóm trẻ, lớp mẫu giáo độc lập hoạt động giáo dục', 'Cấp xã', 'establish'],
  ['Sáp nhập, chia, tách nhóm trẻ, lớp mẫu giáo độc lập', 'Cấp xã', 'establish'],
  ['Thành lập trường tiểu học tư thục', 'Cấp xã', 'establish'],
  ['Cho phép trường trung học cơ sở hoạt động giáo dục', 'Cấp xã', 'establish'],
  ['Cấp phép hoạt động dạy thêm, học thêm ngoài nhà trường', 'Cấp xã', 'establish'],
  ['Đăng ký hoạt động của trung tâm ngoại ngữ, tin học', 'Cấp tỉnh', 'establish'],
  ['Công nhận xã, phường đạt chuẩn phổ cập giáo dục, xóa mù chữ', 'Cấp tỉnh', 'certificate'],
  ['Đăng ký học xóa mù chữ', 'Cấp xã', 'admission'],
  ['Đăng ký tham gia lớp học tại trung tâm học tập cộng đồng', 'Cấp xã', 'admission'],
  ['Xác nhận học sinh đang học để hưởng chính sách', 'Cấp xã', 'certificate'],
];

const KIND_BLOCKS: Record<ProcedureKind, { documents: string[]; result: string; fee: string; days: number }> = {
  school: {
    documents: [
      'Đơn xin chuyển trường do cha mẹ hoặc người giám hộ ký',
      'Học bạ (bản chính)',
      'Giấy giới thiệu chuyển trường của trường nơi đi',
    ],
    result: 'Giấy tiếp nhận học sinh của trường nơi đến',
    fee: 'Không thu phí',
    days: 3,
  },
  admission: {
    documents: ['Phiếu đăng ký theo mẫu', 'Bản sao giấy khai sinh', 'Học bạ hoặc giấy xác nhận hoàn thành chương trình lớp dưới'],
    result: 'Danh sách trúng tuyển được công bố',
    fee: 'Không thu phí',
    days: 15,
  },
  certificate: {
    documents: [
      'Đơn đề nghị theo mẫu',
      'Căn cước công dân (xuất trình)',
      'Văn bằng, chứng chỉ hoặc giấy tờ liên quan (bản chính để đối chiếu)',
    ],
    result: 'Văn bằng, chứng chỉ hoặc văn bản xác nhận',
    fee: 'Theo quy định của cơ sở giáo dục (nếu có)',
    days: 5,
  },
  support: {
    documents: [
      'Đơn đề nghị theo mẫu',
      'Giấy chứng nhận hộ nghèo, cận nghèo hoặc giấy tờ chứng minh thuộc đối tượng',
      'Bản sao giấy khai sinh của học sinh',
    ],
    result: 'Quyết định hỗ trợ, miễn hoặc giảm',
    fee: 'Không thu phí',
    days: 10,
  },
  establish: {
    documents: [
      'Tờ trình đề nghị',
      'Đề án hoặc kế hoạch hoạt động',
      'Danh sách cán bộ quản lý, giáo viên kèm văn bằng',
      'Giấy tờ chứng minh cơ sở vật chất',
    ],
    result: 'Quyết định của cơ quan có thẩm quyền',
    fee: 'Không thu phí',
    days: 20,
  },
};

export function seedProcedures(): Procedure[] {
  return PROCEDURE_TITLES.map(([title, level, kind], index) => {
    const block = KIND_BLOCKS[kind];
    const agency = level === 'Cấp xã' ? 'Ủy ban nhân dân phường' : 'Sở Giáo dục và Đào tạo TP. Hồ Chí Minh';
    const where =
      level === 'Cấp xã'
        ? 'Trung tâm Phục vụ hành chính công phường, hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia'
        : 'Trung tâm Phục vụ hành chính công TP. Hồ Chí Minh, hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia';
    return {
      id: `tt-${String(index + 1).padStart(2, '0')}`,
      code: `1.${String(4000 + index * 37).padStart(6, '0')}`,
      title,
      level,
      agency,
      steps: [
        `Chuẩn bị hồ sơ theo danh sách giấy tờ.`,
        `Nộp hồ sơ tại ${where.split(',')[0]!.toLowerCase()} hoặc trực tuyến; nhận giấy tiếp nhận có mã hồ sơ.`,
        `${agency} kiểm tra, giải quyết trong ${block.days} ngày làm việc; nếu thiếu giấy tờ sẽ thông báo bổ sung một lần.`,
        `Nhận kết quả tại nơi nộp hoặc qua dịch vụ bưu chính; tra cứu tình trạng bằng mã hồ sơ tại ki-ốt.`,
      ],
      documents: block.documents,
      fee: block.fee,
      processingTime: `${block.days} ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ`,
      whereToSubmit: where,
      result: block.result,
    };
  });
}

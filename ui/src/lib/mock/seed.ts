// The mock backend's data: the real seeded topics and agencies (crates/domain/src/seed.rs),
// the demo communes of Lâm Đồng, a few dialogues and Vietnamese questions in every status,
// with overdue assignments, conflicts waiting for review and refused mutations.
//
// Everything is derived from `now` and a fixed pseudo-random seed, so two runs on the same
// day give the same data.

import { vietnamDay } from '../format';
import { WorkingCalendar, shiftDays } from '../followup/calendar';
import type {
  Agency,
  Answer,
  AssignmentTerms,
  Change,
  Citizen,
  Dialogue,
  DeviceId,
  DialogueTask,
  ExportRecord,
  FollowUpPolicy,
  HistoryEntry,
  Locality,
  QuestionId,
  QuestionKind,
  QuestionSource,
  QuestionStatus,
  QuestionText,
  RejectedMutation,
  Role,
  StatusEvent,
  Topic,
  UserId,
} from '../types';
import { standardChecklist } from './followup';
import { nameBytes, prng, randomBytes, SEED_MILLIS, seededAgencyId, seededTopicId, uuidV7 } from './ids';
import { defaultPolicy } from './official';

// ---- reference data (crates/domain/src/seed.rs) ----

export const TOPIC_NAMES = [
  'Đất đai',
  'Môi trường',
  'Giao thông',
  'Xây dựng và đô thị',
  'Điện, nước sinh hoạt',
  'An sinh xã hội',
  'Chính sách người có công',
  'Y tế',
  'Giáo dục',
  'Lao động – việc làm',
  'Nông nghiệp',
  'Tài chính – thuế',
  'Thủ tục hành chính',
  'An ninh trật tự',
  'Tư pháp – hộ tịch',
  'Văn hóa – thông tin',
  'Khác',
] as const;

export const AGENCY_NAMES: [string, string][] = [
  ['Văn phòng Ủy ban nhân dân tỉnh', 'VP UBND tỉnh'],
  ['Sở Nội vụ', 'Sở NV'],
  ['Sở Tài chính', 'Sở TC'],
  ['Sở Nông nghiệp và Môi trường', 'Sở NN&MT'],
  ['Sở Xây dựng', 'Sở XD'],
  ['Sở Công Thương', 'Sở CT'],
  ['Sở Y tế', 'Sở YT'],
  ['Sở Giáo dục và Đào tạo', 'Sở GD&ĐT'],
  ['Sở Văn hóa, Thể thao và Du lịch', 'Sở VHTTDL'],
  ['Sở Khoa học và Công nghệ', 'Sở KH&CN'],
  ['Sở Tư pháp', 'Sở TP'],
  ['Sở Dân tộc và Tôn giáo', 'Sở DT&TG'],
  ['Thanh tra tỉnh', 'Thanh tra tỉnh'],
  ['Công an tỉnh', 'Công an tỉnh'],
  ['Bảo hiểm xã hội tỉnh', 'BHXH tỉnh'],
  ['Thuế tỉnh', 'Thuế tỉnh'],
  ['Công ty Điện lực tỉnh', 'Điện lực tỉnh'],
  ['Ủy ban nhân dân xã, phường', 'UBND xã/phường'],
  ['Sở Tài nguyên và Môi trường', 'Sở TN&MT'],
  ['Sở Giao thông vận tải', 'Sở GTVT'],
  ['Sở Lao động – Thương binh và Xã hội', 'Sở LĐ-TB&XH'],
];

export const DEMO_PROVINCE = 'Tỉnh Lâm Đồng';
export const DEMO_COMMUNES = [
  'Xã Bắc Bình',
  'Phường Hàm Thắng',
  'Xã Hàm Thuận Bắc',
  'Xã Hàm Thuận Nam',
  'Xã Hòa Thắng',
  'Xã Hải Ninh',
  'Xã Đức Linh',
  'Phường Mũi Né',
  'Phường Phan Thiết',
];

/** The agencies the reform replaced: kept for old assignments, hidden from pickers. */
const ARCHIVED_AGENCIES = new Set(['Sở Tài nguyên và Môi trường', 'Sở Giao thông vận tải', 'Sở Lao động – Thương binh và Xã hội']);

export function seedTopics(): Topic[] {
  return TOPIC_NAMES.map((name) => ({ id: seededTopicId(name), name, archived: false }));
}

export function seedAgencies(): Agency[] {
  return AGENCY_NAMES.map(([name, short_name]) => ({
    id: seededAgencyId(name),
    name,
    short_name,
    archived: ARCHIVED_AGENCIES.has(name),
  }));
}

export function seedLocalities(): Locality[] {
  const province: Locality = {
    id: uuidV7(SEED_MILLIS, nameBytes('locality', DEMO_PROVINCE)),
    name: DEMO_PROVINCE,
    level: 'province',
    parent: null,
  };
  return [
    province,
    ...DEMO_COMMUNES.map((name) => ({
      id: uuidV7(SEED_MILLIS, nameBytes('locality', name)),
      name,
      level: 'commune' as const,
      parent: province.id,
    })),
  ];
}

// ---- devices and people ----

export interface MockDevice {
  device: DeviceId;
  user: UserId;
  role: Role;
  letter: string;
}

const fixedId = (name: string) => uuidV7(SEED_MILLIS + 86_400_000, nameBytes('mock', name));

export const DEVICES = {
  recorderA: { device: fixedId('device A'), user: fixedId('user A'), role: 'recorder', letter: 'A' },
  recorderB: { device: fixedId('device B'), user: fixedId('user B'), role: 'recorder', letter: 'B' },
  recorderC: { device: fixedId('device C'), user: fixedId('user C'), role: 'recorder', letter: 'C' },
  secretariat: { device: fixedId('device D'), user: fixedId('user D'), role: 'secretariat', letter: 'D' },
  leader: { device: fixedId('device E'), user: fixedId('user E'), role: 'leader', letter: 'E' },
  agency: { device: fixedId('device G'), user: fixedId('user G'), role: 'agency', letter: 'G' },
  admin: { device: fixedId('device H'), user: fixedId('user H'), role: 'admin', letter: 'H' },
} satisfies Record<string, MockDevice>;

const RECORDERS = [DEVICES.recorderA, DEVICES.recorderB, DEVICES.recorderC];

// ---- questions ----

interface Template {
  topic: (typeof TOPIC_NAMES)[number];
  kind: QuestionKind;
  content: string;
}

const TEMPLATES: Template[] = [
  { topic: 'Đất đai', kind: 'petition', content: 'Đề nghị UBND xã sớm cấp giấy chứng nhận quyền sử dụng đất cho các hộ dân thôn Bình An; hồ sơ đã nộp từ năm 2023 đến nay chưa được giải quyết.' },
  { topic: 'Giao thông', kind: 'grievance', content: 'Tuyến đường liên thôn từ thôn Đông Hải đi thôn Tây Sơn xuống cấp nghiêm trọng, mùa mưa ngập sâu, học sinh đi lại rất khó khăn. Đề nghị sớm sửa chữa tuyến đường này.' },
  { topic: 'Môi trường', kind: 'grievance', content: 'Cơ sở chế biến thủy sản gần khu dân cư xả nước thải chưa qua xử lý ra mương, gây mùi hôi thối kéo dài. Đề nghị kiểm tra, xử lý dứt điểm.' },
  { topic: 'Điện, nước sinh hoạt', kind: 'question', content: 'Khi nào nước sạch được kéo về thôn Hòa Phú? Người dân vẫn phải dùng nước giếng nhiễm phèn.' },
  { topic: 'An sinh xã hội', kind: 'question', content: 'Gia đình tôi thuộc hộ cận nghèo nhưng năm nay không được cấp thẻ bảo hiểm y tế, xin hỏi lý do.' },
  { topic: 'Chính sách người có công', kind: 'petition', content: 'Đề nghị xem xét hồ sơ hưởng chế độ chất độc hóa học của cha tôi, đã nộp hơn hai năm chưa có kết quả.' },
  { topic: 'Y tế', kind: 'proposal', content: 'Đề xuất bố trí thêm bác sĩ trực tại trạm y tế xã vào ban đêm và ngày nghỉ.' },
  { topic: 'Giáo dục', kind: 'question', content: 'Trường tiểu học thôn Bình Lâm xuống cấp, mái tôn dột khi trời mưa. Bao giờ trường được sửa chữa?' },
  { topic: 'Lao động – việc làm', kind: 'proposal', content: 'Đề xuất mở lớp dạy nghề sửa chữa máy nông nghiệp và may công nghiệp cho thanh niên sau khi xuất ngũ.' },
  { topic: 'Nông nghiệp', kind: 'petition', content: 'Kênh mương nội đồng bị bồi lấp, không đủ nước tưới cho vụ đông xuân. Đề nghị nạo vét trước mùa khô.' },
  { topic: 'Tài chính – thuế', kind: 'question', content: 'Hộ kinh doanh nhỏ có doanh thu dưới 200 triệu đồng một năm có phải nộp thuế không? Thủ tục kê khai thế nào?' },
  { topic: 'Thủ tục hành chính', kind: 'grievance', content: 'Làm thủ tục tách thửa phải đi lại nhiều lần, mỗi lần cán bộ yêu cầu bổ sung một loại giấy tờ khác nhau.' },
  { topic: 'An ninh trật tự', kind: 'grievance', content: 'Tình trạng thanh thiếu niên chạy xe máy tốc độ cao, lạng lách trên đường ven biển vào buổi tối gây mất an toàn.' },
  { topic: 'Tư pháp – hộ tịch', kind: 'question', content: 'Xin hỏi thủ tục đăng ký khai sinh cho con khi cha mẹ đang làm việc ở tỉnh khác.' },
  { topic: 'Xây dựng và đô thị', kind: 'petition', content: 'Đề nghị công khai quy hoạch khu dân cư mới phía nam phường; người dân không biết đất nhà mình có nằm trong quy hoạch không.' },
  { topic: 'Đất đai', kind: 'grievance', content: 'Việc bồi thường giải phóng mặt bằng dự án đường ven biển chưa thỏa đáng, giá đất bồi thường thấp hơn giá thị trường nhiều lần.' },
  { topic: 'Văn hóa – thông tin', kind: 'proposal', content: 'Đề xuất đầu tư sân bóng đá và nhà văn hóa cho thôn Phú Lộc để thanh niên có nơi sinh hoạt.' },
  { topic: 'Môi trường', kind: 'petition', content: 'Bãi rác tạm ở đầu thôn quá tải, rác không được thu gom thường xuyên. Đề nghị tăng số chuyến thu gom.' },
  { topic: 'Giao thông', kind: 'proposal', content: 'Đề xuất lắp đèn tín hiệu giao thông tại ngã tư Quốc lộ 1A giao đường vào chợ Lương Sơn.' },
  { topic: 'Điện, nước sinh hoạt', kind: 'grievance', content: 'Điện thường xuyên mất vào giờ cao điểm buổi chiều, ảnh hưởng đến sản xuất và sinh hoạt của bà con.' },
  { topic: 'Nông nghiệp', kind: 'question', content: 'Giá thanh long xuống thấp, bà con bị thương lái ép giá. Tỉnh có hỗ trợ tìm đầu ra cho nông sản không?' },
  { topic: 'An sinh xã hội', kind: 'petition', content: 'Đề nghị hỗ trợ sửa chữa nhà ở cho các hộ nghèo bị ảnh hưởng bởi cơn bão vừa qua.' },
  { topic: 'Y tế', kind: 'question', content: 'Thuốc bảo hiểm y tế tại trạm y tế thường xuyên thiếu, người bệnh phải tự mua ngoài. Xin hỏi nguyên nhân.' },
  { topic: 'Giáo dục', kind: 'grievance', content: 'Các khoản thu đầu năm học ở trường trung học cơ sở quá nhiều, phụ huynh khó khăn không đóng nổi.' },
  { topic: 'Đất đai', kind: 'question', content: 'Đất nông nghiệp hết thời hạn sử dụng thì có được gia hạn tự động không, thủ tục ra sao?' },
  { topic: 'Khác', kind: 'proposal', content: 'Đề xuất UBND xã tổ chức đối thoại định kỳ mỗi quý để người dân được phản ánh kịp thời.' },
  { topic: 'Thủ tục hành chính', kind: 'question', content: 'Sau khi sáp nhập xã, người dân làm căn cước, đổi giấy tờ ở đâu? Có phải đổi lại sổ đỏ không?' },
  { topic: 'Lao động – việc làm', kind: 'question', content: 'Người lao động mất việc do công ty may giải thể đã được nhận trợ cấp thất nghiệp chưa?' },
  { topic: 'Môi trường', kind: 'grievance', content: 'Tình trạng khai thác cát trái phép trên sông Lũy gây sạt lở bờ, đe dọa nhà dân hai bên sông.' },
  { topic: 'Xây dựng và đô thị', kind: 'grievance', content: 'Công trình xây dựng trái phép lấn chiếm hành lang an toàn đường bộ nhưng đến nay chưa bị xử lý.' },
];

/** Which agency answers each topic. */
const TOPIC_AGENCY: Record<(typeof TOPIC_NAMES)[number], string> = {
  'Đất đai': 'Sở Nông nghiệp và Môi trường',
  'Môi trường': 'Sở Nông nghiệp và Môi trường',
  'Nông nghiệp': 'Sở Nông nghiệp và Môi trường',
  'Giao thông': 'Sở Xây dựng',
  'Xây dựng và đô thị': 'Sở Xây dựng',
  'Điện, nước sinh hoạt': 'Công ty Điện lực tỉnh',
  'An sinh xã hội': 'Sở Nội vụ',
  'Chính sách người có công': 'Sở Nội vụ',
  'Y tế': 'Sở Y tế',
  'Giáo dục': 'Sở Giáo dục và Đào tạo',
  'Lao động – việc làm': 'Sở Nội vụ',
  'Tài chính – thuế': 'Thuế tỉnh',
  'Thủ tục hành chính': 'Ủy ban nhân dân xã, phường',
  'An ninh trật tự': 'Công an tỉnh',
  'Tư pháp – hộ tịch': 'Sở Tư pháp',
  'Văn hóa – thông tin': 'Sở Văn hóa, Thể thao và Du lịch',
  Khác: 'Văn phòng Ủy ban nhân dân tỉnh',
};

const NAMES = [
  'Nguyễn Văn An', 'Trần Thị Bích', 'Lê Văn Cường', 'Phạm Thị Dung', 'Hoàng Văn Đức',
  'Võ Thị Hạnh', 'Đặng Văn Hùng', 'Bùi Thị Lan', 'Đỗ Văn Minh', 'Huỳnh Thị Ngọc',
  'Ngô Văn Phúc', 'Dương Thị Quyên', 'Lý Văn Sơn', 'Trương Thị Thu', 'Đinh Văn Tài', 'Mai Thị Xuân',
];

const HAMLETS = [
  'Thôn Bình An, xã Bắc Bình',
  'Thôn Đông Hải, xã Bắc Bình',
  'Khu phố 3, phường Hàm Thắng',
  'Thôn Phú Lộc, xã Hòa Thắng',
  'Khu phố Lạc Đạo, phường Phan Thiết',
  'Thôn Lương Sơn, xã Bắc Bình',
];

const ANSWERERS = ['Chủ tịch UBND xã', 'Bí thư Đảng ủy xã', 'Phó Chủ tịch UBND xã', 'Giám đốc Sở Nông nghiệp và Môi trường'];

/** A question as the mock stores it; rows and details are derived from it. */
export interface QuestionRecord {
  id: QuestionId;
  dialogue: string;
  letter: string;
  counter: number;
  text: QuestionText;
  citizen: Citizen;
  captured_by: DeviceId;
  captured_at: string;
  status: QuestionStatus;
  merged_into: QuestionId | null;
  /** The same matter raised at an earlier dialogue, as a person linked it. */
  repeat_of: QuestionId | null;
  conflict: boolean;
}

export interface AssignmentRecord {
  id: string;
  question: QuestionId;
  terms: AssignmentTerms;
  assigned_by: UserId;
  assigned_at: string;
}

export interface World {
  topics: Topic[];
  agencies: Agency[];
  localities: Locality[];
  dialogues: Dialogue[];
  questions: QuestionRecord[];
  answers: Answer[];
  assignments: AssignmentRecord[];
  statusEvents: StatusEvent[];
  history: HistoryEntry[];
  rejected: RejectedMutation[];
  /** The next counter of each device letter. */
  counters: Record<string, number>;
  /** The dialogues' preparation checklists. */
  tasks: DialogueTask[];
  /** The follow-up policy (the administrator's, or the default). */
  policy: FollowUpPolicy;
  /** Reports exported on this device. */
  exports: ExportRecord[];
}

export interface SeedOptions {
  now: Date;
  /** How many questions to make (about 60 by default; 10,000 for the list's stress test). */
  questions?: number;
  /** Leave out dialogues and questions: an enrolled device with nothing yet. */
  empty?: boolean;
}

const DAY = 86_400_000;

/** A calendar day `days` from `now`'s day in Vietnam. */
function dayOffset(now: Date, days: number): string {
  return vietnamDay(new Date(now.getTime() + days * DAY));
}

/** `hh:mm` Vietnam time on the day `days` from `now`, as an RFC 3339 instant. */
function at(now: Date, days: number, hour: number, minute: number): string {
  const day = dayOffset(now, days);
  const hh = String(hour).padStart(2, '0');
  const mm = String(minute).padStart(2, '0');
  return new Date(`${day}T${hh}:${mm}:00+07:00`).toISOString();
}

/** Builds the mock's world. */
export function seedWorld(options: SeedOptions): World {
  const { now } = options;
  const random = prng(20261127);
  const id = (millis: number) => uuidV7(millis, randomBytes(random));
  const topics = seedTopics();
  const agencies = seedAgencies();
  const localities = seedLocalities();
  const topicId = new Map(topics.map((t) => [t.name, t.id]));
  const agencyByName = new Map(agencies.map((a) => [a.name, a]));
  const world: World = {
    topics,
    agencies,
    localities,
    dialogues: [],
    questions: [],
    answers: [],
    assignments: [],
    statusEvents: [],
    history: [],
    rejected: [],
    counters: {},
    tasks: [],
    policy: defaultPolicy(),
    exports: [],
  };
  if (options.empty) return world;
  const calendar = new WorkingCalendar(world.policy.calendar);

  const loc = (name: string) => localities.find((l) => l.name === name)?.id ?? localities[0]!.id;
  const dialogue = (
    days: number,
    title: string,
    commune: string,
    audience: string,
    venue: string,
    status: Dialogue['status'],
    attendees: number | null,
  ): Dialogue => ({
    id: id(Date.parse(at(now, days, 7, 0)) - 40 * DAY),
    details: {
      title,
      level: 'commune',
      locality: loc(commune),
      audience,
      venue,
      starts_at: at(now, days, 8, 0),
      hosts: 'Bí thư Đảng ủy, Chủ tịch UBND xã',
      coordinating_bodies: 'Văn phòng HĐND và UBND, Ủy ban MTTQ Việt Nam xã',
      plan_issued_on: dayOffset(now, days - 30),
      attendee_count: attendees,
    },
    status,
  });
  const open = dialogue(0, 'Hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với Nhân dân xã Bắc Bình năm 2026', 'Xã Bắc Bình', 'Nhân dân các thôn trong xã', 'Hội trường UBND xã Bắc Bình', 'open', 312);
  const youth = dialogue(-34, 'Đối thoại với đoàn viên, thanh niên phường Hàm Thắng về việc làm và khởi nghiệp', 'Phường Hàm Thắng', 'Đoàn viên, thanh niên', 'Nhà văn hóa khu phố 3, phường Hàm Thắng', 'concluded', 185);
  const business = dialogue(-75, 'Đối thoại với doanh nghiệp, hộ kinh doanh phường Phan Thiết', 'Phường Phan Thiết', 'Doanh nghiệp, hợp tác xã, hộ kinh doanh', 'Hội trường UBND phường Phan Thiết', 'concluded', 140);
  const planned = dialogue(20, 'Đối thoại với Nhân dân xã Hòa Thắng về đất đai, môi trường', 'Xã Hòa Thắng', 'Nhân dân xã Hòa Thắng', 'Hội trường UBND xã Hòa Thắng', 'planned', null);
  world.dialogues = [planned, open, youth, business];

  const total = options.questions ?? 60;
  // How the questions spread: the dialogue held today gets the newest, the planned one has
  // only what the locality gathered beforehand.
  const plan: { d: Dialogue; days: number; share: number; statuses: QuestionStatus[]; source: QuestionSource }[] = [
    { d: open, days: 0, share: 0.4, statuses: ['received', 'received', 'answered_on_site', 'needs_written_answer', 'received', 'answered_on_site'], source: 'in_hall' },
    { d: youth, days: -34, share: 0.3, statuses: ['assigned', 'answered', 'resolved', 'assigned', 'reopened', 'needs_written_answer', 'assigned', 'answered_on_site', 'merged', 'answered'], source: 'in_hall' },
    { d: business, days: -75, share: 0.2, statuses: ['resolved', 'assigned', 'answered', 'resolved', 'answered_on_site', 'assigned', 'merged', 'reopened'], source: 'on_paper' },
    { d: planned, days: -2, share: 0.1, statuses: ['received'], source: 'gathered' },
  ];
  const secretariat = DEVICES.secretariat;
  let made = 0;
  for (const [p, part] of plan.entries()) {
    const count = p === plan.length - 1 ? total - made : Math.round(total * part.share);
    const firstOfDialogue = world.questions.length;
    for (let i = 0; i < count; i++) {
      const n = made + i;
      const template = TEMPLATES[n % TEMPLATES.length]!;
      const recorder = part.source === 'gathered' ? secretariat : RECORDERS[n % RECORDERS.length]!;
      const counter = (world.counters[recorder.letter] ?? 1);
      world.counters[recorder.letter] = counter + 1;
      const minutes = 5 + Math.floor((i * 150) / Math.max(count, 1));
      const capturedAt = at(now, part.days, 8 + Math.floor(minutes / 60), minutes % 60);
      const capturedMillis = Date.parse(capturedAt);
      let status = part.statuses[i % part.statuses.length]!;
      // Duplicates are merged into an earlier question of the same dialogue.
      let mergedInto: QuestionId | null = null;
      if (status === 'merged') {
        const target = world.questions[firstOfDialogue];
        if (target && target.status !== 'merged') mergedInto = target.id;
        else status = 'received';
      }
      const anonymous = n % 4 === 3;
      const citizen: Citizen = anonymous
        ? { type: 'anonymous' }
        : {
            type: 'named',
            name: NAMES[n % NAMES.length]!,
            locality: HAMLETS[n % HAMLETS.length]!,
            phone: n % 3 === 0 ? `09${String(12345678 + n * 7919).slice(-8)}` : null,
          };
      const variant = n >= TEMPLATES.length ? variantOf(n) : '';
      const question: QuestionRecord = {
        id: id(capturedMillis),
        dialogue: part.d.id,
        letter: recorder.letter,
        counter,
        text: {
          kind: template.kind,
          source: part.source,
          topic: topicId.get(template.topic) ?? null,
          content: variant + template.content,
        },
        citizen,
        captured_by: recorder.device,
        captured_at: capturedAt,
        status,
        merged_into: mergedInto,
        repeat_of: null,
        conflict: false,
      };
      world.questions.push(question);
      history(world, question, status, {
        now,
        calendar,
        id,
        capturedMillis,
        days: part.days,
        agency: agencyByName.get(TOPIC_AGENCY[template.topic])!,
        recorder,
        n,
      });
    }
    made += count;
  }
  addConflicts(world, now);
  addRejected(world, now);
  addRepeats(world);
  addSecondRound(world, now, calendar);
  addChecklists(world, now, id);
  return world;
}

/** The road petition raised at three dialogues in a row, linked as repeats, still not resolved. */
export const REPEATED_PETITION =
  'Đề nghị sửa chữa, nâng cấp tuyến đường liên thôn Đông Hải – Tây Sơn; mùa mưa đường ngập sâu, học sinh và bà con đi lại rất nguy hiểm.';

function addRepeats(world: World): void {
  const [, open, youth, business] = world.dialogues;
  if (!open || !youth || !business) return;
  const pick = (dialogue: string, statuses: QuestionStatus[]) =>
    [...world.questions].reverse().find((q) => q.dialogue === dialogue && statuses.includes(q.status) && !q.conflict && q.merged_into === null && !world.questions.some((o) => o.merged_into === q.id));
  const first = pick(business.id, ['answered', 'resolved']);
  const second = pick(youth.id, ['answered']);
  const third = pick(open.id, ['received']);
  if (!first || !second || !third) return;
  for (const [q, prefix] of [
    [first, ''],
    [second, 'Nhắc lại kiến nghị tại hội nghị trước: '],
    [third, 'Lần thứ ba kiến nghị: '],
  ] as const) {
    q.text = { ...q.text, kind: 'petition', topic: world.topics.find((t) => t.name === 'Giao thông')?.id ?? q.text.topic, content: prefix + REPEATED_PETITION };
  }
  second.repeat_of = first.id;
  third.repeat_of = second.id;
}

/**
 * A petition answered late, reopened by the leader and assigned again: two rounds. The
 * first `reopened` question of the youth dialogue gets its second assignment.
 */
function addSecondRound(world: World, now: Date, calendar: WorkingCalendar): void {
  const youth = world.dialogues[2];
  const q = world.questions.find((x) => x.dialogue === youth?.id && x.status === 'reopened');
  if (!q) return;
  const reopened = world.statusEvents.filter((e) => e.question === q.id && e.to === 'reopened').pop();
  const first = world.assignments.find((a) => a.question === q.id);
  if (!reopened || !first) return;
  // The first round was answered after its due date.
  first.terms = { ...first.terms, due_on: vietnamDay(new Date(Date.parse(first.assigned_at) + 5 * DAY)) };
  const at = Date.parse(reopened.at) + 60_000;
  const today = vietnamDay(now);
  world.assignments.push({
    id: uuidV7(at, nameBytes('round', q.id)),
    question: q.id,
    terms: { agency: first.terms.agency, due_on: calendar.addWorkingDays(today, 6), instructions: 'Trả lời lại, làm rõ thời gian hoàn thành và kinh phí thực hiện.' },
    assigned_by: DEVICES.leader.user,
    assigned_at: new Date(at).toISOString(),
  });
  world.statusEvents.push({
    id: uuidV7(at + 1, nameBytes('round-event', q.id)),
    question: q.id,
    from: 'reopened',
    to: 'assigned',
    actor: DEVICES.leader.user,
    role: 'leader',
    note: '',
    at: new Date(at + 1).toISOString(),
  });
  q.status = 'assigned';
}

/**
 * The preparation checklists: the planned dialogue's, with the plan done, the notice overdue
 * and the rest coming; the open dialogue's, all done but the results.
 */
function addChecklists(world: World, now: Date, id: (millis: number) => string): void {
  const [planned, open] = world.dialogues;
  const today = vietnamDay(now);
  const fresh = () => id(now.getTime() - 50 * DAY);
  if (planned) {
    const heldOn = vietnamDay(planned.details.starts_at);
    const tasks = standardChecklist(planned.id, heldOn, fresh);
    for (const t of tasks) {
      if (t.kind === 'plan') t.done_on = shiftDays(t.due_on, -1);
      // The notice is due a week before; here it is made overdue, as a secretariat would meet it.
      if (t.kind === 'notice') t.due_on = shiftDays(today, -2);
      if (t.kind === 'gather') t.done_on = null;
      if (t.done_on && t.done_on > today) t.done_on = today;
    }
    world.tasks.push(...tasks);
  }
  if (open) {
    const heldOn = vietnamDay(open.details.starts_at);
    const tasks = standardChecklist(open.id, heldOn, fresh);
    for (const t of tasks) if (t.kind !== 'results') t.done_on = t.due_on < today ? t.due_on : today;
    world.tasks.push(...tasks);
  }
}

/** The day `n` working days before `date`, as `between(result, date) == n`. */
function workingDaysBefore(calendar: WorkingCalendar, date: string, n: number): string {
  let day = date;
  let left = n;
  while (left > 0) {
    if (calendar.isWorkingDay(day)) left -= 1;
    day = shiftDays(day, -1);
  }
  return day;
}

function variantOf(n: number): string {
  const variants = ['Tiếp tục kiến nghị: ', 'Cử tri phản ánh thêm: ', 'Ý kiến của nhiều hộ dân: ', 'Nhắc lại ý kiến tại kỳ trước: '];
  return variants[Math.floor(n / TEMPLATES.length) % variants.length]!;
}

interface HistoryContext {
  now: Date;
  calendar: WorkingCalendar;
  id: (millis: number) => string;
  capturedMillis: number;
  days: number;
  agency: Agency;
  recorder: MockDevice;
  n: number;
}

/** The answers, assignments and status events that bring a question to `status`. */
function history(world: World, q: QuestionRecord, status: QuestionStatus, c: HistoryContext): void {
  const { now, id } = c;
  let time = c.capturedMillis;
  let from: QuestionStatus = 'received';
  const step = (to: QuestionStatus, who: MockDevice, note = '', afterDays = 0.02) => {
    time += afterDays * DAY;
    world.statusEvents.push({
      id: id(time),
      question: q.id,
      from,
      to,
      actor: who.user,
      role: who.role,
      note,
      at: new Date(time).toISOString(),
    });
    from = to;
  };
  const onSite = () => {
    world.answers.push({
      id: id(time + 60_000),
      question: q.id,
      body: {
        mode: 'on_site',
        answered_by: ANSWERERS[c.n % ANSWERERS.length]!,
        agency: null,
        content: 'Lãnh đạo xã đã trả lời trực tiếp tại hội nghị: ghi nhận ý kiến, giao bộ phận chuyên môn kiểm tra và thông báo kết quả cho bà con trong tháng tới.',
        document: null,
      },
      recorded_at: new Date(time + 60_000).toISOString(),
    });
    step('answered_on_site', c.recorder, '', 0.001);
  };
  const assign = (overdue: boolean) => {
    step('needs_written_answer', DEVICES.secretariat, 'Cần cơ quan chuyên môn trả lời bằng văn bản.', 1);
    const assignedAt = time + DAY;
    // Overdue ones alternate between escalated (7 working days late) and just late (2); of the
    // others, one in three is due within the reminder window, the rest some weeks ahead.
    const today = vietnamDay(now);
    const due = overdue
      ? workingDaysBefore(c.calendar, today, c.n % 4 === 0 ? 7 + (c.n % 3) : 2)
      : c.n % 3 === 0
        ? c.calendar.addWorkingDays(today, 1)
        : dayOffset(now, 10 + (c.n % 20));
    world.assignments.push({
      id: id(assignedAt),
      question: q.id,
      terms: {
        agency: c.agency.id,
        due_on: due,
        instructions: 'Kiểm tra, trả lời công dân bằng văn bản; báo cáo kết quả về Văn phòng trước hạn.',
      },
      assigned_by: DEVICES.secretariat.user,
      assigned_at: new Date(assignedAt).toISOString(),
    });
    step('assigned', DEVICES.secretariat, '', 1);
  };
  const written = () => {
    time += 12 * DAY;
    world.answers.push({
      id: id(time),
      question: q.id,
      body: {
        mode: 'written',
        answered_by: c.agency.name,
        agency: c.agency.id,
        content: `${c.agency.name} đã kiểm tra thực tế và trả lời: nội dung công dân phản ánh là có cơ sở; đơn vị đã phối hợp với UBND xã xử lý và sẽ hoàn thành trong quý này.`,
        document: { number: `${100 + (c.n % 400)}/${c.agency.short_name.replace(/\s+/g, '')}-VP`, date: vietnamDay(new Date(Math.min(time, now.getTime()))) },
      },
      recorded_at: new Date(time).toISOString(),
    });
    step('answered', DEVICES.agency, '', 0.01);
  };
  switch (status) {
    case 'received':
      return;
    case 'answered_on_site':
      onSite();
      return;
    case 'needs_written_answer':
      step('needs_written_answer', c.recorder, '');
      return;
    case 'assigned':
      assign(c.n % 2 === 0);
      return;
    case 'answered':
      assign(false);
      // Some agencies answer after the due date: 7 days given, answered after 12.
      if (c.n % 4 === 1) lateTerms(world, q.id);
      written();
      return;
    case 'resolved':
      if (c.n % 3 === 0) {
        onSite();
        step('resolved', DEVICES.secretariat, 'Công dân đồng ý với câu trả lời.', 2);
      } else {
        assign(false);
        if (c.n % 4 === 1) lateTerms(world, q.id);
        written();
        step('resolved', DEVICES.leader, 'Đã giải quyết dứt điểm.', 3);
      }
      return;
    case 'reopened':
      assign(false);
      written();
      step('reopened', DEVICES.leader, 'Câu trả lời chưa đúng trọng tâm, đề nghị trả lời lại.', 3);
      return;
    case 'merged':
      step('merged', DEVICES.secretariat, 'Trùng nội dung, gộp vào ý kiến đầu tiên.');
      return;
  }
}

/** Gives a question's last assignment a due date a week after it was made. */
function lateTerms(world: World, question: string): void {
  const a = world.assignments.filter((x) => x.question === question).pop();
  if (a) a.terms = { ...a.terms, due_on: vietnamDay(new Date(Date.parse(a.assigned_at) + 7 * DAY)) };
}

/** Edits made on two devices without seeing each other: kept in history, flagged for review. */
function addConflicts(world: World, now: Date): void {
  const candidates = world.questions.filter((q) => q.status !== 'merged' && q.dialogue === world.dialogues[2]?.id);
  const [first, second, third] = candidates;
  if (first) {
    first.conflict = true;
    world.history.push({
      record_kind: 'question',
      record_id: first.id,
      field_group: 'text',
      value: { ...first.text, content: `${first.text.content} Bà con đề nghị trả lời trước Tết Nguyên đán.` },
      device: DEVICES.recorderA.device,
      reason: 'lost_merge',
      concurrent: true,
    });
  }
  if (second && second.citizen.type === 'named') {
    second.conflict = true;
    world.history.push({
      record_kind: 'question',
      record_id: second.id,
      field_group: 'citizen',
      value: { type: 'named', name: `${second.citizen.name} (con)`, locality: second.citizen.locality, phone: '0987654321' },
      device: DEVICES.secretariat.device,
      reason: 'lost_merge',
      concurrent: true,
    });
  } else if (second) {
    second.conflict = true;
    world.history.push({
      record_kind: 'question',
      record_id: second.id,
      field_group: 'citizen',
      value: { type: 'named', name: 'Nguyễn Thị Hoa', locality: 'Thôn Bình An, xã Bắc Bình', phone: null },
      device: DEVICES.secretariat.device,
      reason: 'lost_merge',
      concurrent: true,
    });
  }
  const answered = candidates.find((q) => q !== first && q !== second && world.answers.some((a) => a.question === q.id));
  const answer = answered && world.answers.find((a) => a.question === answered.id);
  if (answered && answer) {
    answered.conflict = true;
    world.history.push({
      record_kind: 'answer',
      record_id: answer.id,
      field_group: 'body',
      value: { ...answer.body, content: `${answer.body.content} (Bản sửa trên máy khác: bổ sung thời hạn hoàn thành trước ngày 30/6.)` },
      device: DEVICES.recorderC.device,
      reason: 'lost_merge',
      concurrent: true,
    });
  }
  // An ordinary earlier value, not a conflict.
  if (third) {
    world.history.push({
      record_kind: 'question',
      record_id: third.id,
      field_group: 'text',
      value: { ...third.text, content: third.text.content.replace(/\.$/, '') + ' (bản ghi nhanh tại hội nghị).' },
      device: DEVICES.recorderB.device,
      reason: 'superseded',
      concurrent: false,
    });
  }
  void now;
}

/** Mutations the server refused, as the sync screen lists them. */
function addRejected(world: World, now: Date): void {
  const pick = (status: QuestionStatus) => world.questions.find((q) => q.status === status);
  const assigned = pick('assigned');
  const received = pick('received');
  const answered = pick('answered');
  const hlc = { millis: now.getTime() - 3 * 3_600_000, counter: 0 };
  const device = DEVICES.recorderB.device;
  let seq = 40;
  const push = (change: Change, code: string, reason: string) => {
    seq += 3;
    world.rejected.push({
      seq,
      mutation: { id: uuidV7(hlc.millis + seq, nameBytes('mutation', String(seq))), device, hlc: { ...hlc, counter: seq }, ...change },
      code,
      reason,
    });
  };
  if (assigned) {
    push(
      { kind: 'change_status', fields: { event: uuidV7(hlc.millis, nameBytes('event', assigned.id)), question: assigned.id, from: 'assigned', to: 'resolved', note: '', at: new Date(hlc.millis).toISOString() } },
      'status_not_allowed',
      'the question is `assigned` and cannot move to `resolved`; from `assigned` a recorder cannot change it',
    );
  }
  if (received) {
    push(
      { kind: 'edit_question_text', fields: { id: received.id, text: { ...received.text, content: `${received.text.content} (sửa)` }, base: null } },
      'out_of_scope',
      'a recorder may edit a question only on questions captured on their own device',
    );
  }
  if (answered) {
    push(
      { kind: 'add_answer', fields: { id: uuidV7(hlc.millis, nameBytes('answer', answered.id)), question: answered.id, body: { mode: 'on_site', answered_by: '', agency: null, content: 'Đã trả lời', document: null }, recorded_at: new Date(hlc.millis).toISOString() } },
      'invalid',
      'answered_by is required',
    );
  }
}

/** Text that would run script or inject markup if any screen built HTML from citizen text. */
export const XSS_PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=1</script>',
  '"><svg onload="window.__xss=1">',
  "javascript:window.__xss=1",
  '{@html "<b>x</b>"} <b>đậm</b> &amp; &lt;',
  '<iframe src="https://example.invalid"></iframe>',
  // Ones that open a dialog if they ever run: end-to-end tests watch for dialogs.
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
];

/** Puts XSS payloads into every free-text field a citizen or user typed. */
export function preloadXss(world: World): void {
  const payload = (i: number) => XSS_PAYLOADS[i % XSS_PAYLOADS.length]!;
  world.questions.forEach((q, i) => {
    q.text = { ...q.text, content: `${payload(i)} Đường ${payload(i + 1)}` };
    q.citizen = {
      type: 'named',
      name: payload(i + 2),
      locality: payload(i + 3),
      phone: q.citizen.type === 'named' ? q.citizen.phone : null,
    };
  });
  world.answers.forEach((a, i) => {
    a.body = { ...a.body, answered_by: payload(i), content: payload(i + 1) };
  });
  world.assignments.forEach((a, i) => {
    a.terms = { ...a.terms, instructions: payload(i) };
  });
  world.statusEvents.forEach((e, i) => {
    e.note = payload(i);
  });
  world.dialogues.forEach((d, i) => {
    d.details = { ...d.details, title: `${payload(i)} ${d.details.title}`, venue: payload(i + 1) };
  });
  world.history.forEach((h, i) => {
    if (h.field_group === 'text' && typeof h.value === 'object' && h.value !== null) {
      h.value = { ...(h.value as object), content: payload(i) };
    }
  });
}

/** What the kiosk shows, as the content API serves it (ops-center/src/content/schema.ts is the source of truth). */
export interface Center {
  id: string;
  name: string;
  ward: string;
  address: string;
  phone: string;
  hours: string;
}

export type Weekday = 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'CN';
export type TimeOfDay = 'morning' | 'afternoon' | 'evening';

export interface Course {
  id: string;
  title: string;
  summary: string;
  description: string;
  category: string;
  centerId: string;
  ward: string;
  audience: string;
  schedule: { days: Weekday[]; start: string; end: string; startDate: string; sessions: number; timeOfDay: TimeOfDay };
  capacity: number;
  seatsLeft: number;
  feeVnd: number;
  mode: 'in-person' | 'online';
}

export interface Procedure {
  id: string;
  code: string;
  title: string;
  level: string;
  agency: string;
  steps: string[];
  documents: string[];
  fee: string;
  processingTime: string;
  whereToSubmit: string;
  result: string;
}

export type DossierStatus = 'received' | 'processing' | 'needs-documents' | 'ready' | 'returned' | 'rejected';
export interface Dossier {
  code: string;
  procedureTitle: string;
  status: DossierStatus;
  receivedAt: string;
  dueAt: string;
  updatedAt: string;
  note?: string;
}

export interface Catalog {
  centers: Center[];
  courses: Course[];
  procedures: Procedure[];
  /** When the kiosk last got this catalog from the content API (ms since epoch); undefined if never. */
  updatedAt?: number;
  /** True when the last sync failed and this is the last good snapshot. */
  stale: boolean;
}

export interface EnrolmentInput {
  courseId: string;
  fullName: string;
  phone: string;
  dateOfBirth?: string;
  cccdNumber?: string;
  consent: true;
}
export interface FeedbackInput {
  topic: 'course' | 'procedure' | 'kiosk' | 'other';
  message: string;
  contact?: string;
}
export interface RatingInput {
  dossierCode: string;
  score: number;
  comment?: string;
}
/** One citizen session, queued when it ends: how many searches were made, never what was searched. */
export interface SessionInput {
  searches: number;
}
/** The most searches one session record may carry (the content API's limit). */
export const MAX_SESSION_SEARCHES = 10_000;
export type Submission =
  | { kind: 'enrolment'; key: string; data: EnrolmentInput }
  | { kind: 'feedback'; key: string; data: FeedbackInput }
  | { kind: 'rating'; key: string; data: RatingInput }
  | { kind: 'session'; key: string; data: SessionInput };

import { z } from 'zod';

/** The kiosk content contract (issue #7). Kiosks validate what they receive against their own copy. */
export const WEEKDAYS = ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'] as const;

const nfc = (field: string) =>
  z
    .string()
    .trim()
    .min(1, `${field} is empty`)
    .refine((value) => value === value.normalize('NFC'), `${field} must be Unicode NFC`);
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lower-case id');

export const centerSchema = z.object({
  id,
  name: nfc('name'),
  ward: nfc('ward'),
  address: nfc('address'),
  phone: z.string().regex(/^[0-9 .+]{8,16}$/),
  hours: nfc('hours'),
});

export const courseSchema = z.object({
  id,
  title: nfc('title'),
  summary: nfc('summary'),
  description: nfc('description'),
  category: nfc('category'),
  centerId: id,
  ward: nfc('ward'),
  audience: nfc('audience'),
  schedule: z.object({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    start: z.string().regex(/^\d{2}:\d{2}$/),
    end: z.string().regex(/^\d{2}:\d{2}$/),
    startDate: z.iso.date(),
    sessions: z.number().int().positive(),
    timeOfDay: z.enum(['morning', 'afternoon', 'evening']),
  }),
  capacity: z.number().int().positive(),
  seatsLeft: z.number().int().nonnegative(),
  feeVnd: z.number().int().nonnegative(),
  mode: z.enum(['in-person', 'online']),
});

export const procedureSchema = z.object({
  id,
  code: z.string().regex(/^\d\.\d{6}$/),
  title: nfc('title'),
  level: z.enum(['Cấp xã', 'Cấp tỉnh']),
  agency: nfc('agency'),
  steps: z.array(nfc('step')).min(1),
  documents: z.array(nfc('document')).min(1),
  fee: nfc('fee'),
  processingTime: nfc('processingTime'),
  whereToSubmit: nfc('whereToSubmit'),
  result: nfc('result'),
});

export const DOSSIER_STATUSES = ['received', 'processing', 'needs-documents', 'ready', 'returned', 'rejected'] as const;
export const dossierSchema = z.object({
  code: z.string().min(1),
  procedureTitle: nfc('procedureTitle'),
  status: z.enum(DOSSIER_STATUSES),
  receivedAt: z.iso.date(),
  dueAt: z.iso.date(),
  updatedAt: z.iso.date(),
  note: z.string().optional(),
});

const key = z.string().regex(/^[A-Za-z0-9_-]{8,80}$/, 'key must be 8–80 letters, digits, - or _');
export const enrolmentSchema = z.object({
  key,
  courseId: id,
  fullName: nfc('fullName').max(100),
  dateOfBirth: z.iso.date().optional(),
  phone: z.string().regex(/^0\d{9,10}$/, 'phone must be a Vietnamese number of 10–11 digits starting with 0'),
  cccdNumber: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  consent: z.literal(true, 'consent to the use of personal data is required'),
  kiosk: id.optional(),
  createdAt: z.number().int().positive(),
});
export const feedbackSchema = z.object({
  key,
  topic: z.enum(['course', 'procedure', 'kiosk', 'other']),
  message: nfc('message').max(2000),
  contact: z.string().max(100).optional(),
  kiosk: id.optional(),
  createdAt: z.number().int().positive(),
});
export const ratingSchema = z.object({
  key,
  dossierCode: z.string().min(1).max(60),
  score: z.number().int().min(1).max(5),
  comment: z.string().max(1000).optional(),
  kiosk: id.optional(),
  createdAt: z.number().int().positive(),
});

/** One citizen's use of the kiosk, sent when it ends: how many searches, never what was searched. */
export const sessionSchema = z.object({
  key,
  searches: z.number().int().min(0).max(10_000),
  kiosk: id.optional(),
  /** The kiosk's time for the record (its outbox stamps it when the session ends and is queued). */
  createdAt: z.number().int().positive(),
});

export const intakeSchemas = {
  enrolment: enrolmentSchema,
  feedback: feedbackSchema,
  rating: ratingSchema,
  session: sessionSchema,
} as const;
export type IntakeKind = keyof typeof intakeSchemas;
export type IntakePayload = z.infer<(typeof intakeSchemas)[IntakeKind]>;

export type Center = z.infer<typeof centerSchema>;
export type Course = z.infer<typeof courseSchema>;
export type Procedure = z.infer<typeof procedureSchema>;
export type Dossier = z.infer<typeof dossierSchema>;
export type DossierStatus = (typeof DOSSIER_STATUSES)[number];

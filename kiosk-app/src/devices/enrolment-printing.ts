import type { KioskBackend } from '../main/ipc.js';
import type { Catalog, Course, EnrolmentInput } from '../shared/content.js';
import type { TextEncoding } from './escpos.js';
import { type EnrolmentReceipt, enrolmentReceipt } from './receipt.js';
import type { PrinterError } from './receipt-printer.js';

export interface ReceiptSink {
  print(job: Buffer): Promise<unknown>;
}

export interface EnrolmentPrintingOptions {
  printer: ReceiptSink;
  encoding: TextEncoding;
  /** A printer problem: logged for the technician, and told to the citizen where the renderer supports it. */
  onProblem(error: PrinterError | Error): void;
  now?: () => number;
}

/** "28/11/2026 14:05" in Việt Nam time (UTC+7, no daylight saving). */
export function vietnamTime(ms: number): string {
  const local = new Date(ms + 7 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

function schedule(course: Course): string {
  const [year, month, day] = course.schedule.startDate.split('-');
  const start = year && month && day ? ` · khai giảng ${day}/${month}/${year}` : '';
  return `${course.schedule.days.join(', ')} · ${course.schedule.start}–${course.schedule.end}${start}`;
}

export function receiptFor(catalog: Catalog, data: EnrolmentInput, key: string, now: number): EnrolmentReceipt | undefined {
  const course = catalog.courses.find((candidate) => candidate.id === data.courseId);
  const center = course && catalog.centers.find((candidate) => candidate.id === course.centerId);
  if (!course || !center) return undefined;
  return {
    centerName: center.name,
    centerAddress: center.address,
    centerPhone: center.phone,
    courseTitle: course.title,
    schedule: schedule(course),
    fullName: data.fullName,
    receiptCode: key,
    issuedAt: vietnamTime(now),
  };
}

/**
 * Prints the enrolment confirmation once the enrolment is safely in the outbox. Printing never changes the
 * answer to the citizen's submission: an empty or unplugged printer is reported through `onProblem`, and the
 * enrolment stands.
 */
export function withEnrolmentPrinting(backend: KioskBackend, options: EnrolmentPrintingOptions): KioskBackend {
  const { now = Date.now } = options;
  return {
    ...backend,
    submit: async (submission) => {
      const result = await backend.submit(submission);
      if (result.ok && submission.kind === 'enrolment') {
        try {
          const receipt = receiptFor(await backend.catalog(), submission.data, submission.key, now());
          if (!receipt) throw new Error(`course ${submission.data.courseId} is not in the catalog; no receipt printed`);
          await options.printer.print(enrolmentReceipt(receipt, options.encoding));
        } catch (error) {
          options.onProblem(error as Error);
        }
      }
      return result;
    },
  };
}

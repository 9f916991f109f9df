import type { Catalog, Course, EnrolmentInput, Submission } from '../shared/content.js';
import type { ReceiptOutcome } from '../shared/kiosk-api.js';
import type { TextEncoding } from './escpos.js';
import { type EnrolmentReceipt, enrolmentReceipt } from './receipt.js';
import { PrinterError } from './receipt-printer.js';

export interface ReceiptSink {
  print(job: Buffer): Promise<unknown>;
}

export interface EnrolmentPrintingOptions {
  printer: ReceiptSink;
  encoding: TextEncoding;
  /** A printer problem, for the technician (the citizen is told through the outcome). */
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
 * Prints the enrolment confirmation once the enrolment is safely in the outbox, and tells the caller whether it
 * came out. Printing never changes the answer to the citizen's submission: an empty or unplugged printer is
 * reported through `onProblem` (the technician) and the outcome (the citizen), and the enrolment stands. The
 * last job is kept until the session ends so it can be printed again once the paper is refilled.
 */
export class EnrolmentPrinting {
  private last: { key: string; job: Buffer; printed: boolean } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: EnrolmentPrintingOptions) {
    this.now = options.now ?? Date.now;
  }

  async print(catalog: Catalog, submission: Extract<Submission, { kind: 'enrolment' }>): Promise<ReceiptOutcome> {
    // A retry of the same submission (same key) must not print a second receipt.
    if (this.last?.key === submission.key && this.last.printed) return { printed: true };
    const receipt = receiptFor(catalog, submission.data, submission.key, this.now());
    if (!receipt) {
      this.last = undefined;
      return this.failed(new Error(`course ${submission.data.courseId} is not in the catalog; no receipt printed`));
    }
    this.last = { key: submission.key, job: enrolmentReceipt(receipt, this.options.encoding), printed: false };
    return this.send(this.last);
  }

  /** Prints the last receipt again; only the key of this session's last enrolment is known. */
  async reprint(key: string): Promise<ReceiptOutcome> {
    if (this.last?.key !== key) return this.failed(new Error('reprint asked for a receipt this session did not print'));
    return this.send(this.last);
  }

  /** The session ended: the receipt (with the citizen's name) is dropped. */
  forget(): void {
    this.last = undefined;
  }

  private async send(last: { job: Buffer; printed: boolean }): Promise<ReceiptOutcome> {
    try {
      await this.options.printer.print(last.job);
      last.printed = true;
      return { printed: true };
    } catch (error) {
      return this.failed(error as Error);
    }
  }

  private failed(error: PrinterError | Error): ReceiptOutcome {
    this.options.onProblem(error);
    return { printed: false, problem: error instanceof PrinterError ? error.problem : 'failed' };
  }
}

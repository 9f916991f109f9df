import { isoDate, parseDdMmYyyy } from './dates.js';

/** What the QR on a chip-based citizen ID card (CCCD) says. Dates are ISO `YYYY-MM-DD`. */
export interface CccdData {
  number: string;
  oldIdNumber?: string;
  fullName: string;
  dateOfBirth: string;
  sex: 'Nam' | 'Nữ';
  address?: string;
  issueDate?: string;
}

export type CccdProblem = 'not-cccd' | 'number' | 'date-of-birth' | 'sex' | 'name' | 'issue-date';

export class CccdError extends Error {
  constructor(
    readonly problem: CccdProblem,
    message: string,
  ) {
    super(message);
    this.name = 'CccdError';
  }
}

/**
 * Parses a CCCD QR (vectors README, "Citizen ID card"): `number|old CMND|full name|DDMMYYYY|Nam/Nữ|address|issue
 * date`, no labels. Tolerant of trailing empty fields and of the short variant without the old CMND field;
 * strict on the number (12 digits whose 4th digit encodes sex and century and whose 5th–6th digits are the birth
 * year, Thông tư 59/2021/TT-BCA) and on dates (real calendar dates, not in the future, issued after birth).
 */
export function parseCccdQr(raw: string, now = new Date()): CccdData {
  const fields = raw.normalize('NFC').trim().split('|');
  while (fields.length > 0 && fields.at(-1)!.trim() === '') fields.pop();
  if (fields.length < 5 || !/^\d+$/.test(fields[0]!.trim())) throw new CccdError('not-cccd', 'not a CCCD QR code');
  // The full form has the old CMND (9 digits or empty) second; the short variant goes straight to the name.
  const hasOldId = /^(\d{9})?$/.test(fields[1]!.trim());
  const [number, oldId, fullName, dob, sex, address, issued] = (hasOldId ? fields : [fields[0]!, '', ...fields.slice(1)]).map((field) =>
    field.trim(),
  ) as [string, string, string, string, string, string | undefined, string | undefined];
  if (!/^\d{12}$/.test(number)) throw new CccdError('number', `CCCD number must be 12 digits, got ${number.length}`);
  const birth = parseDdMmYyyy(dob);
  if (!birth || Date.UTC(birth.year, birth.month - 1, birth.day) > now.getTime() || birth.year < 1900)
    throw new CccdError('date-of-birth', `date of birth "${dob}" is not a real past date (DDMMYYYY)`);
  if (sex !== 'Nam' && sex !== 'Nữ') throw new CccdError('sex', `sex must be "Nam" or "Nữ", got "${sex}"`);
  const code = Number(number[3]);
  const expectedCode = (birth.year >= 2000 ? 2 : 0) + (sex === 'Nữ' ? 1 : 0) + (birth.year >= 2100 ? 2 : 0);
  if (birth.year < 2100 && code !== expectedCode)
    throw new CccdError('number', 'CCCD number does not match the sex and century of birth on the card');
  if (number.slice(4, 6) !== String(birth.year % 100).padStart(2, '0'))
    throw new CccdError('number', 'CCCD number does not match the year of birth on the card');
  if (fullName.length === 0 || /\d/.test(fullName)) throw new CccdError('name', 'full name is missing or has digits');
  const data: CccdData = { number, fullName, dateOfBirth: isoDate(birth), sex };
  if (oldId) data.oldIdNumber = oldId;
  if (address) data.address = address;
  if (issued) {
    const issue = parseDdMmYyyy(issued);
    if (!issue || Date.UTC(issue.year, issue.month - 1, issue.day) > now.getTime() || isoDate(issue) < data.dateOfBirth)
      throw new CccdError('issue-date', `issue date "${issued}" is not a real date between birth and today`);
    data.issueDate = isoDate(issue);
  }
  return data;
}

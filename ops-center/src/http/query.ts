import { isValidId } from '@lophoc/protocol';

/** A 400 whose message names the parameter; the error handler sends it as `{error}`. */
export class BadRequest extends Error {
  readonly statusCode = 400;
}

export function idParam(value: unknown, field: string, optional: true): string | undefined;
export function idParam(value: unknown, field: string, optional?: false): string;
export function idParam(value: unknown, field: string, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (!isValidId(value)) throw new BadRequest(`query parameter "${field}" must be a valid id`);
  return value;
}

export function timeParam(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new BadRequest(`query parameter "${field}" must be ms since epoch`);
  return number;
}

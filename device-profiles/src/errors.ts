/**
 * Why a profile was refused, and where: `file:line:column: field: reason` on one line, as compilers print it,
 * so editors and CI logs link straight to the spot. Line and column count from 1.
 */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** Dotted path of the offending field, e.g. `readings.0.modbus.scale`; '' for the whole document. */
    readonly field: string,
    /** The reason alone, without the location. */
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

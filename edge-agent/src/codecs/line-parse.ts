import type { LineParse } from '@lophoc/device-profiles';

/** Profiles are few and fixed; a device may send thousands of lines a second, so each regex is compiled once. */
const regexes = new Map<string, RegExp>();
function compiled(source: string): RegExp {
  let regex = regexes.get(source);
  if (!regex) {
    regex = new RegExp(source);
    regexes.set(source, regex);
  }
  return regex;
}

/**
 * The raw value in a reply (profile `parse`): the regex's one capture group, or the text after `KEY=`
 * (`keyValue: LAMP` reads 1234 from `LAMP=1234`). Undefined when the reply does not carry it.
 */
export function extractLineValue(reply: string, parse: LineParse): string | undefined {
  if ('regex' in parse) return compiled(parse.regex).exec(reply)?.[1];
  for (const line of reply.split(/[\r\n]+/)) {
    const at = line.indexOf(`${parse.keyValue}=`);
    if (at >= 0 && (at === 0 || !/[A-Za-z0-9_]/.test(line[at - 1]!))) {
      return line.slice(at + parse.keyValue.length + 1).trim();
    }
  }
  return undefined;
}

/**
 * A reading's number: through the value map when the profile gives one (enumerations), else a decimal number.
 * Undefined for anything else: a reply like `ERR` never becomes a reading.
 */
export function toReadingValue(raw: string, map?: Record<string, number>): number | undefined {
  if (map) return Object.hasOwn(map, raw) ? map[raw] : undefined;
  if (!/^[+-]?\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  return Number.parseFloat(raw);
}

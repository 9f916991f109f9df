import type { z } from 'zod';
import { fieldWidth, HEX_BYTES_PATTERN, isFrameParse, isLineParse, isTextField, placeholders } from './fields.js';
import type { CodecKind, Command, FrameParse, Parse, Profile, ProfileEvent, Reading, Transport } from './schema.js';

type Ctx = z.RefinementCtx<Profile>;
type Path = (string | number)[];

/** Which transports each codec runs over. */
const TRANSPORTS: Record<CodecKind, (keyof Transport)[]> = {
  'modbus-rtu': ['serial'],
  'modbus-tcp': ['tcp'],
  line: ['serial', 'tcp', 'udp'],
  frame: ['serial', 'tcp', 'udp'],
  'hid-keyboard': ['hid'],
};

/**
 * The rules that join fields: the shapes in schema.ts cannot say that a reading's source must fit the codec.
 * Runs after the shapes pass, although a failed refinement inside (e.g. two transports) still lets it run,
 * so nothing here assumes more than the types.
 */
export function checkProfile(profile: Profile, ctx: Ctx): void {
  const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  checkTransport(profile, issue);
  for (const [i, reading] of profile.readings.entries()) checkReading(profile, reading, ['readings', i], issue);
  for (const [i, event] of profile.events.entries()) checkEvent(profile, event, ['events', i], issue);
  for (const [i, command] of profile.commands.entries()) checkCommand(profile, command, ['commands', i], issue);
  for (const list of ['readings', 'events', 'commands'] as const) {
    checkUnique(profile[list], list, issue);
  }
  if (profile.readings.length + profile.events.length + profile.commands.length === 0) {
    issue([], 'a profile needs at least one reading, event or command');
  }
}

type Issue = (path: Path, message: string) => void;

function checkTransport(profile: Profile, issue: Issue): void {
  const allowed = TRANSPORTS[profile.codec.kind];
  const given = Object.keys(profile.transport) as (keyof Transport)[];
  if (given.length === 1 && !allowed.includes(given[0]!)) {
    const names = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
    issue(['transport', given[0]!], `the ${profile.codec.kind} codec runs over ${names}, not ${given[0]}`);
  }
}

function checkReading(profile: Profile, reading: Reading, at: Path, issue: Issue): void {
  const kind = profile.codec.kind;
  const named = `reading "${reading.name}"`;
  if (kind === 'hid-keyboard') {
    issue(at, `${named}: a hid-keyboard device only types, so it has events, not readings`);
    return;
  }
  if (kind === 'modbus-rtu' || kind === 'modbus-tcp') {
    if (!reading.modbus) issue([...at, 'modbus'], `${named}: a ${kind} reading needs modbus: {function, address}`);
    for (const key of ['request', 'parse', 'map'] as const) {
      if (reading[key] !== undefined) issue([...at, key], `${named}: a ${kind} reading takes its value from modbus, not ${key}`);
    }
    return;
  }
  if (reading.modbus) issue([...at, 'modbus'], `${named} reads Modbus registers, but the codec is ${kind}`);
  if (reading.request === undefined) {
    // A line reading without a request is streamed: the device sends it unasked and its parse selects the lines.
    if (kind === 'frame') issue([...at, 'request'], `${named}: a frame reading needs a request (streamed readings are for line codecs)`);
    else if (reading.jitterMs !== undefined) {
      issue([...at, 'jitterMs'], `${named} has no request, so it is streamed, not polled: jitterMs does not apply`);
    }
  } else if (kind === 'frame') checkHex(reading.request, [...at, 'request'], issue);
  if (kind === 'frame' && reading.map) issue([...at, 'map'], `${named}: map is for line readings`);
  if (!reading.parse) {
    issue([...at, 'parse'], `${named}: a ${kind} reading needs parse`);
    return;
  }
  checkParse(profile, reading.parse, [...at, 'parse'], named, issue);
  if (isFrameParse(reading.parse) && isTextField(reading.parse)) {
    issue([...at, 'parse', 'type'], `${named}: a reading is a number; ${reading.parse.type} fields are for events`);
  }
}

function checkEvent(profile: Profile, event: ProfileEvent, at: Path, issue: Issue): void {
  const kind = profile.codec.kind;
  if (kind === 'modbus-rtu' || kind === 'modbus-tcp') {
    issue(at, `event "${event.name}": a ${kind} device only answers polls, so it has readings, not events`);
    return;
  }
  if (event.parse) checkParse(profile, event.parse, [...at, 'parse'], `event "${event.name}"`, issue);
}

/** A parse must fit the codec: regex/keyValue for text, a byte field inside the frame for frames. */
function checkParse(profile: Profile, parse: Parse, at: Path, named: string, issue: Issue): void {
  const codec = profile.codec;
  if (codec.kind === 'frame') {
    if (!isFrameParse(parse)) issue(at, `${named}: a frame is parsed with {byteOffset, type}, not ${Object.keys(parse).join(', ')}`);
    else checkFrameField(parse, codec.length, at, issue);
  } else if (!isLineParse(parse)) {
    issue(at, `${named}: a ${codec.kind} value is parsed with regex or keyValue, not byteOffset`);
  }
}

function checkFrameField(parse: FrameParse, frameLength: number | undefined, at: Path, issue: Issue): void {
  const width = fieldWidth(parse);
  if (frameLength !== undefined && width !== undefined && parse.byteOffset + width > frameLength) {
    issue([...at, 'byteOffset'], `a ${width}-byte field at ${parse.byteOffset} runs past the end of a ${frameLength}-byte frame`);
  }
}

function checkCommand(profile: Profile, command: Command, at: Path, issue: Issue): void {
  const kind = profile.codec.kind;
  const named = `command "${command.name}"`;
  const params = Object.keys(command.params);
  if (kind === 'hid-keyboard') {
    issue(at, `${named}: a hid-keyboard device cannot be sent commands`);
    return;
  }
  if (kind === 'modbus-rtu' || kind === 'modbus-tcp') {
    if (typeof command.request === 'string') {
      issue([...at, 'request'], `${named}: a ${kind} command request is a write: {function, address}`);
    } else if (command.request.value === undefined && params.length !== 1) {
      issue([...at, 'params'], `${named}: a write without a fixed value takes exactly one parameter, found ${params.length}`);
    } else if (command.request.value !== undefined && params.length > 0) {
      issue([...at, 'params'], `${named}: a write of a fixed value takes no parameters`);
    }
    return;
  }
  if (typeof command.request !== 'string') {
    issue(
      [...at, 'request'],
      `${named}: a ${kind} command request is ${kind === 'frame' ? 'hex bytes' : 'a text template'}, not a Modbus write`,
    );
    return;
  }
  if (kind === 'frame') {
    checkHex(command.request, [...at, 'request'], issue);
    if (params.length > 0) issue([...at, 'params'], `${named}: frame requests are fixed bytes, so frame commands take no parameters`);
    return;
  }
  const used = placeholders(command.request);
  for (const name of used) {
    if (!command.params[name]) issue([...at, 'request'], `${named}: {${name}} is not one of its params`);
  }
  for (const name of params) {
    if (!used.includes(name)) issue([...at, 'params', name], `${named}: parameter ${name} is not used in the request`);
  }
}

function checkHex(request: string, at: Path, issue: Issue): void {
  if (!HEX_BYTES_PATTERN.test(request)) issue(at, 'a frame request must be hex bytes, e.g. "FF 01 86 00 00 00 00 00 79"');
}

function checkUnique(items: readonly { name: string }[], list: string, issue: Issue): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) issue([list, i, 'name'], `duplicate ${list.slice(0, -1)} name "${item.name}"`);
    seen.add(item.name);
  });
}

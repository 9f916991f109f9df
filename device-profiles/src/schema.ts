import { z } from 'zod';
import { checkProfile } from './checks.js';
import { binaryWidth, FRAME_NUMBER_TYPES, FRAME_TEXT_TYPES, HEX_BYTES_PATTERN } from './fields.js';

// Descriptions (`.describe`) end up in profile.schema.json, where editors show them on hover.

/** A profile id also names its file (`profiles/<id>.yaml`); same shape as the ids of DESIGN §3. */
export const PROFILE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Same as the protocol's reading names, so a reading is exposed in the birth message unchanged. */
export const READING_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
/** Command and event names; a subset of the protocol's event types. */
export const COMMAND_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export const CATEGORIES = ['sensor', 'card-reader', 'scanner', 'projector', 'display', 'printer', 'other'] as const;
export const MODBUS_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32'] as const;

const hexBytes = z.string().regex(HEX_BYTES_PATTERN, 'must be hex bytes, e.g. "02" or "FF 01 86"');
const hex16 = z.string().regex(/^[0-9A-Fa-f]{4}$/, 'must be 4 hex digits, e.g. "1a86"');
const u16 = z.number().int().min(0).max(0xffff);
const ipPort = z.number().int().min(1).max(0xffff);
const byteIndex = z.number().int().min(0).max(4095);
const text = (max: number) => z.string().min(1).max(max);
const regexSource = (groups?: number) =>
  z
    .string()
    .min(1)
    .superRefine((source, ctx) => {
      try {
        new RegExp(source);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(error as Error).message}` });
        return;
      }
      // Alternating with the empty pattern makes the regex match '', so exec() lists every group.
      const found = new RegExp(`(?:${source})|`).exec('')!.length - 1;
      if (groups !== undefined && found !== groups) {
        ctx.addIssue({ code: 'custom', message: `must have exactly ${groups} capture group, found ${found}` });
      }
    });

// ── transport ─────────────────────────────────────────────────────────────────────────────────────

export const serialTransportSchema = z.strictObject({
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.literal([5, 6, 7, 8]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.literal([1, 2]).default(1),
  rs485: z.boolean().optional().describe('The device sits on an RS-485 bus: half-duplex, and several devices may share the port.'),
});
export const hidTransportSchema = z.strictObject({ usagePage: u16.optional(), usage: u16.optional() });

const TRANSPORT_KINDS = ['serial', 'tcp', 'udp', 'hid'] as const;
export const transportSchema = z
  .strictObject({
    serial: serialTransportSchema.optional(),
    tcp: z.strictObject({ port: ipPort }).optional(),
    udp: z.strictObject({ port: ipPort }).optional(),
    hid: hidTransportSchema.optional(),
  })
  .refine(
    (transport) => TRANSPORT_KINDS.filter((kind) => transport[kind]).length === 1,
    `give exactly one of ${TRANSPORT_KINDS.join(', ')}`,
  )
  .meta({ minProperties: 1, maxProperties: 1, description: 'How the device is reached: exactly one of serial, tcp, udp, hid.' });

// ── codec ─────────────────────────────────────────────────────────────────────────────────────────

const modbusCodecFields = {
  // 1-247 are the spec's unicast addresses; 0 is broadcast, and some devices answer a reserved one (Senseair S8: 0xFE).
  unitId: z.number().int().min(0).max(255).default(1).describe('Modbus slave address; an instance may override it.'),
  timeoutMs: z.number().int().positive().default(1000),
  retries: z.number().int().min(0).max(10).default(2),
  interFrameMs: z.number().nonnegative().optional().describe('Silence kept between frames, beyond the 3.5 characters RTU requires.'),
};
export const modbusRtuCodecSchema = z.strictObject({ kind: z.literal('modbus-rtu'), ...modbusCodecFields });
export const modbusTcpCodecSchema = z.strictObject({ kind: z.literal('modbus-tcp'), ...modbusCodecFields });

export const lineCodecSchema = z.strictObject({
  kind: z.literal('line'),
  terminator: z.string().min(1).describe('Ends each line the device sends, e.g. "\\r". Requests carry their own terminator.'),
  encoding: z.enum(['ascii', 'utf8', 'latin1']).default('ascii'),
  prompt: z.string().min(1).optional().describe('Sent when the device is ready for the next command and ends each reply (Epson: ":").'),
  maxLength: z.number().int().positive().max(65536).default(256).describe('Longest line accepted, in bytes; longer input is dropped.'),
  auth: z
    .enum(['pjlink'])
    .optional()
    .describe(
      'pjlink: the device greets each connection with "PJLINK 0" or "PJLINK 1 <random>"; with 1, the first command carries MD5(random + password).',
    ),
});

export const checksumSchema = z
  .strictObject({
    kind: z.enum(['none', 'xor', 'sum', 'twos-complement', 'crc16-modbus']),
    encoding: z
      .enum(['binary', 'ascii-hex'])
      .default('binary')
      .describe('ascii-hex: the covered bytes are hex characters, decoded in pairs first, and the checksum is written in hex.'),
    over: z
      .strictObject({ from: byteIndex, to: byteIndex })
      .optional()
      .describe('Inclusive byte offsets covered; the checksum follows the last covered byte.'),
  })
  .superRefine((checksum, ctx) => {
    if (checksum.kind !== 'none' && !checksum.over)
      ctx.addIssue({ code: 'custom', message: `${checksum.kind} checksums need over: {from, to}` });
    if (checksum.over && checksum.over.from > checksum.over.to) {
      ctx.addIssue({ code: 'custom', path: ['over', 'to'], message: 'must not be before from' });
    }
  });

export const frameCodecSchema = z
  .strictObject({
    kind: z.literal('frame'),
    start: hexBytes.describe('The bytes a frame starts with, e.g. "02".'),
    end: hexBytes.optional().describe('The bytes a frame ends with, e.g. "03".'),
    length: z.number().int().min(2).max(4096).optional().describe('Fixed total length in bytes, start and end included.'),
    checksum: checksumSchema.optional(),
  })
  .superRefine((frame, ctx) => {
    if (frame.end === undefined && frame.length === undefined)
      ctx.addIssue({ code: 'custom', message: 'a frame needs an end, a length or both' });
    const checksum = frame.checksum;
    const over = checksum?.over;
    if (over && frame.length !== undefined && over.to >= frame.length) {
      ctx.addIssue({ code: 'custom', path: ['checksum', 'over', 'to'], message: `is past the end of a ${frame.length}-byte frame` });
    } else if (checksum && over && checksum.kind !== 'none') {
      // The checksum value follows the covered bytes and must still fit before the end bytes.
      const width = (checksum.kind === 'crc16-modbus' ? 2 : 1) * (checksum.encoding === 'ascii-hex' ? 2 : 1);
      const endBytes = frame.end === undefined ? 0 : frame.end.replaceAll(' ', '').length / 2;
      if (frame.length !== undefined && over.to + 1 + width + endBytes > frame.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['checksum', 'over', 'to'],
          message: `leaves no room for the ${width}-byte ${checksum.kind} value${endBytes ? ' and the end bytes' : ''} in a ${frame.length}-byte frame`,
        });
      }
      if (checksum.encoding === 'ascii-hex' && (over.to - over.from + 1) % 2 !== 0) {
        ctx.addIssue({ code: 'custom', path: ['checksum', 'over'], message: 'ascii-hex checksums cover an even number of hex characters' });
      }
    }
    const startBytes = frame.start.replaceAll(' ', '').length / 2;
    const endBytes = frame.end === undefined ? 0 : frame.end.replaceAll(' ', '').length / 2;
    if (frame.length !== undefined && startBytes + endBytes > frame.length) {
      ctx.addIssue({ code: 'custom', path: ['length'], message: `is shorter than the start and end bytes (${startBytes + endBytes})` });
    }
  });

export const hidKeyboardCodecSchema = z.strictObject({
  kind: z.literal('hid-keyboard'),
  terminator: z.enum(['enter', 'tab', 'none']).default('enter').describe('The key the reader types after each scan.'),
  burstGapMs: z
    .number()
    .int()
    .positive()
    .default(50)
    .describe('A longer pause between keystrokes ends a scan; readers type far faster than people.'),
  debounceMs: z
    .number()
    .int()
    .nonnegative()
    .default(1000)
    .describe('The same value again within this window counts once (readers repeat while a card is held).'),
});

export const codecSchema = z.discriminatedUnion('kind', [
  modbusRtuCodecSchema,
  modbusTcpCodecSchema,
  lineCodecSchema,
  frameCodecSchema,
  hidKeyboardCodecSchema,
]);

// ── how a value is read ───────────────────────────────────────────────────────────────────────────

export const modbusSourceSchema = z
  .strictObject({
    function: z
      .enum(['input', 'holding', 'coil', 'discrete'])
      .describe('Register table: input (fn 04), holding (03), coil (01), discrete (02).'),
    address: u16.describe('Register address as sent on the wire, from 0.'),
    type: z.enum(MODBUS_TYPES).default('uint16'),
    scale: z.number().default(1).describe('value = raw × scale + offset'),
    offset: z.number().default(0),
    wordOrder: z
      .enum(['big', 'little'])
      .default('big')
      .describe('Order of the two words of a 32-bit value; bytes inside a word are always big-endian (Modbus §4.2).'),
  })
  .superRefine((source, ctx) => {
    const wide = source.type !== 'int16' && source.type !== 'uint16';
    if (wide && (source.function === 'coil' || source.function === 'discrete')) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `a ${source.function} is one bit; use int16 or uint16` });
    } else if (wide && source.address === 0xffff) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `${source.type} values need two registers; 65535 is the last` });
    }
  });

export const lineRegexParseSchema = z.strictObject({
  regex: regexSource(1).describe('JavaScript regular expression with one capture group: the value, e.g. "PWR=(\\d\\d)".'),
});
export const lineKeyValueParseSchema = z.strictObject({
  keyValue: text(64).describe('Take the value after "<key>=" in the reply, e.g. keyValue: LAMP for "LAMP=1234".'),
});

export const frameParseSchema = z
  .strictObject({
    byteOffset: byteIndex.describe('Where the field starts in the frame, counting the start byte as 0.'),
    type: z.enum([...FRAME_NUMBER_TYPES, ...FRAME_TEXT_TYPES]),
    length: z.number().int().positive().max(4096).optional().describe('Bytes the field spans: needed for ascii-*, ascii and hex.'),
    scale: z.number().default(1).describe('value = raw × scale + offset (numeric types)'),
    offset: z.number().default(0),
  })
  .superRefine((parse, ctx) => {
    const width = binaryWidth(parse.type);
    if (width === undefined && parse.length === undefined) ctx.addIssue({ code: 'custom', message: `${parse.type} fields need a length` });
    if (width !== undefined && parse.length !== undefined && parse.length !== width) {
      ctx.addIssue({ code: 'custom', path: ['length'], message: `${parse.type} fields are ${width} byte${width > 1 ? 's' : ''} long` });
    }
  });

/** line and hid-keyboard codecs use regex or keyValue; frame codecs a byte field. checks.ts matches it to the codec. */
export const parseSchema = z.union([lineRegexParseSchema, lineKeyValueParseSchema, frameParseSchema]);

// ── readings, events, commands ────────────────────────────────────────────────────────────────────

export const readingSchema = z
  .strictObject({
    name: z.string().regex(READING_NAME_PATTERN, 'must be snake_case, starting with a letter'),
    unit: text(16).optional(),
    description: text(200).optional(),
    intervalMs: z.number().int().min(100).default(5000).describe('How often to poll (polled readings only).'),
    jitterMs: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Random delay added to each poll, so devices on one bus do not all ask at once.'),
    modbus: modbusSourceSchema.optional().describe('modbus codecs: the registers to read.'),
    request: z
      .string()
      .min(1)
      .optional()
      .describe(
        'line codecs: the text to send, terminator included (e.g. "PWR?\\r"), or none for a value the device sends by itself (a streamed reading: lines its parse matches); frame codecs: the whole frame as hex bytes.',
      ),
    parse: parseSchema.optional().describe('line codecs: {regex} or {keyValue}; frame codecs: {byteOffset, type}.'),
    map: z.record(z.string(), z.number()).optional().describe('line codecs: raw text → number, for enumerations.'),
  })
  .superRefine((reading, ctx) => {
    if (reading.jitterMs !== undefined && reading.jitterMs >= reading.intervalMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['jitterMs'],
        message: `must be below intervalMs (${reading.intervalMs}): jitter spreads polls, it cannot exceed their period`,
      });
    }
  });

export const eventSchema = z.strictObject({
  name: z.string().regex(COMMAND_NAME_PATTERN, 'must be lowercase: a-z, 0-9, _ and -, starting with a letter'),
  description: text(200).optional(),
  parse: parseSchema
    .optional()
    .describe('How to take the value from what the device sends unasked; a regex also selects which lines are this event.'),
  debounceMs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('The same value again within this window counts once (an RDM6300 repeats its frame while a card is held).'),
});

export const paramSchema = z
  .strictObject({
    type: z.enum(['number', 'integer', 'boolean', 'string', 'enum']),
    description: text(200).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    values: z.array(text(64)).min(1).optional().describe('The allowed values of an enum parameter.'),
    required: z.boolean().default(true),
  })
  .superRefine((param, ctx) => {
    if (param.type === 'enum' && !param.values) ctx.addIssue({ code: 'custom', message: 'an enum parameter needs values' });
    if (param.type !== 'enum' && param.values)
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'only enum parameters take values' });
    const numeric = param.type === 'number' || param.type === 'integer';
    for (const bound of ['min', 'max'] as const) {
      if (!numeric && param[bound] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [bound], message: 'only number and integer parameters take a range' });
      }
    }
    if (param.min !== undefined && param.max !== undefined && param.min > param.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'must not be below min' });
    }
  });

export const modbusWriteSchema = z
  .strictObject({
    function: z.enum(['holding', 'coil']),
    address: u16,
    type: z.enum(MODBUS_TYPES).default('uint16'),
    scale: z.number().default(1).describe('raw = (value − offset) / scale, the inverse of a reading.'),
    offset: z.number().default(0),
    wordOrder: z.enum(['big', 'little']).default('big'),
    value: z.number().optional().describe("A fixed value to write; without it the command's one parameter is written."),
  })
  .describe('modbus codecs: write one register or coil.');

export const commandSchema = z.strictObject({
  name: z.string().regex(COMMAND_NAME_PATTERN, 'must be lowercase: a-z, 0-9, _ and -, starting with a letter'),
  description: text(200).optional(),
  params: z.record(z.string().regex(READING_NAME_PATTERN, 'parameter names must be snake_case'), paramSchema).default({}),
  request: z
    .union([z.string().min(1), modbusWriteSchema])
    .describe('line codecs: a template with {param} placeholders; frame codecs: hex bytes; modbus codecs: a write.'),
  reply: z
    .strictObject({ expect: regexSource() })
    .optional()
    .describe('A reply matching expect means success; any other reply, or none within timeoutMs, fails the command.'),
  timeoutMs: z.number().int().positive().default(2000),
});

// ── the profile ───────────────────────────────────────────────────────────────────────────────────

const profileShape = z.strictObject({
  id: z.string().regex(PROFILE_ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}').describe('Equals the file name without .yaml.'),
  vendor: text(120),
  model: text(120),
  description: text(500).optional(),
  category: z.enum(CATEGORIES),
  usb: z
    .array(z.strictObject({ vid: hex16, pid: hex16 }))
    .default([])
    .describe('USB vendor and product ids, for discovery.'),
  docs: z.array(text(500)).default([]).describe('Where the device facts come from: specifications, vectors, open implementations.'),
  transport: transportSchema,
  codec: codecSchema,
  readings: z.array(readingSchema).default([]).describe('Values polled and sent as telemetry.'),
  events: z.array(eventSchema).default([]).describe('Things the device reports unasked, e.g. a card tap.'),
  commands: z.array(commandSchema).default([]),
});

/** A device model (DESIGN §4). Cross-field rules (a reading's source fits the codec, unique names, …) live in checks.ts. */
export const profileSchema = profileShape.superRefine(checkProfile).meta({
  title: 'LopHoc device profile',
  description: 'A device model: identity, transport, codec, readings, events and commands. See docs/device-profiles.md.',
});

export type Profile = z.output<typeof profileShape>;
export type ProfileInput = z.input<typeof profileShape>;
export type Transport = Profile['transport'];
export type SerialTransport = z.output<typeof serialTransportSchema>;
export type HidTransport = z.output<typeof hidTransportSchema>;
export type Codec = Profile['codec'];
export type CodecKind = Codec['kind'];
export type ModbusCodec = z.output<typeof modbusRtuCodecSchema> | z.output<typeof modbusTcpCodecSchema>;
export type LineCodec = z.output<typeof lineCodecSchema>;
export type FrameCodec = z.output<typeof frameCodecSchema>;
export type Checksum = z.output<typeof checksumSchema>;
export type HidKeyboardCodec = z.output<typeof hidKeyboardCodecSchema>;
export type Reading = z.output<typeof readingSchema>;
export type ModbusSource = z.output<typeof modbusSourceSchema>;
export type LineParse = z.output<typeof lineRegexParseSchema> | z.output<typeof lineKeyValueParseSchema>;
export type FrameParse = z.output<typeof frameParseSchema>;
export type Parse = LineParse | FrameParse;
export type ProfileEvent = z.output<typeof eventSchema>;
export type Command = z.output<typeof commandSchema>;
export type CommandParam = z.output<typeof paramSchema>;
export type ModbusWrite = z.output<typeof modbusWriteSchema>;

/** What checks.ts guarantees about the readings of a profile of each codec. */
export type ModbusReading = Reading & { modbus: ModbusSource };
/** A line reading is polled (`request` sent every intervalMs) or, without a request, streamed: taken from unsolicited lines. */
export type LineReading = Reading & { request?: string; parse: LineParse };
export type PolledLineReading = LineReading & { request: string };
export type FrameReading = Reading & { request: string; parse: FrameParse };
export type ModbusProfile = Omit<Profile, 'codec' | 'readings'> & { codec: ModbusCodec; readings: ModbusReading[] };
export type LineProfile = Omit<Profile, 'codec' | 'readings'> & { codec: LineCodec; readings: LineReading[] };
export type FrameProfile = Omit<Profile, 'codec' | 'readings'> & { codec: FrameCodec; readings: FrameReading[] };

/** Narrows a validated profile by its codec (in fields.ts, which the agent's run time imports without zod). */
export { isFrameProfile, isLineProfile, isModbusProfile } from './fields.js';

import { readFile } from 'node:fs/promises';
import { ID_PATTERN, RESERVED_DEVICE_IDS } from '@lophoc/protocol/lite';
import { parse } from 'yaml';
import { z } from 'zod';
import { rulesSchema } from './classroom/rules-schema.js';
import { ConfigError } from './config-error.js';

const id = z.string().regex(ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}');

/** One installed device: a profile bound to a port (or address) in this room. */
export const deviceInstanceSchema = z.strictObject({
  id: id.refine((value) => !RESERVED_DEVICE_IDS.has(value), 'is reserved for node-level topics'),
  profile: id,
  name: z.string().max(120).optional(),
  /** Serial device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/… (stable across re-plugging). For serial profiles. */
  port: z.string().min(1).optional(),
  /** Host name or address of a TCP device (PJLink projector, Modbus TCP); the port defaults to the profile's. */
  host: z.string().min(1).max(253).optional(),
  tcpPort: z.number().int().min(1).max(65535).optional(),
  /** A HID device: its hidraw path, or the USB id to look for (defaults to the profile's first usb entry). */
  hid: z
    .strictObject({
      path: z.string().min(1).optional(),
      vid: z
        .string()
        .regex(/^[0-9A-Fa-f]{4}$/, 'must be 4 hex digits')
        .optional(),
      pid: z
        .string()
        .regex(/^[0-9A-Fa-f]{4}$/, 'must be 4 hex digits')
        .optional(),
    })
    .optional(),
  /** A PJLink projector's class 2 UDP port, for search and notifications (default 4352). */
  udpPort: z.number().int().min(1).max(65535).optional(),
  /** PJLink password (profiles with auth: pjlink). Kept in this file only; never logged. */
  password: z.string().max(32).optional(),
  /** Overrides the profile's default Modbus unit id (several sensors on one RS-485 bus). */
  unitId: z.number().int().min(0).max(247).optional(),
  /** Overrides of the profile's serial settings. */
  serial: z
    .strictObject({
      baudRate: z.number().int().positive().optional(),
      parity: z.enum(['none', 'even', 'odd']).optional(),
    })
    .optional(),
});

export const gatewayConfigSchema = z
  .strictObject({
    site: id,
    node: id,
    room: z.string().max(120).optional(),
    mqtt: z.strictObject({
      // No WebSocket: the uplink's client (@lophoc/mqtt-client) speaks MQTT over TCP and TLS only.
      url: z.string().regex(/^(mqtts?|tcp|ssl):\/\//, 'must be an mqtt:// or mqtts:// URL (WebSocket ws:// and wss:// are not supported)'),
      username: z.string().optional(),
      password: z.string().optional(),
      /** Records published per second at most (the outbox replay pace); the uplink's default when absent. */
      maxPublishRate: z.number().positive().max(100_000).optional(),
      /**
       * Telemetry records of one device packed into one message, at most (DESIGN §3 allows arrays; the ops-center
       * ingests them). 1 (the default) keeps one reading per message for other subscribers of raw telemetry.
       */
      recordsPerMessage: z.number().int().min(1).max(1000).optional(),
      /** PEM file of the CA the broker's certificate must chain to (`mqtts://`); the only one trusted. */
      ca: z.string().min(1).optional(),
      /** Client certificate and key (PEM files), for brokers that authenticate nodes by certificate (DESIGN §6). */
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    }),
    outbox: z
      .strictObject({
        /** Payload bytes kept at most; past it the oldest telemetry goes first, attendance never (default 64 MiB). */
        maxBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .max(16 * 1024 ** 3)
          .default(64 * 1024 ** 2),
        /**
         * Device output is gathered this long and stored in one transaction (one fsync); attendance is stored at
         * once. A power cut can lose at most this much of readings and events (default 20 ms; 0: every loop turn).
         */
        writeDelayMs: z.number().int().min(0).max(1000).default(20),
      })
      .default({ maxBytes: 64 * 1024 ** 2, writeDelayMs: 20 }),
    /** Card privacy (DESIGN §6): required when a card reader is configured. */
    privacy: z
      .strictObject({
        /** File with the per-site secret (≥ 32 bytes, or their hex), mode 0600. */
        secretFile: z.string().min(1),
      })
      .optional(),
    /** Card pseudonyms (from `lophoc-agent card pseudonym`) and their roles. */
    roster: z.record(z.string(), z.string()).default({}),
    /** Classroom rules: timetable, projector, comfort warnings (docs/gateway.md). */
    rules: rulesSchema.optional(),
    /**
     * After reading a chunk from a serial port, leave the port this long before reading again, so a device that
     * streams is read in one go per gap instead of once per chunk (less CPU; up to this much more latency).
     * Default 10 ms; 0 reads every chunk at once.
     */
    serialReadGapMs: z.number().int().min(0).max(200).optional(),
    /** Where the outbox and other state live. */
    dataDir: z.string().min(1),
    /** Folder of the device profiles this gateway uses (`<id>.yaml`); default: the shipped catalogue. */
    profilesDir: z.string().min(1).optional(),
    /** A device that fails this many polls in a row is reported offline (DESIGN §5). */
    offlineAfterMisses: z.number().int().min(1).max(100).default(3),
    healthIntervalS: z.number().min(1).max(3600).default(30),
    /** Listen for PJLink class 2 notifications (power, input) on this UDP port (PJLink's own: 4352; 0: any). */
    pjlinkNotifications: z.strictObject({ port: z.number().int().min(0).max(65535), bindAddress: z.string().optional() }).optional(),
    devices: z.array(deviceInstanceSchema).max(256),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.devices.forEach((device, index) => {
      if (seen.has(device.id))
        ctx.addIssue({ code: 'custom', path: ['devices', index, 'id'], message: `duplicate device id "${device.id}"` });
      seen.add(device.id);
    });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type DeviceInstance = z.infer<typeof deviceInstanceSchema>;

export { ConfigError };

/** Validates a parsed config; the error names the file and the first wrong field. */
export function parseGatewayConfig(value: unknown, file = 'gateway config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the gateway config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseGatewayConfig(value, file);
}

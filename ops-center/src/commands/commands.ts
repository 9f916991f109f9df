import { randomUUID } from 'node:crypto';
import { encodeMessage, isValidId } from '@lophoc/protocol';
import type { Logger } from 'pino';
import type { CommandRecord, Store, WriteResult } from '../store/store.js';
import { type CommandSpecs, checkParams, describeProblem, specOf } from './params.js';

export interface CommandRequest {
  site: string;
  node: string;
  device: string;
  method: string;
  params?: Record<string, unknown>;
  /** Seconds the command stays valid; the node refuses it after `expiresAt` (DESIGN §5). */
  ttlSeconds: number;
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly statusCode: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface Publisher {
  readonly connected: boolean;
  publish(topic: string, payload: Buffer): Promise<void>;
}

const MAX_TTL_SECONDS = 7 * 24 * 3600;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

/**
 * Commands to devices (DESIGN §3 `cmd`, `cmd/result`): sent at once to an online node, queued for an offline
 * one until it comes back or the TTL passes (then `expired`, never delivered late). Results move a command to
 * `done` or `failed`.
 */
export class Commands {
  readonly stats = { sent: 0, done: 0, failed: 0, expired: 0, unknownResults: 0 };
  /** One operation at a time, so a queued command is never dispatched twice by racing callers. */
  private lock: Promise<unknown> = Promise.resolve();

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  constructor(private readonly options: { store: Store; publisher: Publisher; log: Logger; specs?: CommandSpecs }) {}

  /** Parameters of each profile's commands (device-profiles), by profile id and command name. */
  get specs(): CommandSpecs {
    return this.options.specs ?? {};
  }

  /** Resolves when every operation started so far has finished (before the store closes). */
  async settled(): Promise<void> {
    await this.lock;
  }

  send(request: CommandRequest, by: string, now: number): Promise<CommandRecord> {
    return this.exclusive(() => this.create(request, by, now));
  }

  private async create(request: CommandRequest, by: string, now: number): Promise<CommandRecord> {
    const { site, node, device, method, params = {}, ttlSeconds } = request;
    for (const [field, value] of Object.entries({ site, node, device })) {
      if (!isValidId(value)) throw new CommandError(400, `"${field}" must match [a-z0-9][a-z0-9-]{0,62}`);
    }
    if (typeof method !== 'string' || !/^[a-z][a-z0-9_-]{0,62}$/.test(method)) {
      throw new CommandError(400, '"method" must be a lowercase method name');
    }
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new CommandError(400, `"ttlSeconds" must be between 1 and ${MAX_TTL_SECONDS}`);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new CommandError(400, '"params" must be an object');
    const summary = (await this.options.store.nodes()).find((n) => n.site === site && n.node === node);
    if (!summary) throw new CommandError(404, `unknown node ${site}/${node}`);
    const target = summary.devices.find((d) => d.device === device);
    if (!target) throw new CommandError(404, `node ${site}/${node} has no device ${JSON.stringify(device)}`);
    // Birth messages name commands in snake_case (edge-agent); profiles may spell them with hyphens.
    if (target.commands && !target.commands.includes(method.replaceAll('-', '_'))) {
      throw new CommandError(400, `device ${device} has no command ${JSON.stringify(method)}; it offers ${target.commands.join(', ')}`);
    }
    // Checked here as the edge checks it, so a bad value is refused at once instead of failing on the device.
    const spec = specOf(this.specs, target.profile, method);
    const problems = spec ? checkParams(spec, params) : [];
    if (problems.length) {
      throw new CommandError(400, `${method} on ${device}: ${problems.map((problem) => describeProblem(problem, params)).join('; ')}`);
    }
    const command: CommandRecord = {
      id: randomUUID(),
      site,
      node,
      device,
      method,
      params,
      createdAt: now,
      expiresAt: now + Math.round(ttlSeconds * 1000),
      status: 'queued',
      by,
    };
    await this.options.store.insertCommand(command);
    if (summary.online && this.options.publisher.connected) return this.dispatch(command, now);
    this.options.log.info({ id: command.id, node: `${site}/${node}` }, 'command queued: node offline');
    return command;
  }

  /** Reacts to a stored batch: results, and nodes coming online with commands waiting. */
  onWritten(result: WriteResult, now: number): Promise<CommandRecord[]> {
    return this.exclusive(() => this.applyWritten(result, now));
  }

  private async applyWritten(result: WriteResult, now: number): Promise<CommandRecord[]> {
    const changed: CommandRecord[] = [];
    for (const update of result.commandResults) {
      const command = await this.options.store.command(update.id);
      if (!command || command.site !== update.site || command.node !== update.node) {
        this.stats.unknownResults++;
        this.options.log.warn({ id: update.id, node: `${update.site}/${update.node}` }, 'result for an unknown command');
        continue;
      }
      if (command.status === 'done' || command.status === 'failed') continue; // a repeated result (QoS 1)
      const status = update.ok ? 'done' : 'failed';
      this.stats[status]++;
      const result = update.ok ? await this.keepScreenshot(command, update.result, update.ts) : update.result;
      const change = {
        status,
        finishedAt: update.ts,
        ...(result !== undefined ? { result } : {}),
        ...(update.error ? { error: update.error } : {}),
      } as const;
      await this.options.store.updateCommand(command.id, change);
      changed.push({ ...command, ...change });
    }
    for (const { site, node } of result.cameOnline) {
      for (const command of await this.options.store.commands({ status: ['queued'], site, node, limit: 1000 })) {
        if (command.expiresAt > now) changed.push(await this.dispatch(command, now));
      }
    }
    return changed;
  }

  /**
   * A kiosk answers `screenshot` with `{mime, base64}` (kiosk-app src/remote/kiosk-node.ts). The image is kept as
   * the node's latest screenshot and the command's result keeps only `{mime, bytes, screenshot: true}`, so
   * command lists and live updates do not carry a quarter megabyte each.
   */
  private async keepScreenshot(command: CommandRecord, result: unknown, ts: number): Promise<unknown> {
    if (command.method !== 'screenshot' || typeof result !== 'object' || result === null) return result;
    const { mime, base64 } = result as { mime?: unknown; base64?: unknown };
    if (typeof base64 !== 'string') return result;
    const image = Buffer.from(base64, 'base64');
    const kind = image.subarray(0, 4).equals(PNG_MAGIC) ? 'image/png' : image.subarray(0, 3).equals(JPEG_MAGIC) ? 'image/jpeg' : undefined;
    if (!kind || kind !== mime) {
      this.options.log.warn({ id: command.id, mime }, 'screenshot result is not the PNG or JPEG it says; not kept');
      return { mime, bytes: image.length, screenshot: false, error: 'not a PNG or JPEG image' };
    }
    await this.options.store.saveScreenshot(
      { site: command.site, node: command.node, device: command.device, commandId: command.id, mime: kind, ts },
      image,
    );
    return { mime: kind, bytes: image.length, screenshot: true };
  }

  /**
   * Marks commands whose TTL passed without a result as expired, and sends queued ones whose node is online
   * (say the broker connection was down when they were made).
   */
  tick(now: number, online: ReadonlySet<string>): Promise<CommandRecord[]> {
    return this.exclusive(async () => {
      const changed: CommandRecord[] = [];
      for (const command of await this.options.store.commands({ status: ['queued', 'sent'], limit: 100_000 })) {
        if (command.expiresAt <= now) {
          await this.options.store.updateCommand(command.id, { status: 'expired', finishedAt: now });
          this.stats.expired++;
          changed.push({ ...command, status: 'expired', finishedAt: now });
        } else if (command.status === 'queued' && online.has(`${command.site}/${command.node}`) && this.options.publisher.connected) {
          const sent = await this.dispatch(command, now);
          if (sent.status === 'sent') changed.push(sent);
        }
      }
      return changed;
    });
  }

  private async dispatch(command: CommandRecord, now: number): Promise<CommandRecord> {
    const message = encodeMessage(
      { kind: 'cmd', site: command.site, node: command.node },
      { v: 1, id: command.id, device: command.device, method: command.method, params: command.params, expiresAt: command.expiresAt },
    );
    try {
      await this.options.publisher.publish(message.topic, message.payload);
    } catch (error) {
      this.options.log.warn({ id: command.id, err: (error as Error).message }, 'command publish failed; stays queued');
      return command;
    }
    await this.options.store.updateCommand(command.id, { status: 'sent', sentAt: now });
    this.stats.sent++;
    return { ...command, status: 'sent', sentAt: now };
  }
}

import { writeSync } from 'node:fs';

/**
 * The gateway daemon's logger (issue #3): the JSON lines pino wrote with our options (`base: undefined`, ISO time,
 * fd 2), byte for byte the same keys in the same order, without loading pino (~2 MiB of RSS). The other daemons
 * keep pino (scripts/src/run-main.ts); pino's Logger satisfies this interface, so tests may pass pino instances.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  /** trace, debug, info, warn, error, fatal or silent; setting it changes the children that did not set their own. */
  level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
}

export const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

function levelValue(level: string, where: string): number {
  const value = Object.hasOwn(LEVELS, level) ? LEVELS[level] : undefined;
  if (value === undefined) throw new Error(`${where}: unknown log level "${level}" (one of ${Object.keys(LEVELS).join(', ')})`);
  return value;
}

/** JSON lines on stderr (journald and log shippers read them); level from LOG_LEVEL, default info. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', write: (line: string) => void = writeStderr): Logger {
  return new JsonLogger(write, `,"name":${JSON.stringify(name)}`, levelValue(level, 'LOG_LEVEL'));
}

class JsonLogger implements Logger {
  #own: number | undefined;

  constructor(
    private readonly write: (line: string) => void,
    /** `,"name":…` and the bindings of this logger and its parents, as they go in every line. */
    private readonly prefix: string,
    own: number | undefined,
    private readonly parent?: JsonLogger,
  ) {
    this.#own = own;
  }

  get #value(): number {
    return this.#own ?? this.parent!.#value;
  }

  get level(): string {
    const value = this.#value;
    return Object.keys(LEVELS).find((name) => LEVELS[name] === value)!;
  }

  set level(level: string) {
    this.#own = levelValue(level, 'logger level');
  }

  isLevelEnabled(level: string): boolean {
    // As pino: 'silent' counts as enabled, an unknown level as not.
    return Object.hasOwn(LEVELS, level) && LEVELS[level]! >= this.#value;
  }

  child(bindings: Record<string, unknown>): Logger {
    if (!bindings) throw new Error('logger.child needs bindings, e.g. { part: "uplink" }');
    let prefix = this.prefix;
    for (const key in bindings) {
      if (key === 'level' || key === 'serializers' || key === 'formatters' || key === 'customLevels') continue;
      if (!Object.hasOwn(bindings, key) || bindings[key] === undefined) continue;
      const text = stringify(key === 'err' ? serializeError(bindings[key]) : bindings[key]);
      if (text !== undefined) prefix += `,${JSON.stringify(key)}:${text}`;
    }
    return new JsonLogger(this.write, prefix, undefined, this);
  }

  trace = this.#method(10);
  debug = this.#method(20);
  info = this.#method(30);
  warn = this.#method(40);
  error = this.#method(50);
  fatal = this.#method(60);

  #method(level: number): LogFn {
    return (first?: unknown, second?: unknown) => {
      if (level < this.#value) return;
      // pino's argument rules: (obj, msg), (msg), (error[, msg]) — the error goes under `err`, its message is the default msg.
      let obj: unknown;
      let msg: unknown;
      if (typeof first === 'object') {
        obj = first;
        msg = first === null && second === undefined ? null : second;
      } else {
        msg = first === undefined ? second : first;
      }
      let fields: object;
      if (obj === undefined || obj === null) fields = {};
      else if (obj instanceof Error) {
        fields = { err: obj };
        if (msg === undefined) msg = obj.message;
      } else {
        fields = obj;
        const record = obj as { msg?: unknown; err?: { message?: unknown } };
        if (msg === undefined && record.msg === undefined && record.err) msg = record.err.message;
      }
      this.write(`{"level":${level},"time":"${new Date().toISOString()}"${this.prefix}${fieldsJson(fields)}${msgJson(msg)}}\n`);
    };
  }
}

function fieldsJson(fields: object): string {
  let out = '';
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = (fields as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const text = fieldJson(key === 'err' ? serializeError(value) : value);
    if (text !== undefined) out += `,${JSON.stringify(key)}:${text}`;
  }
  return out;
}

function fieldJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'function':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    case 'string':
      return JSON.stringify(value);
    default:
      return stringify(value);
  }
}

function msgJson(msg: unknown): string {
  const text = fieldJson(msg);
  return text === undefined ? '' : `,"msg":${text}`;
}

/** JSON.stringify, else (circular, BigInt) what pino's safe-stable-stringify writes, never a throw. */
function stringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    try {
      return safeStringify('', value, []);
    } catch {
      return '"[unable to serialize, circular reference is too complex to analyze]"';
    }
  }
}

const MAX_DEPTH = 5;
const MAX_BREADTH = 100;
const items = (count: number) => (count === 1 ? '1 item' : `${count} items`);

/** safe-stable-stringify as pino configures it: keys sorted, "[Circular]", depth 5, breadth 100, BigInt as a number. */
function safeStringify(key: string, input: unknown, stack: unknown[]): string | undefined {
  let value = input;
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
    if (typeof value === 'object' && value !== null) return safeObject(value, stack);
  } else if (typeof value === 'object' && value !== null) return safeObject(value, stack);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    case 'bigint':
      return String(value);
    case 'object':
      return 'null';
    default:
      return undefined;
  }
}

function safeObject(value: object, stack: unknown[]): string {
  if (stack.includes(value)) return '"[Circular]"';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (MAX_DEPTH < stack.length + 1) return '"[Array]"';
    stack.push(value);
    const parts: string[] = [];
    for (let i = 0; i < Math.min(value.length, MAX_BREADTH); i++) parts.push(safeStringify(String(i), value[i], stack) ?? 'null');
    if (value.length - 1 > MAX_BREADTH) parts.push(`"... ${items(value.length - MAX_BREADTH - 1)} not stringified"`);
    stack.pop();
    return `[${parts.join(',')}]`;
  }
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return '{}';
  if (MAX_DEPTH < stack.length + 1) return '"[Object]"';
  stack.push(value);
  const parts: string[] = [];
  for (const key of keys.slice(0, MAX_BREADTH)) {
    const text = safeStringify(key, (value as Record<string, unknown>)[key], stack);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  if (keys.length > MAX_BREADTH) parts.push(`"...":"${items(keys.length - MAX_BREADTH)} not stringified"`);
  stack.pop();
  return `{${parts.join(',')}}`;
}

type ErrorLike = { message: string; stack?: unknown; name?: unknown; cause?: unknown; errors?: unknown } & Record<string, unknown>;

const isErrorLike = (value: unknown): value is ErrorLike => !!value && typeof (value as { message?: unknown }).message === 'string';

function causeOf(error: ErrorLike): ErrorLike | undefined {
  const cause = typeof error.cause === 'function' ? (error.cause as () => unknown)() : error.cause;
  return isErrorLike(cause) ? cause : undefined;
}

function messageWithCauses(error: ErrorLike, seen = new Set<ErrorLike>(), skip = false): string {
  const message = skip ? '' : error.message || '';
  if (seen.has(error)) return `${message}: ...`;
  const cause = causeOf(error);
  if (!cause) return message;
  seen.add(error);
  const verrorStyle = typeof error.cause === 'function';
  return message + (verrorStyle ? '' : ': ') + messageWithCauses(cause, seen, verrorStyle);
}

function stackWithCauses(error: ErrorLike, seen = new Set<ErrorLike>()): string {
  const stack = (error.stack || '') as string;
  if (seen.has(error)) return `${stack}\ncauses have become circular...`;
  const cause = causeOf(error);
  if (!cause) return stack;
  seen.add(error);
  return `${stack}\ncaused by: ${stackWithCauses(cause, seen)}`;
}

/** pino's std `err` serializer: type, message and stack (with causes), then the error's enumerable properties. */
function serializeError(value: unknown, ancestors = new Set<unknown>()): unknown {
  if (!isErrorLike(value)) return value;
  ancestors.add(value);
  const maker = (value as { constructor?: unknown }).constructor;
  const out: Record<string, unknown> = {
    type: Object.prototype.toString.call(maker) === '[object Function]' ? (maker as { name: string }).name : value.name,
    message: messageWithCauses(value),
    stack: stackWithCauses(value),
  };
  if (Array.isArray(value.errors)) out.aggregateErrors = value.errors.map((error) => serializeError(error, ancestors));
  for (const key in value) {
    // pino's serialized error has a non-enumerable `raw` (the error itself): a property of that name is not copied.
    if (out[key] !== undefined || key === 'raw') continue;
    const property = value[key];
    if (!isErrorLike(property)) out[key] = property;
    else if (key !== 'cause' && !ancestors.has(property)) out[key] = serializeError(property, ancestors);
  }
  ancestors.delete(value);
  return out;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
let stderrBroken = false;

/** One whole line to fd 2 before returning, as journald reads it, even when the process exits right after. */
function writeStderr(line: string): void {
  if (stderrBroken) return;
  const bytes = Buffer.from(line);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(2, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EBUSY') Atomics.wait(pause, 0, 0, 10);
      else {
        // EPIPE: nobody reads our stderr any more; pino stops writing then too. Other errors lose this line only.
        if (code === 'EPIPE') stderrBroken = true;
        return;
      }
    }
  }
}

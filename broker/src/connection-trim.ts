import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Client } from 'aedes';

/** The `bl` package mqtt-packet itself loads (resolved from mqtt-packet, so it is the same copy). */
const requireFromMqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const { BufferList } = requireFromMqttPacket('bl') as { BufferList: new () => object };

interface ParserInternals {
  _list?: { length: number; pipe?: unknown };
  _stateCounter?: number;
  packet?: { length: number };
  settings?: { protocolVersion?: number; bridgeMode?: boolean };
}

interface ClientInternals {
  _parser?: ParserInternals;
  _eos?: () => void;
  _inboundInflight?: unknown;
  close(): void;
  emit(event: 'error', error: Error): boolean;
}

interface EmitterInternals {
  _events?: Record<string | symbol, unknown>;
}

/**
 * The Set aedes keeps per client for inbound QoS 2 messages awaiting PUBREL (lib/handlers/publish.js, pubrel.js),
 * created on the first one: an empty Set costs about 0.3 KiB, and most clients never publish at QoS 2.
 */
export class LazySet<T> {
  private set: Set<T> | undefined;
  get size(): number {
    return this.set?.size ?? 0;
  }
  has(value: T): boolean {
    return this.set?.has(value) ?? false;
  }
  add(value: T): this {
    this.set ??= new Set();
    this.set.add(value);
    return this;
  }
  delete(value: T): boolean {
    return this.set?.delete(value) ?? false;
  }
  clear(): void {
    this.set = undefined;
  }
}

function noop(): void {}

/** One 'close' (and 'end') listener function for every connection: the aedes client of the stream closes with it. */
function closeClient(this: Duplex & { client?: ClientInternals }): void {
  this.client?.close();
}

/**
 * One 'error' listener for every socket and every parser, in place of aedes' `this.emit.bind(this, 'error')` per
 * client: aedes sets `stream.client`, mqtt-packet's parser has `parser.client`.
 */
function emitClientError(this: { client?: ClientInternals }, error: Error): void {
  this.client?.emit('error', error);
}

/**
 * Swaps the listener of `event` that is a function bound by aedes (its name is `bound <method>`) for a shared one.
 * Removing one of two listeners also leaves Node's listener array at its two-element size instead of the capacity it
 * grew to while `stream.finished` had its listeners there.
 */
function swapBoundListener(emitter: EventEmitter, event: string, boundName: string, shared: (...args: never[]) => void): void {
  const bound = emitter.listeners(event).find((listener) => listener.name === boundName);
  if (!bound) return;
  emitter.removeListener(event, bound as (...args: unknown[]) => void);
  emitter.on(event, shared as (...args: unknown[]) => void);
}

/**
 * Node's EventEmitter keeps its listeners in a null-prototype object made as a dictionary (~0.2 KiB even with two
 * entries). A null-prototype object with the same entries, made by adding properties, keeps V8's fast properties
 * (~30 bytes): names still read back as absent unless set, which is what the null prototype is for. Emitters of
 * the same kind get their listeners in the same order, so they share one hidden class.
 */
function compactListeners(emitter: object): void {
  const internals = emitter as EmitterInternals;
  const events = internals._events;
  if (!events || Object.getPrototypeOf(events) !== null) return;
  const compact: Record<string | symbol, unknown> = Object.setPrototypeOf({}, null);
  for (const key of Reflect.ownKeys(events)) compact[key] = events[key];
  internals._events = compact;
}

/**
 * aedes makes two null-prototype dictionaries per client, `subscriptions` and `duplicates` (keyed from the wire,
 * GHSA-52qw-whmv-87c5), ~0.17 KiB each, which an idle client never fills: accessors on aedes' Client prototype
 * make each one when it is first read. The dictionary is the same kind, so names from the wire still read absent.
 * (In cluster mode aedes reads every client's `duplicates` when another broker is born, which makes them all: the
 * memory they had before this change.) aedes does not export its Client class, so its module is imported by path;
 * it is the same module instance aedes uses. Call once before the broker takes connections (startBroker does).
 */
let lazyDictionaries: Promise<void> | undefined;
export function useLazyClientDictionaries(): Promise<void> {
  lazyDictionaries ??= defineLazyDictionaries();
  return lazyDictionaries;
}

function isEmptyDictionary(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== null) return false;
  for (const _ in value) return false;
  return true;
}

async function defineLazyDictionaries(): Promise<void> {
  const clientModule = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('aedes')), 'lib', 'client.js'));
  const { default: AedesClient } = (await import(clientModule.href)) as { default: { prototype: object } };
  for (const name of ['subscriptions', 'duplicates']) {
    const slot = Symbol(`lophoc.${name}`);
    Object.defineProperty(AedesClient.prototype, name, {
      configurable: true,
      enumerable: true,
      get(this: Record<symbol, object | undefined>) {
        let dictionary = this[slot];
        if (dictionary === undefined) {
          dictionary = Object.create(null) as object;
          this[slot] = dictionary;
        }
        return dictionary;
      },
      // aedes' constructor assigns a fresh empty dictionary: keep none until one is needed.
      set(this: Record<symbol, object | undefined>, value: object) {
        this[slot] = isEmptyDictionary(value) ? undefined : value;
      },
    });
  }
}

/**
 * Per-connection memory an idle aedes client does not need (aedes 1.2 lib/client.js constructor; the upstream
 * fixes are the same changes there and in mqtt-packet):
 * - mqtt-packet's parser keeps its pending bytes in a BufferListStream, a full Duplex (two stream states, event
 *   tables) of which it uses only the BufferList methods (`append`, `consume`, `slice`, `readUInt*`, `length`,
 *   `toString`): the plain BufferList from the same package does the same at a fraction of the memory (the fix
 *   is one line in mqtt-packet's `_resetState`).
 * - `stream.finished(conn, close)` puts seven closures and listeners on every socket to call `close` when it ends
 *   or fails; aedes already closes on 'end' and on 'error', so one shared 'close' listener does the rest.
 * - the QoS 2 in-flight Set is created when first needed (LazySet); `subscriptions` and `duplicates` are too
 *   (useLazyClientDictionaries).
 * - the functions aedes binds per client for the socket's 'error' and 'end' and the parser's 'error' are replaced by
 *   shared ones that find the client through `stream.client` / `parser.client`, as aedes' own listeners do.
 * Call right after `aedes.handle(stream)`.
 */
export function trimClient(client: Client, stream: Duplex): void {
  const internals = client as unknown as ClientInternals;
  const parser = internals._parser;
  const list = parser?._list;
  if (parser && list && list.length === 0 && typeof list.pipe === 'function') parser._list = new BufferList() as ParserInternals['_list'];
  if (typeof internals._eos === 'function') {
    internals._eos();
    internals._eos = noop;
    stream.on('close', closeClient);
    if (stream.closed) internals.close();
  }
  if (internals._inboundInflight instanceof Set && internals._inboundInflight.size === 0) internals._inboundInflight = new LazySet();
  if ((stream as { client?: unknown }).client === client) {
    swapBoundListener(stream, 'error', 'bound emit', emitClientError);
    swapBoundListener(stream, 'end', 'bound close', closeClient);
  }
  if (parser && (parser as { client?: unknown }).client === client)
    swapBoundListener(parser as unknown as EventEmitter, 'error', 'bound emit', emitClientError);
}

/** What mqtt-packet's parser reads of its settings after CONNECT (`protocolVersion`, `bridgeMode`), shared. */
const parserSettings = new Map<string, { protocolVersion?: number; bridgeMode?: boolean }>();

/**
 * Once connected: the parser's and the client's listener tables are rebuilt compact (compactListeners), the parser
 * gets a fresh empty list, and its settings are replaced: mqtt-packet's parser keeps the whole CONNECT packet as its
 * settings (parser.js `_parseConnect`) for the rest of the connection, though it only reads `protocolVersion` and
 * `bridgeMode` from it afterwards, so a shared object with those two takes its place. Call at aedes 'clientReady'.
 */
export function trimConnectedClient(client: Client): void {
  const parser = (client as unknown as ClientInternals)._parser;
  if (parser) compactListeners(parser);
  // The CONNECT is parsed: a fresh, empty list instead of the one whose array grew to hold it (~0.1 KiB). PINGREQs
  // and PUBLISHes that arrive whole never reach it (fast-parse.ts).
  const list = parser?._list;
  if (parser && list?.length === 0 && parser._stateCounter === 0 && parser.packet?.length === -1)
    parser._list = new BufferList() as ParserInternals['_list'];
  // aedes emits 'connected' right after 'clientReady', and its once-listener then leaves the client's table.
  process.nextTick(compactListeners, client);
  const settings = parser?.settings;
  if (!parser || !settings) return;
  const key = `${settings.protocolVersion}|${settings.bridgeMode === true}`;
  let shared = parserSettings.get(key);
  if (!shared) {
    shared = Object.freeze({ protocolVersion: settings.protocolVersion, bridgeMode: settings.bridgeMode === true });
    parserSettings.set(key, shared);
  }
  parser.settings = shared;
}

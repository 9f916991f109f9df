import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';

/** The `bl` package mqtt-packet itself loads (resolved from mqtt-packet, so it is the same copy). */
const requireFromMqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const { BufferList } = requireFromMqttPacket('bl') as { BufferList: new () => object };

interface ParserInternals {
  _list?: { length: number; pipe?: unknown };
  settings?: { protocolVersion?: number; bridgeMode?: boolean };
}

interface ClientInternals {
  _parser?: ParserInternals;
  _eos?: () => void;
  _inboundInflight?: unknown;
  close(): void;
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

/** One 'close' listener function for every connection: the aedes client of the stream closes with it. */
function closeClient(this: Duplex & { client?: ClientInternals }): void {
  this.client?.close();
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
 * - the QoS 2 in-flight Set is created when first needed (LazySet).
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
}

/** What mqtt-packet's parser reads of its settings after CONNECT (`protocolVersion`, `bridgeMode`), shared. */
const parserSettings = new Map<string, { protocolVersion?: number; bridgeMode?: boolean }>();

/**
 * Once connected: mqtt-packet's parser keeps the whole CONNECT packet as its settings (parser.js `_parseConnect`)
 * for the rest of the connection, though it only reads `protocolVersion` and `bridgeMode` from it afterwards; a
 * shared object with those two takes its place. Call at aedes 'clientReady'.
 */
export function trimConnectedClient(client: Client): void {
  const parser = (client as unknown as ClientInternals)._parser;
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

import { createRequire } from 'node:module';
import type { Client } from 'aedes';

/** The `bl` package mqtt-packet itself loads (resolved from mqtt-packet, so it is the same copy). */
const requireFromMqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const { BufferList } = requireFromMqttPacket('bl') as { BufferList: new () => object };

interface ParserInternals {
  _list?: { length: number; pipe?: unknown };
}

/**
 * Per-connection memory an idle aedes client does not need. mqtt-packet's parser keeps its pending bytes in a
 * BufferListStream, a full Duplex (two stream states, event tables) of which it uses only the BufferList methods
 * (`append`, `consume`, `slice`, `readUInt*`, `length`, `toString`): the plain BufferList from the same package does
 * the same at a fraction of the memory. The upstream fix is the same one-line change in mqtt-packet's `_resetState`.
 */
export function trimClient(client: Client): void {
  const parser = (client as unknown as { _parser?: ParserInternals })._parser;
  const list = parser?._list;
  if (parser && list && list.length === 0 && typeof list.pipe === 'function') parser._list = new BufferList() as ParserInternals['_list'];
}

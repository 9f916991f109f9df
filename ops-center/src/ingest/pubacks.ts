/**
 * MQTT PUBACK packets (3.1.1 §3.4; also a valid MQTT 5 PUBACK with reason "success") for these packet ids, in
 * this order, as one buffer: the ingest writes a committed batch's PUBACKs to the socket in a single write.
 */
export function pubackPackets(ids: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    out[i * 4] = 0x40;
    out[i * 4 + 1] = 2;
    out.writeUInt16BE(ids[i]!, i * 4 + 2);
  }
  return out;
}

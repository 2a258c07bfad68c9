/**
 * The protobuf wire format, read only: varints, fixed-width values and length-delimited
 * fields (https://protobuf.dev/programming-guides/encoding/). Enough to walk a message
 * field by field; what each field means is the caller's table.
 */

export const wireVarint = 0;
export const wire64 = 1;
export const wireBytes = 2;
export const wire32 = 5;

export interface WireField {
  number: number;
  wireType: number;
  /** Varints and fixed values as a bigint (int64 needs all 64 bits). */
  int?: bigint;
  bytes?: Uint8Array;
}

export class WireError extends Error {}

/** Every field of one message, in order; repeated fields come back once per element. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new WireError('unexpected end of a varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new WireError('varint longer than 64 bits');
    }
  };
  const fixed = (n: number): bigint => {
    if (pos + n > buf.length) throw new WireError('unexpected end of a fixed-width field');
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i]);
    pos += n;
    return v;
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wireType = key & 7;
    if (number === 0) throw new WireError('field number 0');
    switch (wireType) {
      case wireVarint:
        out.push({ number, wireType, int: varint() });
        break;
      case wire64:
        out.push({ number, wireType, int: fixed(8) });
        break;
      case wire32:
        out.push({ number, wireType, int: fixed(4) });
        break;
      case wireBytes: {
        const len = Number(varint());
        if (pos + len > buf.length) throw new WireError('length-delimited field runs past the end');
        out.push({ number, wireType, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }
  return out;
}

/** Unpacks a packed repeated varint field (proto3 style; proto2 senders may use either). */
export function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new WireError('unexpected end of a packed varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(result);
  }
  return out;
}

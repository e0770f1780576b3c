/**
 * How byte-level BPE tokens line up with the characters of the text they encode.
 *
 * A byte-level BPE works on UTF-8 bytes, not on characters, so a token may hold part of a character: the
 * emoji 👋 is the four bytes F0 9F 91 8B and may be split as `F0 9F` + `91 8B`. Decoding such a token on
 * its own gives U+FFFD (�), which teaches nothing. Here the tokens are grouped into runs that begin and
 * end on character boundaries: a run of one token that is whole characters shows as text; a run whose
 * tokens split a character shows each token as its hex bytes, grouped under the characters they make.
 * A character boundary is any byte that is not a UTF-8 continuation byte (10xxxxxx).
 */

/** One token of a byte-level BPE with its bytes. */
export interface ByteToken {
  id: number;
  bytes: Uint8Array;
  /** The token starts and ends on character boundaries, so its bytes decode to whole characters. */
  whole: boolean;
}

/** Tokens that together cover whole characters: `text` is those characters. */
export interface TokenGroup {
  text: string;
  tokens: ByteToken[];
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** True where `byte` begins a character (or is the end of the text), false for continuation bytes. */
function startsCharacter(byte: number | undefined): boolean {
  return byte === undefined || (byte & 0xc0) !== 0x80;
}

/** Groups `ids` (one encoding of a text) into runs of whole characters; see the file's header. */
export function groupByteTokens(
  ids: readonly number[],
  tokenBytes: (id: number) => Uint8Array,
): TokenGroup[] {
  const pieces = ids.map((id) => ({ id, bytes: tokenBytes(id) }));
  const all = new Uint8Array(pieces.reduce((n, p) => n + p.bytes.length, 0));
  let offset = 0;
  const bounds: [number, number][] = [];
  for (const p of pieces) {
    all.set(p.bytes, offset);
    bounds.push([offset, offset + p.bytes.length]);
    offset += p.bytes.length;
  }
  const groups: TokenGroup[] = [];
  let current: ByteToken[] = [];
  let groupStart = 0;
  pieces.forEach((p, i) => {
    const [start, end] = bounds[i] as [number, number];
    if (current.length === 0) groupStart = start;
    current.push({
      id: p.id,
      bytes: p.bytes,
      whole: startsCharacter(all[start]) && startsCharacter(all[end]),
    });
    // A group closes where a character ends: the next byte starts a new one.
    if (startsCharacter(all[end])) {
      groups.push({ text: utf8.decode(all.subarray(groupStart, end)), tokens: current });
      current = [];
    }
  });
  return groups;
}

/** A token's bytes in hex as `<F0 9F>`. */
export function hexBytes(bytes: Uint8Array): string {
  return `<${Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}>`;
}

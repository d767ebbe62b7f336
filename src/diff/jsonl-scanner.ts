// Row boundaries of a JSONL byte stream (https://jsonlines.org): every row ends at "\n". A "\r\n"
// ending stays part of its row's bytes (JSON treats "\r" as whitespace), and a JSON string cannot
// hold a raw newline (RFC 8259 §7), so no quote state is needed: one native search per row.

import { _byteSearch } from './csv-scanner.js';
import type { RowBoundaryScanner } from './rows.js';

const LF = 0x0a;

export function createJsonlScanner(): RowBoundaryScanner {
  let base = 0; // absolute offset of the next chunk's first byte
  let lastEnd = 0; // absolute end of the last row returned
  let ended = false;

  return {
    push(chunk: Uint8Array): number[] {
      if (ended) throw new TypeError('push() after end()');
      if (!(chunk instanceof Uint8Array)) throw new TypeError('expected a Uint8Array chunk');
      const out: number[] = [];
      const s = _byteSearch(chunk);
      for (let k = s.indexOf(LF); k !== -1; k = s.indexOf(LF, k + 1)) out.push(base + k + 1);
      base += chunk.length;
      if (out.length > 0) lastEnd = out[out.length - 1]!;
      return out;
    },
    end(): number[] {
      if (ended) return [];
      ended = true;
      return base > lastEnd ? [base] : [];
    },
  };
}

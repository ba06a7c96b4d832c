// Working memory for one search of the embedded engine. A search builds a dozen typed arrays as
// long as its matches (20,000 entries for a common word): allocated anew, each beyond 64 KB was
// an mmap and fresh zeroed pages (the site runs with MALLOC_MMAP_THRESHOLD_=65536), hundreds of
// MB a second under load. The arrays are carved from one buffer that is kept and reused (issue 15:
// +17–27 % searches a second at 16 connections, measured; the server's memory peak did not move),
// and handed out again once the search is over: nothing taken from it may outlive the search that
// took it (engine results are copies).

// A buffer grown past this by an unusual search (dozens of words, each matching most posts) is
// given back at the next reset rather than held for the life of the process.
const KEEP_AT_MOST = 16 * 1024 * 1024;

/** A bump allocator of typed arrays, emptied by reset() at the start of each search. */
export class Scratch {
  readonly #initial: number;
  #buffer: ArrayBuffer;
  #at = 0;

  constructor(bytes = 1 << 20) {
    this.#initial = bytes;
    this.#buffer = new ArrayBuffer(bytes);
  }

  /** Hands everything out again: call only once no array taken since the last reset is in use. */
  reset(): void {
    this.#at = 0;
    if (this.#buffer.byteLength > KEEP_AT_MOST) this.#buffer = new ArrayBuffer(this.#initial);
  }

  /** Bytes held now (grown to the largest search's needs, given back past KEEP_AT_MOST). */
  get size(): number {
    return this.#buffer.byteLength;
  }

  /** An Int32Array of `n` entries, contents left over from earlier searches. */
  int32(n: number): Int32Array {
    const [buffer, at] = this.#take(n * 4);
    return new Int32Array(buffer, at, n);
  }

  /** A Uint32Array of `n` entries, contents left over from earlier searches. */
  uint32(n: number): Uint32Array {
    const [buffer, at] = this.#take(n * 4);
    return new Uint32Array(buffer, at, n);
  }

  /** A Float64Array of `n` entries, contents left over from earlier searches. */
  float64(n: number): Float64Array {
    const [buffer, at] = this.#take(n * 8);
    return new Float64Array(buffer, at, n);
  }

  /** A Uint8Array of `n` entries, contents left over from earlier searches. */
  uint8(n: number): Uint8Array {
    const [buffer, at] = this.#take(n);
    return new Uint8Array(buffer, at, n);
  }

  #take(bytes: number): [ArrayBuffer, number] {
    // 8-byte aligned, as a Float64Array needs.
    let at = (this.#at + 7) & ~7;
    if (at + bytes > this.#buffer.byteLength) {
      // A larger buffer from here on; arrays already taken keep the old one alive until dropped.
      this.#buffer = new ArrayBuffer(Math.max(this.#buffer.byteLength * 2, (at + bytes) * 2));
      at = 0;
    }
    this.#at = at + bytes;
    return [this.#buffer, at];
  }
}

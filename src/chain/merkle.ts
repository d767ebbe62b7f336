// The audit log's Merkle tree: RFC 6962 §2.1 as restated by RFC 9162 §2.1, over SHA-256.
//
//   leaf  = SHA-256(0x00 ‖ entry)       node = SHA-256(0x01 ‖ left ‖ right)     (§2.1.1)
//   MTH({}) = SHA-256("")   MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k = largest 2^i < n
//
// The different prefixes for leaves and nodes are the second-preimage defence of §2.1.1: an
// interior node can never be passed off as a leaf. The hash is injected (a bare function or a
// CryptoProvider) so this file runs unchanged in Node and browsers.
//
// Sizes and indices are plain numbers and all tree arithmetic is done with `% 2` and
// `Math.floor(x / 2)`, never with 32-bit bitwise operators, so it is exact up to 2^53 - 1.

import type { CryptoProvider } from '../core/crypto-provider.js';
import { bytesEqual } from '../core/bytes.js';
import { InputError } from '../core/errors.js';

export const MERKLE_HASH_SIZE = 32;

export type HashFn = (data: Uint8Array) => Uint8Array;
/** SHA-256 as a bare function or as any object with `sha256` (a CryptoProvider). */
export type MerkleHasher = HashFn | Pick<CryptoProvider, 'sha256'>;
/** Leaf hashes as an array, or read lazily by index (e.g. from the store). */
export type LeafHashSource = readonly Uint8Array[] | ((index: number) => Uint8Array);
/**
 * The hashes of a tree's perfect, aligned subtrees: level 0 is leaf `index`, level h ≥ 1 the
 * subtree over leaves [index·2^h, (index+1)·2^h). A store that keeps them (src/chain/audit-log.ts)
 * answers any MTH the proofs need from O(log n) of them instead of hashing every leaf.
 */
export type SubtreeSource = (level: number, index: number) => Uint8Array;
/** What the tree functions read: leaf hashes, or stored subtrees. */
export type TreeSource = LeafHashSource | { subtree: SubtreeSource };
/** A perfect subtree made by an append: its level (≥ 1), index at that level, and hash. */
export type OnNode = (level: number, index: number, hash: Uint8Array) => void;
/**
 * Compact range of an append-only tree of `size` leaves: the roots of its perfect subtrees,
 * left to right, one per set bit of `size` from the most significant (so `frontier[0]` covers
 * the largest, leftmost 2^i leaves). Length is always popcount(size).
 */
export type Frontier = Uint8Array[];

function _fn(h: MerkleHasher): HashFn {
  return typeof h === 'function' ? h : (d) => h.sha256(d);
}

function _isSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function _isHash(b: unknown): b is Uint8Array {
  return b instanceof Uint8Array && b.length === MERKLE_HASH_SIZE;
}

function _half(n: number): number {
  return Math.floor(n / 2);
}

function _popcount(n: number): number {
  let c = 0;
  for (; n > 0; n = _half(n)) c += n % 2;
  return c;
}

/** Largest power of two strictly below n (n >= 2): the `k` of RFC 9162 §2.1.1. */
function _splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function _checkHash(b: unknown, what: string): void {
  if (!_isHash(b)) {
    const got = b instanceof Uint8Array ? `${b.length} bytes` : typeof b;
    throw new InputError('INPUT_INVALID', `${what}: expected ${MERKLE_HASH_SIZE} bytes, got ${got}`, { what });
  }
}

function _checkSize(n: number, what: string): void {
  if (!_isSize(n)) {
    throw new InputError('INPUT_INVALID', `${what}: expected a non-negative safe integer, got ${String(n)}`, { what });
  }
}

/** SHA-256(0x00 ‖ entry), RFC 9162 §2.1.1. */
export function leafHash(h: MerkleHasher, entry: Uint8Array): Uint8Array {
  const buf = new Uint8Array(entry.length + 1);
  buf.set(entry, 1);
  return _fn(h)(buf);
}

/** SHA-256(0x01 ‖ left ‖ right), RFC 9162 §2.1.1. */
export function nodeHash(h: MerkleHasher, left: Uint8Array, right: Uint8Array): Uint8Array {
  return _node(_fn(h), left, right);
}

function _node(hash: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return hash(buf);
}

/** MTH({}) = SHA-256 of the empty string, RFC 9162 §2.1.1. */
export function emptyRoot(h: MerkleHasher): Uint8Array {
  return _fn(h)(new Uint8Array(0));
}

// --- Frontier (compact range) -------------------------------------------------------------
//
// Appending leaf number `size` (0-based) is binary increment: each trailing 1 bit of `size` is a
// perfect subtree of the same height as the one being carried, so the two merge. The root then
// folds the frontier right to left, which is MTH's own split: k = the leftmost (largest) subtree.

function _append(hash: HashFn, stack: Uint8Array[], size: number, leaf: Uint8Array, onNode?: OnNode): void {
  let carry = leaf;
  let level = 0;
  for (let s = size; s % 2 === 1; s = _half(s)) {
    carry = _node(hash, stack.pop()!, carry);
    level++;
    onNode?.(level, Math.floor(size / 2 ** level), carry);
  }
  stack.push(carry);
}

function _fold(hash: HashFn, stack: readonly Uint8Array[]): Uint8Array {
  let r = stack[stack.length - 1]!;
  for (let i = stack.length - 2; i >= 0; i--) r = _node(hash, stack[i]!, r);
  return r;
}

/**
 * Frontier of size+1 leaves from the frontier of `size` leaves. O(log n); does not mutate.
 * `onNode` is told each perfect subtree the append completes (one per trailing 1 bit of `size`).
 */
export function frontierAppend(h: MerkleHasher, frontier: readonly Uint8Array[], size: number, leaf: Uint8Array, onNode?: OnNode): Frontier {
  _checkSize(size, 'frontier size');
  if (size >= Number.MAX_SAFE_INTEGER) throw new InputError('INPUT_INVALID', 'frontier size: tree is full', { size });
  if (frontier.length !== _popcount(size)) {
    throw new InputError(
      'INPUT_INVALID',
      `frontier: a tree of ${size} leaves has ${_popcount(size)} subtree roots, got ${frontier.length}`,
      { size, length: frontier.length },
    );
  }
  frontier.forEach((f, i) => _checkHash(f, `frontier[${i}]`));
  _checkHash(leaf, 'leaf hash');
  const next = frontier.slice();
  _append(_fn(h), next, size, leaf, onNode);
  return next;
}

/** MTH of the tree the frontier describes; the empty frontier gives SHA-256(""). */
export function frontierRoot(h: MerkleHasher, frontier: readonly Uint8Array[]): Uint8Array {
  frontier.forEach((f, i) => _checkHash(f, `frontier[${i}]`));
  return frontier.length === 0 ? emptyRoot(h) : _fold(_fn(h), frontier);
}

// --- Tree hash and proofs -----------------------------------------------------------------

/** Subtree hashes of the tree of `size` leaves, from leaf hashes (hashing each block) or stored ones. */
function _reader(hash: HashFn, leaves: TreeSource, size: number): SubtreeSource {
  if (Array.isArray(leaves) && size > leaves.length) {
    throw new InputError('INPUT_INVALID', `tree size ${size} exceeds the ${leaves.length} leaf hashes given`, {
      size,
      available: leaves.length,
    });
  }
  if (typeof leaves === 'object' && !Array.isArray(leaves)) {
    const { subtree } = leaves as { subtree: SubtreeSource };
    return (level, index) => {
      const b = subtree(level, index);
      _checkHash(b, level === 0 ? `leaf hash ${index}` : `subtree hash ${level}/${index}`);
      return b;
    };
  }
  const get = typeof leaves === 'function' ? leaves : (i: number) => (leaves as readonly Uint8Array[])[i]!;
  const leaf = (i: number) => {
    const b = get(i);
    _checkHash(b, `leaf hash ${i}`);
    return b;
  };
  return (level, index) => {
    if (level === 0) return leaf(index);
    const stack: Uint8Array[] = [];
    const start = index * 2 ** level;
    for (let i = 0; i < 2 ** level; i++) _append(hash, stack, i, leaf(start + i));
    return stack[0]!;
  };
}

/**
 * MTH(D[start:end]). Every range the RFC's recursion asks for starts at a multiple of the
 * power of two at or above its length, so it is the fold of its frontier: perfect aligned
 * subtrees, largest first, O(log n) of them. Any other range is hashed leaf by leaf.
 */
function _mth(hash: HashFn, tree: SubtreeSource, start: number, end: number): Uint8Array {
  if (start === end) return hash(new Uint8Array(0));
  let span = 1;
  while (span < end - start) span *= 2;
  const stack: Uint8Array[] = [];
  if (start % span !== 0) {
    for (let i = start; i < end; i++) _append(hash, stack, i - start, tree(0, i));
    return _fold(hash, stack);
  }
  for (let s = start; s < end; ) {
    let k = 1;
    let level = 0;
    while (k * 2 <= end - s) {
      k *= 2;
      level++;
    }
    stack.push(tree(level, s / k));
    s += k;
  }
  return _fold(hash, stack);
}

/** MTH(D[n]) over the first `size` leaf hashes (default: all of an array). RFC 9162 §2.1.1. */
export function rootFromLeafHashes(h: MerkleHasher, leaves: TreeSource, size?: number): Uint8Array {
  if (size === undefined && !Array.isArray(leaves)) {
    throw new InputError('INPUT_INVALID', 'tree size is required when leaf hashes are read by index', {});
  }
  const n = size ?? (leaves as readonly Uint8Array[]).length;
  _checkSize(n, 'tree size');
  const hash = _fn(h);
  return _mth(hash, _reader(hash, leaves, n), 0, n);
}

/**
 * Inclusion proof (audit path) for leaf `index` in the tree of the first `size` leaves:
 * PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf-side sibling first. From leaf hashes every leaf is
 * read once (each sibling subtree is hashed once), O(size); from stored subtrees, O(log² size).
 */
export function inclusionProof(h: MerkleHasher, leaves: TreeSource, index: number, size: number): Uint8Array[] {
  _checkSize(index, 'leaf index');
  _checkSize(size, 'tree size');
  if (index >= size) {
    throw new InputError('INPUT_INVALID', `leaf index ${index} is outside a tree of ${size} leaves`, { index, size });
  }
  const hash = _fn(h);
  const get = _reader(hash, leaves, size);
  const out: Uint8Array[] = [];
  const path = (start: number, end: number): void => {
    if (end - start === 1) return; // PATH(0, {d}) = {}
    const mid = start + _splitPoint(end - start);
    if (index < mid) {
      path(start, mid); // PATH(m, D[0:k]) : MTH(D[k:n])
      out.push(_mth(hash, get, mid, end));
    } else {
      path(mid, end); // PATH(m - k, D[k:n]) : MTH(D[0:k])
      out.push(_mth(hash, get, start, mid));
    }
  };
  path(0, size);
  return out;
}

/**
 * Consistency proof from the tree of the first `m` leaves to that of the first `n`:
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1. RFC 9162 defines it for
 * 0 < m < n; for m = n and for m = 0 this returns the empty proof, which is what
 * verifyConsistency accepts in those cases.
 */
export function consistencyProof(h: MerkleHasher, leaves: TreeSource, m: number, n: number): Uint8Array[] {
  _checkSize(m, 'old tree size');
  _checkSize(n, 'new tree size');
  if (m > n) throw new InputError('INPUT_INVALID', `old tree size ${m} exceeds new tree size ${n}`, { m, n });
  const hash = _fn(h);
  const get = _reader(hash, leaves, n);
  const out: Uint8Array[] = [];
  if (m === 0 || m === n) return out;
  // `mm` counts leaves of the old tree inside [start, end); `complete` is the RFC's flag b.
  const sub = (mm: number, start: number, end: number, complete: boolean): void => {
    if (mm === end - start) {
      if (!complete) out.push(_mth(hash, get, start, end)); // SUBPROOF(m, D[m], false) = {MTH(D[m])}
      return;
    }
    const k = _splitPoint(end - start);
    if (mm <= k) {
      sub(mm, start, start + k, complete); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      out.push(_mth(hash, get, start + k, end));
    } else {
      sub(mm - k, start + k, end, false); // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      out.push(_mth(hash, get, start, start + k));
    }
  };
  sub(m, 0, n, true);
  return out;
}

// --- Verification -------------------------------------------------------------------------
//
// Both verifiers follow the RFC 9162 step lists literally (fn/sn are the RFC's names) and never
// throw: any malformed argument (non-integer size, hash not 32 bytes) is simply a failed proof.

/**
 * RFC 9162 §2.1.3.2: does `proof` show leaf `leafHash` at `index` in the tree with `root`?
 * Take `size` and `root` together from one signed checkpoint: the algorithm binds the size only
 * through the shape of the path, so a proof also verifies against the same root at another size
 * of equal height whose path has the same shape (leaf 0 of 5 and of 8 leaves, say).
 */
export function verifyInclusion(
  h: MerkleHasher,
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!_isSize(index) || !_isSize(size) || !Array.isArray(proof)) return false;
  if (!_isHash(leafHash) || !_isHash(root) || !proof.every(_isHash)) return false;
  // 1. leaf_index >= tree_size fails.
  if (index >= size) return false;
  const hash = _fn(h);
  // 2-3. fn = leaf_index, sn = tree_size - 1, r = hash.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  // 4. For each p in inclusion_path:
  for (const p of proof) {
    if (sn === 0) return false; // 4a. more proof than tree
    if (fn % 2 === 1 || fn === sn) {
      r = _node(hash, p, r); // 4b. p is a left sibling
      if (fn % 2 === 0) {
        // fn == sn: the right edge; skip the levels where this node has no sibling.
        while (fn % 2 === 0 && fn !== 0) {
          fn = _half(fn);
          sn = _half(sn);
        }
      }
    } else {
      r = _node(hash, r, p); // p is a right sibling
    }
    fn = _half(fn); // 4c.
    sn = _half(sn);
  }
  // 5. All of the path consumed exactly at the root, and the root matches.
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of size `m` with `oldRoot` is a prefix of
 * the tree of size `n` with `newRoot`? Beyond the RFC's 0 < m < n: m > n fails; m = n needs an
 * empty proof and equal roots; m = 0 needs an empty proof and oldRoot = MTH({}) = SHA-256("")
 * (every tree extends the empty one; transparency-dev/merkle accepts it too, but without the
 * root check). As with inclusion, `n` is bound to `newRoot` only by the path shape: take each
 * (size, root) pair from one signed checkpoint.
 */
export function verifyConsistency(
  h: MerkleHasher,
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!_isSize(m) || !_isSize(n) || !Array.isArray(proof)) return false;
  if (!_isHash(oldRoot) || !_isHash(newRoot) || !proof.every(_isHash)) return false;
  if (m > n) return false;
  if (m === n) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (m === 0) return proof.length === 0 && bytesEqual(oldRoot, emptyRoot(h));
  // 1. An empty consistency_path fails.
  if (proof.length === 0) return false;
  const hash = _fn(h);
  // 2. If first is an exact power of 2, prepend first_hash (the old root is itself a node).
  const path = _popcount(m) === 1 ? [oldRoot, ...proof] : proof;
  // 3. fn = first - 1, sn = second - 1.
  let fn = m - 1;
  let sn = n - 1;
  // 4. If LSB(fn) is set, right-shift both until it is not.
  while (fn % 2 === 1) {
    fn = _half(fn);
    sn = _half(sn);
  }
  // 5. fr = sr = first value of the path.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. For each subsequent value c:
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false; // 6a.
    if (fn % 2 === 1 || fn === sn) {
      fr = _node(hash, c, fr); // 6b. c is a left sibling in both trees
      sr = _node(hash, c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = _half(fn);
          sn = _half(sn);
        }
      }
    } else {
      sr = _node(hash, sr, c); // c is a right sibling only in the new tree
    }
    fn = _half(fn); // 6c.
    sn = _half(sn);
  }
  // 7. fr = first_hash, sr = second_hash, sn = 0.
  return bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot) && sn === 0;
}

/**
 * Element trees detection kept for the reader, so that a flow's XML is parsed once: stage SYNTAXE parses
 * (src/formats/xml.ts), keeps the tree here and hands its key forward in `DetectedFlow.tree`; stage REGLE,
 * in the same thread (the flow workers send it to the worker that detected), takes it back. Bounded: a tree
 * not taken (the flow stopped at SCHEMA, the worker was busy elsewhere) is dropped oldest first, and a key
 * that finds nothing (dropped, or the worker recycled) means reading parses again: slower, never wrong.
 * Trees of large documents are not kept: their memory is given back as soon as detection ends.
 */
import { threadId } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { XNode } from './tree.ts';
import { LARGE_DOCUMENT_BYTES } from '../../buffers.ts';

/** Documents larger than this are parsed again by the reader (the flow workers' recycling threshold). */
export const KEEP_TREE_MAX_BYTES = LARGE_DOCUMENT_BYTES;
/** At most this many trees, of at most this many bytes of XML together, per thread. */
const MAX_TREES = 32;
const MAX_BYTES = 8 * 1024 * 1024;

interface Kept {
  tree: XNode;
  /** What the tree was parsed from: its length and ends, checked when taken. */
  length: number;
  head: Buffer;
  tail: Buffer;
}

const kept = new Map<string, Kept>();
let keptBytes = 0;

const ENDS = 64;

/** Keeps the tree parsed from `xml`; its key, or undefined when the document is too large to keep. */
export function keepTree(xml: Buffer, tree: XNode): string | undefined {
  if (xml.length > KEEP_TREE_MAX_BYTES) {
    // A large document takes the thread's memory: the trees kept for smaller flows go (they are parsed again).
    kept.clear();
    keptBytes = 0;
    return undefined;
  }
  // Named by its thread and content: the same bytes twice share one entry (and one key, whichever run asks).
  const key = `${threadId}:${crc32(xml).toString(16)}:${xml.length}`;
  const before = kept.get(key);
  if (before) {
    kept.delete(key);
    keptBytes -= before.length;
  }
  kept.set(key, {
    tree,
    length: xml.length,
    head: Buffer.from(xml.subarray(0, ENDS)),
    tail: Buffer.from(xml.subarray(Math.max(0, xml.length - ENDS))),
  });
  keptBytes += xml.length;
  for (const [k, v] of kept) {
    if (kept.size <= MAX_TREES && keptBytes <= MAX_BYTES) break;
    kept.delete(k); // oldest first (a Map iterates in insertion order)
    keptBytes -= v.length;
  }
  return key;
}

/** The tree kept under `key` for these bytes, once (it is forgotten); undefined when not here. */
export function takeTree(key: string, xml: Buffer): XNode | undefined {
  const k = kept.get(key);
  if (!k) return undefined;
  kept.delete(key);
  keptBytes -= k.length;
  const same =
    k.length === xml.length &&
    k.head.equals(xml.subarray(0, ENDS)) &&
    k.tail.equals(xml.subarray(Math.max(0, xml.length - ENDS)));
  return same ? k.tree : undefined;
}

/** The thread whose trees a key names (0: the main thread). */
export function treeThread(key: string): number {
  return Number(key.slice(0, key.indexOf(':')));
}

/**
 * Worker half of the xmp stage: embedded packet and sidecar, sidecar values overriding embedded ones.
 * Never throws, never touches the catalog.
 */
import fs from 'node:fs';
import type { StageOutcome, TaskInput } from '../stage.js';
import { badFile, ioFailure, unexpectedFailure } from '../image-outcome.js';
import { describeError } from '../../errors.js';
import { decodePacket, findJpegXmp } from './jpeg-packet.js';
import { metadataBytes, readEmbeddedXmp } from '../exif/read.js';
import type { SharedReads } from '../image-shared-reads.js';
import { parseXmp } from './parse.js';
import { isEmpty, mayHoldFields, mergeFields, readFields, type XmpFields } from './fields.js';

/** Sidecars larger than this are refused unread: real ones are kilobytes, a few MB with long edit histories. */
const SIDECAR_LIMIT_BYTES = 16 * 1024 * 1024;

/** null when the file has no XMP at all. */
export type XmpValue = (XmpFields & { source: 'embedded' | 'sidecar' | 'both' }) | null;

/** `shared`: reads shared with the other tasks of the same worker batch (the exif task of the same photo). */
export async function run(input: TaskInput, shared?: SharedReads): Promise<StageOutcome<XmpValue>> {
  try {
    let sidecar: XmpFields | null = null;
    if (input.sidecarPath) {
      const read = await readSidecar(input.sidecarPath);
      if (!read.ok) return read.outcome;
      sidecar = read.fields;
    }
    let embedded: XmpFields | null = null;
    if (input.kind !== 'video') {
      const packet = await embeddedPacket(input, shared);
      if (!packet.ok) return badFile(input.path, `cannot read embedded XMP: ${packet.error}`);
      // A packet that names none of our fields would parse to nothing: skip the parse (most camera packets).
      if (packet.xmp && mayHoldFields(packet.xmp)) {
        const parsed = parseXmp(packet.xmp, { strict: false });
        if (!parsed.ok) return badFile(input.path, `embedded XMP is unreadable: ${parsed.error}`);
        embedded = readFields(parsed.root);
        if (isEmpty(embedded)) embedded = null;
      }
    }
    const merged = mergeFields(embedded, sidecar);
    if (!merged) return { status: 'done', value: null };
    const source = embedded && sidecar ? 'both' : sidecar ? 'sidecar' : 'embedded';
    return { status: 'done', value: { ...merged, source } };
  } catch (err) {
    return unexpectedFailure(input.path, 'XMP', err);
  }
}

/**
 * JPEG packets are found by walking segments, other formats' through the EXIF reader; both from the same bytes the
 * exif stage reads (shared when both tasks of a photo share a batch).
 */
async function embeddedPacket(input: TaskInput, shared?: SharedReads): Promise<{ ok: true; xmp: string | null } | { ok: false; error: string }> {
  let head: Buffer;
  try {
    head = metadataBytes(input, shared);
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
  // Said plainly, as the other stages say it (the EXIF reader would report a DataView offset).
  if (head.length === 0) return { ok: false, error: 'the file is empty' };
  if (head[0] === 0xff && head[1] === 0xd8) {
    const packet = findJpegXmp(head);
    return { ok: true, xmp: packet ? decodePacket(packet) : null };
  }
  return readEmbeddedXmp(head);
}

async function readSidecar(file: string): Promise<{ ok: true; fields: XmpFields } | { ok: false; outcome: StageOutcome<never> }> {
  let text: string;
  try {
    const stat = await fs.promises.stat(file);
    if (stat.size > SIDECAR_LIMIT_BYTES) {
      return { ok: false, outcome: badFile(file, `sidecar is ${stat.size} bytes, over the ${SIDECAR_LIMIT_BYTES} byte limit (refused unread)`) };
    }
    text = decodePacket(await fs.promises.readFile(file));
  } catch (err) {
    return { ok: false, outcome: ioFailure(file, 'cannot read the sidecar', err) };
  }
  const parsed = parseXmp(text);
  if (!parsed.ok) return { ok: false, outcome: badFile(file, `sidecar is not valid XMP: ${parsed.error}`) };
  return { ok: true, fields: readFields(parsed.root) };
}

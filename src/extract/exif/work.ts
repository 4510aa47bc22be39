/** Worker half of the exif stage: reads tags and normalises them. Never throws, never touches the catalog. */
import type { StageOutcome, TaskInput } from '../stage.js';
import { SNIFF_BYTES, describeHead, sniffFormat } from '../image-sniff.js';
import { badFile, ioFailure, unexpectedFailure } from '../image-outcome.js';
import { metadataBytes, readExifTags } from './read.js';
import type { SharedReads } from '../image-shared-reads.js';
import { normalizeExif, type ExifRecord } from './normalize.js';

/** `shared`: reads shared with the other tasks of the same worker batch (the xmp task of the same photo). */
export async function run(input: TaskInput, shared?: SharedReads): Promise<StageOutcome<ExifRecord>> {
  try {
    let bytes: Buffer;
    try {
      bytes = metadataBytes(input, shared);
    } catch (err) {
      return ioFailure(input.path, 'cannot read', err);
    }
    const head = bytes.subarray(0, SNIFF_BYTES);
    const format = sniffFormat(head);
    const read = await readExifTags(bytes);
    // A file we cannot place still gives its metadata when it has a readable EXIF block (a damaged JPEG header).
    if (format === 'unknown' && !(read.ok && read.tags)) return badFile(input.path, `not a recognised image (${describeHead(head)})`);
    if (!read.ok && !read.unknownFormat) return badFile(input.path, `cannot read EXIF: ${read.error}`);
    // A known image format without EXIF is not an error: the date falls back to the file's mtime.
    return { status: 'done', value: normalizeExif(read.ok ? read.tags : null, input.mtimeMs) };
  } catch (err) {
    return unexpectedFailure(input.path, 'EXIF', err);
  }
}

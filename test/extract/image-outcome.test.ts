import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decoderMessage, errorFault, failureFrom, ioFailure, unexpectedFailure } from '../../src/extract/image-outcome.js';

test("a decoder's message keeps each of libvips' lines once, without the file's path", () => {
  const file = '/photos/scan 1.tif';
  const err = new Error(`${file}: bad seek to 3309\n${file}: bad seek to 3309\n${file}: bad seek to 3309\ntiff2vips: Seek error at scanline 4, strip 0\n`);
  assert.equal(decoderMessage(err, file), 'bad seek to 3309; tiff2vips: Seek error at scanline 4, strip 0');
  const missing = new Error(`VipsForeignLoad: file "${file}" does not exist\nVipsForeignLoad: file "${file}" does not exist\n`);
  assert.equal(decoderMessage(missing, file), 'VipsForeignLoad: file does not exist');
});

/** An error as Node's fs throws it: a message that starts with the code, and the code itself. */
function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, open '/photos/a.jpg'`), { code });
}

test('running out of file handles (EMFILE, ENFILE) pauses the stage instead of costing every file an attempt', () => {
  for (const code of ['EMFILE', 'ENFILE']) {
    const outcome = ioFailure('/photos/a.jpg', 'cannot read', errno(code, 'too many open files'));
    assert.equal(outcome.status, 'failed');
    assert.equal((outcome as { stageFault?: boolean }).stageFault, true, code);
  }
});

test('one classifier: the error code decides, whichever way the worker met the error', () => {
  const full = errno('ENOSPC', 'no space left on device');
  for (const outcome of [ioFailure('/p/a.jpg', 'cannot read', full), unexpectedFailure('/p/a.jpg', 'EXIF', full), failureFrom('/p/a.jpg: x', full)]) {
    assert.deepEqual({ ...outcome, reason: '' }, { status: 'failed', reason: '', retryable: true, stageFault: true });
  }
  assert.equal(errorFault(errno('EBUSY', 'resource busy')), 'transient');
  assert.deepEqual(ioFailure('/p/a.jpg', 'cannot read', errno('EBUSY', 'busy')), {
    status: 'failed',
    reason: "/p/a.jpg: cannot read: EBUSY: busy, open '/photos/a.jpg'",
    retryable: true,
  });
  // A file's own fault keeps what the caller said of it (left out: the engine's default retries).
  assert.deepEqual(ioFailure('/p/a.jpg', 'cannot read', errno('EISDIR', 'is a directory')), {
    status: 'failed',
    reason: "/p/a.jpg: cannot read: EISDIR: is a directory, open '/photos/a.jpg'",
    retryable: false,
  });
  assert.deepEqual(failureFrom('/p/a.jpg: odd', new Error('odd')), { status: 'failed', reason: '/p/a.jpg: odd' });
});

test("a message that only spells a code is not that fault: the words are the decoder's, the code is the machine's", () => {
  const outcome = unexpectedFailure('/photos/ENOSPC.jpg', 'thumbnail', new Error('bad marker EMFILE in segment'));
  assert.deepEqual(outcome, { status: 'failed', reason: '/photos/ENOSPC.jpg: unexpected thumbnail error: bad marker EMFILE in segment', retryable: false });
  assert.equal(errorFault('ENOSPC'), 'file');
  assert.equal(errorFault(null), 'file');
});

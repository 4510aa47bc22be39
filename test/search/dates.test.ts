import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDateBound } from '../../src/search/dates.js';

test('dates are read as UTC wall time at the precision given', () => {
  assert.equal(parseDateBound('2024'), Date.UTC(2024, 0, 1));
  assert.equal(parseDateBound('2024-06'), Date.UTC(2024, 5, 1));
  assert.equal(parseDateBound('2024-06-15'), Date.UTC(2024, 5, 15));
  assert.equal(parseDateBound('2024-06-15T18:30'), Date.UTC(2024, 5, 15, 18, 30));
  assert.equal(parseDateBound('2024-06-15T18:30:00+02:00'), Date.UTC(2024, 5, 15, 16, 30));
  for (const bad of ['yesterday', '2024-02-31', '2024-13', '15/06/2024', '']) assert.equal(parseDateBound(bad), null, bad);
});

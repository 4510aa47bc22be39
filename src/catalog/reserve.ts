/**
 * Room kept beside the catalog while phase 2 runs: a file of zeros taken while there is space and given up the
 * moment the catalog's disk is full, so the run can still hand its tasks back and record what it committed.
 * Without it those last writes would fail too (SQLite needs new pages for them) and the tasks would stay running
 * until the next run's recovery.
 */
import fs from 'node:fs';
import { isCatalogUrl } from './catalog-url.js';

/** Enough for the writes a failing run still makes (a few pages of tasks and runs, and their WAL frames). */
export const RESERVE_BYTES = 1024 * 1024;

export interface Reserve {
  /** Gives the room back to the disk (idempotent). */
  free(): void;
}

/** Takes the room, if the disk has it now; a disk that is already full gets no reserve (and no error). */
export function keepReserve(catalogFile: string, bytes = RESERVE_BYTES): Reserve {
  // A PostgreSQL catalog's disk is the server's, not ours to reserve.
  if (isCatalogUrl(catalogFile)) return { free: () => undefined };
  const file = `${catalogFile}.reserve`;
  let held = false;
  try {
    fs.writeFileSync(file, Buffer.alloc(bytes));
    held = true;
  } catch {
    fs.rmSync(file, { force: true });
  }
  return {
    free() {
      if (!held) return;
      held = false;
      fs.rmSync(file, { force: true });
    },
  };
}

/** One folder handed to processFolder directly, as the scan would: its names stat()ed here, a context of its own. */
import type { Db } from '../../src/catalog/open.js';
import { filesCatalog } from '../../src/catalog/files.js';
import { zeroCounts } from '../../src/catalog/scans.js';
import type { FolderContext } from '../../src/scan/folder.js';
import type { ListedFolder } from '../../src/scan/listed-folder.js';
import { SeenIds } from '../../src/scan/seen.js';
import { StatBatch, statNames } from '../../src/scan/stat-batch.js';

/** stat() of the folder's listing, without following links; `salt` goes into its digest. */
export function statListed(folder: ListedFolder, salt = ''): StatBatch {
  return new StatBatch(statNames({ dir: folder.dir, names: folder.statNames, follow: false, salt }));
}

/** A context for scan 1 of `rootId` at time 1, fresh counts and marks, hooks that do nothing; `over` replaces parts. */
export function folderContext(db: Db, rootId: number, over: Partial<FolderContext> = {}): FolderContext {
  return {
    db, files: filesCatalog(db), scanId: 1, rootId, now: () => 1, settleBefore: null, counts: zeroCounts(),
    seen: new SeenIds(), tally: { live: 0, other: false, wrote: false }, report: () => {}, protect: () => {},
    unchangedFolders: new Set(), storeDigest: () => {}, ...over,
  };
}

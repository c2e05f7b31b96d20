// The disk filler: a process that fills a file system to ENOSPC on request and frees the space again.
// `node disk-filler.mjs <dir>`, forked with IPC:
//   <- { type: 'fill' }  -> { type: 'full', bytes }   (writes <dir>/filler until the file system is full)
//   <- { type: 'free' }  -> { type: 'freed' }         (deletes it)

import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const file = join(process.argv[2], 'filler');

/** Writes `chunk` until ENOSPC; returns the bytes written. */
function writeUntilFull(fd, chunk) {
  let bytes = 0;
  for (;;) {
    try {
      bytes += writeSync(fd, chunk);
    } catch (error) {
      if (error.code === 'ENOSPC') return bytes;
      throw error;
    }
  }
}

process.on('message', (message) => {
  if (message.type === 'fill') {
    const fd = openSync(file, 'a');
    // Big chunks first, then small ones for the last pages: the file system is left with no free block.
    const bytes = writeUntilFull(fd, Buffer.alloc(1 << 20, 1)) + writeUntilFull(fd, Buffer.alloc(4096, 1)) + writeUntilFull(fd, Buffer.alloc(64, 1));
    fsyncSync(fd);
    closeSync(fd);
    process.send({ type: 'full', bytes });
  } else if (message.type === 'free') {
    rmSync(file, { force: true });
    process.send({ type: 'freed' });
  }
});
process.on('disconnect', () => process.exit(0));

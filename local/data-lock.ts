/**
 * One process at a time on a data folder: LevelDB (dynalite) and the secrets file cannot be shared,
 * and a second opener used to fail with a stack trace ("Database is closed"). The lock is a file
 * `lock` in the folder holding the owner's pid; a lock whose pid is no longer running is stale
 * (the owner crashed or was killed) and is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DATA_LOCK_FILE = 'lock';

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by process ${pid} (a running \`npm start\` or dutybridge command): ` +
        `stop that one first, or set DUTYBRIDGE_DATA_DIR to another folder`,
    );
    this.name = 'DataDirBusyError';
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataLock {
  release(): void;
}

/** Takes the data folder's lock (the folder must exist), or throws DataDirBusyError naming the holder. */
export function lockDataDir(dataDir: string): DataLock {
  const file = path.join(dataDir, DATA_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
        } catch {
          // Already gone.
        }
      };
      process.on('exit', release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: number;
    try {
      holder = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue; // released in between: try again
    }
    if (Number.isInteger(holder) && holder > 0 && running(holder)) throw new DataDirBusyError(dataDir, holder);
    // Stale (its process is gone) or unreadable: take it over.
    try {
      unlinkSync(file);
    } catch {
      // Someone else took it over first; the next attempt finds out who.
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

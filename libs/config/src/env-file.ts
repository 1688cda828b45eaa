import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

type EnvSource = Record<string, string | undefined>;

/**
 * The variables the apps validate: those of a `.env` file in the working directory (Nest's convention), under the
 * real environment's, which win whenever they are set.
 */
export function readEnvironment(directory: string = process.cwd(), environment: EnvSource = process.env): EnvSource {
  const path = join(directory, '.env');
  const file = existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
  return { ...file, ...environment };
}

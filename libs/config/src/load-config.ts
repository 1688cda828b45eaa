import { z } from 'zod';
import { readEnvironment } from './env-file';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = ConfigValidationError.name;
  }
}

type EnvSource = Record<string, string | undefined>;

/** Validates the environment (with `.env`, see readEnvironment) once; blank values count as unset so defaults apply. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  source: EnvSource = readEnvironment(),
): Readonly<z.output<S>> {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigValidationError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}

/** A URL with its password replaced, for logs and start-up errors. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '****';
    }
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

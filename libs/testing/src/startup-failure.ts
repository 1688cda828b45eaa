class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

export interface StartupFailure {
  exitCode: number;
  /** Everything written to stderr, split into lines. */
  stderrLines: string[];
}

/**
 * Runs a start-up that is expected to fail and end with process.exit; catches the exit instead of dying and
 * returns the exit code and what was written to stderr.
 */
export async function captureStartupFailure(start: () => Promise<unknown>): Promise<StartupFailure> {
  const written: string[] = [];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  });
  const exit = jest.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
    throw new ExitCalled(Number(code ?? 0));
  });
  try {
    await start();
    throw new Error('start-up succeeded but was expected to fail');
  } catch (error) {
    if (!(error instanceof ExitCalled)) {
      throw error;
    }
    return { exitCode: error.code, stderrLines: written.join('').trim().split('\n') };
  } finally {
    write.mockRestore();
    exit.mockRestore();
  }
}

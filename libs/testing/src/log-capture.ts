import { Writable } from 'node:stream';

export interface LogLine {
  level: string;
  msg: string;
  app?: string;
  context?: string;
  signal?: string;
  [field: string]: unknown;
}

/** Collects an app's JSON log lines in memory so tests can assert on runbook signals. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  private partial = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const text = this.partial + chunk.toString('utf8');
    const pieces = text.split('\n');
    this.partial = pieces.pop() ?? '';
    for (const piece of pieces.filter((line) => line.trim() !== '')) {
      this.lines.push(JSON.parse(piece) as LogLine);
    }
    callback();
  }

  withMsg(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** Prints what the app logged; handy when a test fails. */
  dump(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
}

/** Where the command line reads and writes: the process's streams and environment, or a test's fakes. */

export interface Output {
  write(text: string): unknown;
  /** True on a terminal: live bars instead of plain lines. */
  isTTY?: boolean;
}

export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  /** Ctrl-C while following: stops following (the run goes on) instead of killing the process mid-redraw. */
  interrupts(): Interrupts;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interrupts() {
      const controller = new AbortController();
      const abort = () => controller.abort();
      process.once('SIGINT', abort);
      return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', abort) };
    },
  };
}

/** Bars need the real terminal stream (cursor moves); only a process stream is ever a TTY. */
export const terminal = (out: Output) => out as NodeJS.WriteStream;

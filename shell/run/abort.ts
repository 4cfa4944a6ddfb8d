/** What ends a whole line from anywhere inside it. */
import { ShellError, Status } from '../base/errors.ts';

/** Functions (or `ctx.run`) nested more than 100 deep: ends the whole line, reported once (CONTRACT §11). */
export class NestingAbort {
  reported = false;
  constructor(
    readonly name: string,
    /** The line said instead of "nested more than 100 deep" (a capture past its limit aborts the line too). */
    readonly message?: string,
  ) {}
}

/** A write into a capture past its limit (`ctx.stdout.write` in `$(…)` fails with it); the line ends, the writer is not blamed. */
export class CaptureFull extends ShellError {
  constructor(message: string) {
    super(message, Status.failed);
  }
}

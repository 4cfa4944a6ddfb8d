/**
 * The system layer for job control (CONTRACT §15): programs started in
 * process groups through an FFI, their states followed without stealing
 * libuv's children, the terminal handed to the foreground job and back.
 * `available()` says whether this platform has it; without it `startGroup`
 * falls back to `child_process` (no own group, no Ctrl-Z).
 */
export { available, bound, unavailableReason } from './ffi.ts';
export { type ChildEvent, Group, type GroupResult, type GroupState } from './reaper.ts';
export {
  type GroupSpec,
  type ProgramSpec,
  type ProgramStart,
  type Redirect,
  type SpawnFailure,
  SpawnSetupError,
  type StartedGroup,
  type Stdio,
  startGroup,
} from './spawn.ts';
export {
  giveTerminal,
  reclaimTerminal,
  releaseTerminal,
  type TerminalModes,
  type TerminalResult,
  takeTerminal,
  terminalFd,
} from './terminal.ts';

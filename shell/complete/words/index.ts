/**
 * Word sources for Tab that need no program: variables after `$`, users after
 * `~`, directories after `cd`, jobs after `%`, file names anywhere, programs on PATH.
 */
export { type DirectoryOptions, directories } from './directories.ts';
export { type JobEntry, jobs } from './jobs.ts';
export { directoryOf, files, type PathOptions } from './paths.ts';
export { onPath, programNames, programs } from './programs.ts';
export { type UsersOptions, users } from './users.ts';
export { variables } from './variables.ts';

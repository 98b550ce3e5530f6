import { buildProgram } from './program.js';
import { reportError } from './support.js';

// Entry point of `beton` (bin/beton.js loads this, built or through tsx).
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => reportError(error));

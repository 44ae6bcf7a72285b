import { fileURLToPath } from 'node:url';

/** The package's root folder (compiled code lives in `dist/src`, sources in `src`). */
export const packageRoot = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url),
);

#!/usr/bin/env node
/**
 * Runs the compiled test suite: unit tests once, integration tests on the embedded store and — when
 * TEST_DATABASE_URL is set, or always under CI — on PostgreSQL too. Under CI a PostgreSQL that cannot be
 * reached fails the run; it is never skipped. Browser tests (test/browser, headless Chromium) run once, on the
 * embedded store; without /usr/bin/chromium they are skipped, except under CI, where they always run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = (dir) =>
  (existsSync(join(root, 'dist/test', dir)) ? readdirSync(join(root, 'dist/test', dir)) : [])
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join('dist/test', dir, f));
const only = process.argv.slice(2);
const filter = (list) => (only.length ? list.filter((f) => only.some((o) => f.includes(o))) : list);

function run(label, list, env) {
  if (list.length === 0) return 0;
  console.log(`\n# ${label}`);
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...list], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

const pgUrl =
  process.env.TEST_DATABASE_URL || (process.env.CI ? 'postgres://postgres@127.0.0.1:5432/test' : '');
let failed = 0;
failed |= run('unit tests', filter(files('unit')), {});
failed |= run('integration tests: embedded store (PGlite)', filter(files('integration')), {
  TEST_STORE: 'embedded',
});
if (pgUrl) {
  failed |= run(`integration tests: PostgreSQL (${pgUrl})`, filter(files('integration')), {
    TEST_STORE: 'postgres',
    TEST_DATABASE_URL: pgUrl,
  });
} else {
  console.log(
    '\n# PostgreSQL run skipped: set TEST_DATABASE_URL=postgres://… to include it (CI always does).',
  );
}
const browser = filter(files('browser'));
if (browser.length && (process.env.CI || existsSync('/usr/bin/chromium'))) {
  failed |= run('browser tests: headless Chromium, embedded store', browser, { TEST_STORE: 'embedded' });
} else if (browser.length) {
  console.log('\n# browser tests skipped: /usr/bin/chromium is missing (apt-get install chromium; CI always runs them).');
}
process.exit(failed ? 1 : 0);

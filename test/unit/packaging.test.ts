import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

const read = (file: string) => readFileSync(join(packageRoot, file), 'utf8');

/** Every environment variable the server and CLI read, found in the sources. */
function variablesRead(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(join(packageRoot, dir))) {
      const path = join(dir, name);
      if (statSync(join(packageRoot, path)).isDirectory()) walk(path);
      else if (name.endsWith('.ts'))
        for (const [, variable] of read(path).matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) found.add(variable);
    }
  };
  walk('src');
  return found;
}

test('.env.example and the README list every setting the code reads', () => {
  const variables = variablesRead();
  assert.ok(variables.has('DATABASE_URL') && variables.has('SWITCHBOARD_ADMIN_TOKEN'), [...variables].join());
  const example = read('.env.example');
  const readme = read('README.md');
  for (const variable of variables) {
    assert.match(example, new RegExp(`^#? ?${variable}=`, 'm'), `.env.example lacks ${variable}`);
    assert.ok(readme.includes(variable), `README.md lacks ${variable}`);
  }
});

test('the image runs as a non-root user on the Node the package declares, with the migrations', () => {
  const dockerfile = read('Dockerfile');
  const engines = JSON.parse(read('package.json')).engines.node as string;
  const declared = /(\d+)\.(\d+)/.exec(engines)!;
  const bases = [...dockerfile.matchAll(/^FROM node:(\d+)\.(\d+)\S* AS (\w+)$/gm)];
  assert.ok(bases.length >= 2, 'a build stage and a runtime stage');
  for (const [, major, minor] of bases) {
    assert.equal(major, declared[1]);
    assert.ok(Number(minor) >= Number(declared[2]), `node:${major}.${minor} is older than ${engines}`);
  }
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^COPY src\/db\/migrations /m);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /\/readyz/);
  const compose = read('compose.yaml');
  assert.match(compose, /env_file: \.env/);
  assert.match(compose, /DATABASE_URL: postgres:\/\//);
});

#!/usr/bin/env node
/**
 * Builds the dashboard (web/) into dist/web: esbuild bundles web/src/main.tsx (Preact; uPlot split into its
 * own chunk, loaded by the views that chart) into content-hashed files under dist/web/ui, and writes
 * dist/web/index.html naming them. `npm install` (prepare) and `npm run build` run it.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/web');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'ui'), { recursive: true });

/**
 * The metric definitions the UI links every number to, read from the docs at build time so the two never
 * disagree: the tables of docs/metrics.md (queue, operator and bot rows) and the README's state durations.
 */
function definitions() {
  const entries = [];
  const tables = (file, kinds) => {
    let section = null;
    for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
      if (!line.startsWith('|')) {
        section = null;
        continue;
      }
      const cells = line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
      if (kinds[cells[0]]) section = kinds[cells[0]];
      if (!section || !cells[0].startsWith('`')) continue;
      // `active` (mluvii `length`) names one metric; `selfService`, `dropOff`, `agent` name three.
      const names = [...cells[0].split('(')[0].matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
      for (const name of names) {
        entries.push({
          id: `${section.prefix}.${name}`,
          name,
          group: section.group,
          text: cells[1],
          source: `${file}#${section.anchor}`,
        });
      }
    }
  };
  tables('docs/metrics.md', {
    metric: { prefix: 'queue', group: 'Queue metrics', anchor: 'definitions' },
    'operator row': { prefix: 'operator', group: 'Operator metrics', anchor: 'operators-and-bots' },
    'bot row': { prefix: 'bot', group: 'Bot metrics', anchor: 'operators-and-bots' },
  });
  tables('README.md', {
    duration: { prefix: 'session', group: 'Session state durations', anchor: 'state-durations' },
  });
  return entries;
}

const docsPlugin = {
  name: 'definitions',
  setup(b) {
    b.onResolve({ filter: /^virtual:definitions$/ }, () => ({ path: 'definitions', namespace: 'docs' }));
    b.onLoad({ filter: /.*/, namespace: 'docs' }, () => ({
      contents: JSON.stringify(definitions()),
      loader: 'json',
      watchFiles: [join(root, 'docs/metrics.md'), join(root, 'README.md')],
    }));
  },
};

const result = await build({
  plugins: [docsPlugin],
  entryPoints: [join(root, 'web/src/main.tsx')],
  outdir: join(out, 'ui'),
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  target: ['es2022'],
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([file, o]) => o.entryPoint?.endsWith('main.tsx') && file.endsWith('.js'));
const js = basename(entry[0]);
const css = entry[1].cssBundle ? basename(entry[1].cssBundle) : null;
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Switchboard</title>
<link rel="icon" href="data:,">
${css ? `<link rel="stylesheet" href="/ui/${css}">\n` : ''}<script type="module" src="/ui/${js}"></script>
</head>
<body>
<div id="app"><p class="loading">Loading Switchboard…</p></div>
<noscript>The Switchboard dashboard needs JavaScript.</noscript>
</body>
</html>
`,
);
console.log(`dashboard built: dist/web/ui/${js}${css ? `, ${css}` : ''}`);

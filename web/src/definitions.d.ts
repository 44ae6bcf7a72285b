/** The metric definitions of docs/metrics.md and the README, extracted at build time (scripts/build-web.js). */
declare module 'virtual:definitions' {
  const definitions: { id: string; name: string; group: string; text: string; source: string }[];
  // eslint-disable-next-line no-restricted-exports -- an esbuild virtual module has only its JSON default
  export default definitions;
}

// Builds the demo page into dist/public: compiles web/src and the placeholder module it shares with the
// CLI (src/demo/time.ts) into dist/public/js/{web/src,src/demo} (web/tsconfig.json), and copies web/static.
// Used by `npm run build` and by the browser test, so both serve the same files.
const { execFileSync } = require('node:child_process');
const { cpSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const out = join(__dirname, '..', 'dist', 'public');
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json')], { stdio: 'inherit' });
cpSync(join(__dirname, 'static'), out, { recursive: true });

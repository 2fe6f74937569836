#!/usr/bin/env node
// Writes docs/rules.md from the compiled rule configuration schema (run after `npm run build`).
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { renderRulesDoc } = require('../dist/docs/rules-doc');

writeFileSync(join(__dirname, '..', 'docs', 'rules.md'), renderRulesDoc());
process.stdout.write('docs/rules.md written\n');

#!/usr/bin/env node
// Writes docs/cards.md from the compiled service (run after `npm run build`).
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { renderCardsDoc } = require('../dist/docs/cards-doc');

renderCardsDoc().then((text) => {
  writeFileSync(join(__dirname, '..', 'docs', 'cards.md'), text);
  process.stdout.write('docs/cards.md written\n');
});

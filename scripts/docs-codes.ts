/** Writes docs/error-codes.md's tables from the codes registry: `npm run docs:codes`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES_DOC, renderErrorCodes } from './error-codes-doc.ts';

const current = readFileSync(ERROR_CODES_DOC, 'utf8');
const next = await renderErrorCodes(current);
if (next === current) console.log(`${ERROR_CODES_DOC}: up to date`);
else {
  writeFileSync(ERROR_CODES_DOC, next);
  console.log(`${ERROR_CODES_DOC}: written`);
}

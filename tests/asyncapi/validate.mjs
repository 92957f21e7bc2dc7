// validate.mjs - run the AsyncAPI project's own parser (@asyncapi/parser,
// pinned in package.json) over AsyncAPI documents and fail on any error.
//
// usage: node validate.mjs NODE_MODULES_DIR FILE...
// For each file: every diagnostic (severity 0 error, 1 warning, 2 info,
// 3 hint) is printed with its code, path and message; the run exits 1 when
// any file has an error or does not parse into a document, or when a
// warning is not in ALLOWED_WARNINGS (each explained in docs/emitters.md).
// It also checks that the parser resolved every message's payload to a
// schema with a type or a oneOf (the $refs into components.schemas); the
// dead letter's payload is the original bytes, a schema without a type.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [nodeModules, ...files] = process.argv.slice(2);
if (!nodeModules || files.length === 0) {
  console.error('usage: node validate.mjs NODE_MODULES_DIR FILE...');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
const { Parser } = require('@asyncapi/parser');

// Warnings that are expected, with why (docs/emitters.md, "AsyncAPI"):
const ALLOWED_WARNINGS = new Set([]);

const parser = new Parser();
let failed = 0, messages = 0;
for (const file of files) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'), { source: path.resolve(file) });
  let errors = 0, warnings = 0;
  for (const d of diagnostics) {
    const where = (d.path || []).join('/');
    console.log(`${file}: ${['error', 'warning', 'info', 'hint'][d.severity]} ${d.code} at /${where}: ${d.message}`);
    if (d.severity === 0) errors++;
    else if (d.severity === 1 && !ALLOWED_WARNINGS.has(d.code)) warnings++;
  }
  if (!document) {
    console.log(`${file}: FAIL: no document`);
    failed++;
    continue;
  }
  for (const m of document.allMessages()) {
    const p = m.payload();
    const json = p ? p.json() : null;
    const unresolved = !json || '$ref' in json
      || (m.id() !== 'topicgen.DeadLetter' && !(p.type() || p.oneOf()));
    if (unresolved) {
      console.log(`${file}: FAIL: message ${m.id()} has no resolved payload`);
      errors++;
    }
    messages++;
  }
  const channels = document.allChannels().length, operations = document.allOperations().length;
  console.log(`${file}: ${errors} errors, ${warnings} unexplained warnings, ${channels} channels, ${operations} operations`);
  if (errors || warnings) failed++;
}
console.log(`${files.length - failed} of ${files.length} documents valid, ${messages} messages resolved`);
process.exit(failed ? 1 : 0);

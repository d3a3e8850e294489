// Parse an AsyncAPI document with the upstream @asyncapi/parser and print its diagnostics as
// JSON: {"errors": n, "warnings": n, "diagnostics": [...]}. Exit 1 when any error is found.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Parser } from "@asyncapi/parser";

const path = process.argv[2];
if (!path) {
  console.error("usage: node check.mjs ASYNCAPI.json");
  process.exit(2);
}
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"), {
  source: resolve(path), // relative $refs resolve against the document
});
// Spectral severities: 0 error, 1 warning, 2 information, 3 hint
const errors = diagnostics.filter((d) => d.severity === 0);
const summary = {
  errors: errors.length,
  warnings: diagnostics.filter((d) => d.severity === 1).length,
  parsed: document !== undefined,
  diagnostics: diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    path: d.path.join("."),
  })),
};
console.log(JSON.stringify(summary));
process.exit(errors.length > 0 || document === undefined ? 1 : 0);

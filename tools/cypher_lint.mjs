#!/usr/bin/env node
// Check Cypher statements offline the way a Neo4j 5 server would, with Neo4j's own Cypher 5
// analyser (@neo4j-cypher/language-support): syntax, semantics (undefined variables, type
// errors, removed syntax), unknown functions and procedures, undeclared $parameters, deprecations.
//
// Usage: node tools/cypher_lint.mjs [--cache FILE] [--jobs N] < statements.json
//
// Input (stdin), either a JSON array of statements or an object with a "statements" array:
//   [{"name": "reads.node_by_id", "text": "MATCH ...", "params": ["id", "vis"]}, ...]
//   {"labels": [...], "relationshipTypes": [...], "statements": [...]}
// "params" is a list of names or an object of name -> example value; only these $parameters are
// declared for that statement. "labels" and "relationshipTypes", when given, are the only ones
// the graph has: any other is reported as an error (a misspelt label silently matches nothing).
//
// Output (stdout): a JSON array, one entry per statement, in input order:
//   [{"name": ..., "diagnostics": [{"severity": 1, "kind": "error", "message": ...,
//     "line": 1, "column": 7, "excerpt": "..."}]}]
// Severity 1 is an error; 2 a warning the caller may choose to accept. Exit status is 0 when the
// input could be read (whatever the diagnostics say) and 2 when it could not.
//
// The analyser is Neo4j's compiled front end and costs ~0.1-0.4 s per statement, so statements
// are spread over worker threads, and --cache keeps results keyed by a hash of everything that
// decides them (package version, this script, schema, text, params): the analyser is
// deterministic, so a cached answer is the answer.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { lintCypherQuery, parseStatementsStrs, testData } from '@neo4j-cypher/language-support';

const VERSION = 'CYPHER 5';
// Plugins that a stock Neo4j 5 server (the docker-compose one) does not have: calling them is an
// error, not a portability question.
const PLUGIN_PREFIXES = ['apoc.', 'gds.'];
const CACHE_LIMIT = 20_000;

function builtIns(registry) {
  return Object.fromEntries(
    Object.entries(registry ?? {}).filter(
      ([name]) => !PLUGIN_PREFIXES.some((prefix) => name.startsWith(prefix)),
    ),
  );
}

// The recorded signatures of a real Neo4j 5 server, shipped with the package.
const recorded = testData.mockSchema;
const FUNCTIONS = builtIns(recorded.functions?.[VERSION]);
const PROCEDURES = builtIns(recorded.procedures?.[VERSION]);

function fail(message) {
  process.stderr.write(`cypher_lint: ${message}\n`);
  process.exit(2);
}

function declaredParams(params) {
  if (Array.isArray(params)) {
    // The value only has to be defined; a map stands in for every parameter.
    return Object.fromEntries(params.map((name) => [name, {}]));
  }
  return { ...(params ?? {}) };
}

function position(text, offset) {
  const lines = text.slice(0, Math.max(0, offset)).split('\n');
  return { line: lines.length, column: lines.at(-1).length + 1 };
}

function excerpt(text, start, end) {
  const from = Math.max(0, start - 30);
  const to = Math.min(text.length, Math.max(end, start + 1) + 30);
  return (from > 0 ? '…' : '') + text.slice(from, to) + (to < text.length ? '…' : '');
}

// The analyser only warns about labels and types the database does not have; the hub's model is
// closed, so a label outside it (usually a misspelling, which silently matches nothing) is an error.
function isUnknownLabel(diagnostic) {
  return /^(Label|Relationship type|Label or relationship type) .* is not present in the database/
    .test(diagnostic.message);
}

// Labels and types spliced in from the model's whitelist are opaque names to the analyser: two
// statements that differ only in them get the same verdict. Linting each distinct shape once (with
// the spliced names shown as `Spliced`) cuts the work about threefold for the hub's statements,
// which are largely one template per label or type.
const SPLICED = 'Spliced';

function shapeOf(text, shared) {
  if (!shared.spliceable) return text;
  return text.replace(/([:|]\s*)`([^`]+)`/g, (whole, lead, name) =>
    shared.spliceable.has(name) ? `${lead}\`${SPLICED}\`` : whole);
}

function lintOne(entry, shared) {
  const text = String(entry.text ?? '');
  const schema = {
    functions: { [VERSION]: FUNCTIONS },
    procedures: { [VERSION]: PROCEDURES },
    parameters: declaredParams(entry.params),
    defaultLanguage: VERSION,
  };
  const closed = Array.isArray(shared.labels) && Array.isArray(shared.relationshipTypes);
  if (closed) {
    schema.labels = [...shared.labels, SPLICED];
    schema.relationshipTypes = [...shared.relationshipTypes, SPLICED];
  }
  const diagnostics = [];
  const parts = parseStatementsStrs(text).filter((part) => part.replace(/;\s*$/, '').trim());
  if (parts.length !== 1) {
    diagnostics.push({
      severity: 1,
      message: `expected exactly one statement, found ${parts.length}`,
      offsets: { start: 0, end: text.length },
    });
  }
  const result = lintCypherQuery(text, schema, { consoleCommandsEnabled: false });
  for (const d of result.diagnostics) {
    diagnostics.push(closed && isUnknownLabel(d) ? { ...d, severity: 1 } : d);
  }
  return diagnostics.map((d) => ({
    severity: d.severity,
    kind: d.severity === 1 ? 'error' : 'warning',
    message: d.message,
    ...position(text, d.offsets?.start ?? 0),
    excerpt: excerpt(text, d.offsets?.start ?? 0, d.offsets?.end ?? 0),
  }));
}

// ---- worker: lint what the main thread sends, one statement at a time --------------------------

function serveAsWorker() {
  const { shared } = workerData;
  parentPort.on('message', ({ index, entry }) => {
    parentPort.postMessage({ index, diagnostics: lintOne(entry, shared) });
  });
}

// ---- main thread ----------------------------------------------------------------------------------

function parseArgs(argv) {
  const options = { cache: null, jobs: Math.max(1, Math.min(availableParallelism(), 4)) };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--cache') options.cache = argv[++i];
    else if (argv[i] === '--jobs') options.jobs = Math.max(1, Number.parseInt(argv[++i], 10) || 1);
    else fail(`unknown argument ${argv[i]}`);
  }
  return options;
}

function packageVersion() {
  let dir = dirname(fileURLToPath(import.meta.resolve('@neo4j-cypher/language-support')));
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8'));
      if (parsed.name === '@neo4j-cypher/language-support') return parsed.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

function readCache(path) {
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {}; // a damaged cache is only a slower run
  }
}

function writeCache(path, cache) {
  const keys = Object.keys(cache);
  const kept = Object.fromEntries(keys.slice(Math.max(0, keys.length - CACHE_LIMIT))
    .map((key) => [key, cache[key]]));
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(kept));
  renameSync(partial, path); // atomic: concurrent runs never read half a file
}

function lintInWorkers(pending, shared, jobs) {
  return new Promise((resolve, reject) => {
    const results = new Map();
    let next = 0;
    const workers = [];
    const feed = (worker) => {
      if (next < pending.length) {
        const index = next;
        next += 1;
        worker.postMessage({ index, entry: pending[index].shape });
      }
    };
    const count = Math.min(jobs, Math.ceil(pending.length / 8));
    for (let i = 0; i < count; i += 1) {
      const worker = new Worker(new URL(import.meta.url), { workerData: { shared } });
      worker.on('message', ({ index, diagnostics }) => {
        results.set(index, diagnostics);
        if (results.size === pending.length) {
          workers.forEach((w) => w.terminate());
          resolve(results);
        } else {
          feed(worker);
        }
      });
      worker.on('error', reject);
      workers.push(worker);
      feed(worker);
    }
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (Object.keys(FUNCTIONS).length < 100 || !FUNCTIONS.toLower || !PROCEDURES['db.labels']) {
    // The package moved its recorded schema: fail loudly rather than lint against nothing.
    fail('the recorded Neo4j signatures (testData.mockSchema) were not found in the package');
  }
  let input;
  try {
    input = JSON.parse(readFileSync(0, 'utf8'));
  } catch (error) {
    fail(`stdin is not JSON: ${error.message}`);
  }
  const statements = Array.isArray(input) ? input : input?.statements;
  if (!Array.isArray(statements)) fail('expected a JSON array of {name, text, params}');
  const closed = !Array.isArray(input) && Array.isArray(input.labels) &&
    Array.isArray(input.relationshipTypes);
  const shared = closed
    ? {
      labels: input.labels,
      relationshipTypes: input.relationshipTypes,
      spliceable: new Set([...input.labels, ...input.relationshipTypes]),
    }
    : {};

  const salt = JSON.stringify([
    packageVersion(),
    createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex'),
    shared.labels ?? null,
    shared.relationshipTypes ?? null,
  ]);
  const cache = readCache(options.cache);
  const keyed = statements.map((entry) => {
    const shape = { text: shapeOf(String(entry.text ?? ''), shared), params: entry.params ?? null };
    const key = createHash('sha256').update(JSON.stringify([salt, shape])).digest('hex');
    return { entry, shape, key };
  });
  const pending = [...new Map(keyed.filter(({ key }) => !(key in cache))
    .map((item) => [item.key, item])).values()];
  if (pending.length > 0 && pending.length <= 8) {
    for (const item of pending) cache[item.key] = lintOne(item.shape, shared);
  } else if (pending.length > 0) {
    const results = await lintInWorkers(pending, shared, options.jobs);
    for (const [index, diagnostics] of results) cache[pending[index].key] = diagnostics;
  }
  if (options.cache && pending.length > 0) writeCache(options.cache, cache);
  const output = keyed.map(({ entry, key }) => ({ name: entry.name, diagnostics: cache[key] }));
  process.stdout.write(JSON.stringify(output) + '\n');
}

if (isMainThread) {
  await main();
} else {
  serveAsWorker();
}

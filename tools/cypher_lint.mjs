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
// The analyser is Neo4j's compiled front end and costs 0.1-0.4 s a statement, so:
// - statements that differ only in labels or types spliced in from the given lists are analysed
//   once, as one shape (those names are opaque to the analyser);
// - new shapes are spread over worker threads;
// - --cache keeps each shape's diagnostics, keyed by a hash of all that decides them (package
//   version, this script, text, params). Labels are checked against the lists after the cache,
//   so a change to the model's labels does not invalidate it. The analyser is deterministic: a
//   cached answer is the answer.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const PACKAGE = '@neo4j-cypher/language-support';
const VERSION = 'CYPHER 5';
// Plugins that a stock Neo4j 5 server (the docker-compose one) does not have: calling them is an
// error, not a portability question.
const PLUGIN_PREFIXES = ['apoc.', 'gds.'];
const SPLICED = 'Spliced';
const UNKNOWN_NAME =
  /^(Label or relationship type|Relationship type|Label) (.+) is not present in the database/;
const CACHE_LIMIT = 20_000;

function fail(message) {
  process.stderr.write(`cypher_lint: ${message}\n`);
  process.exit(2);
}

// ---- the analyser (loaded only when something is not cached: it takes a second to load) --------

async function loadAnalyser() {
  const lib = await import(PACKAGE);
  const builtIns = (registry) => Object.fromEntries(
    Object.entries(registry ?? {}).filter(
      ([name]) => !PLUGIN_PREFIXES.some((prefix) => name.startsWith(prefix)),
    ),
  );
  // The recorded signatures of a real Neo4j 5 server, shipped with the package.
  const recorded = lib.testData?.mockSchema ?? {};
  const functions = builtIns(recorded.functions?.[VERSION]);
  const procedures = builtIns(recorded.procedures?.[VERSION]);
  if (Object.keys(functions).length < 100 || !functions.toLower || !procedures['db.labels']) {
    // The package moved its recorded schema: fail loudly rather than lint against nothing.
    fail('the recorded Neo4j signatures (testData.mockSchema) were not found in the package');
  }
  return { lib, functions, procedures };
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

// Analyse one shape. With an empty label list the analyser reports every label and type the
// statement uses; they are sorted into known and unknown later, outside the cache.
function analyse(analyser, shape) {
  const { lib, functions, procedures } = analyser;
  const text = shape.text;
  const schema = {
    functions: { [VERSION]: functions },
    procedures: { [VERSION]: procedures },
    parameters: declaredParams(shape.params),
    defaultLanguage: VERSION,
    labels: [],
    relationshipTypes: [],
  };
  const diagnostics = [];
  const parts = lib.parseStatementsStrs(text).filter((part) => part.replace(/;\s*$/, '').trim());
  if (parts.length !== 1) {
    diagnostics.push({
      severity: 1,
      message: `expected exactly one statement, found ${parts.length}`,
      offsets: { start: 0, end: text.length },
    });
  }
  diagnostics.push(...lib.lintCypherQuery(text, schema, { consoleCommandsEnabled: false })
    .diagnostics);
  return diagnostics.map((d) => ({
    severity: d.severity,
    message: d.message,
    ...position(text, d.offsets?.start ?? 0),
    excerpt: excerpt(text, d.offsets?.start ?? 0, d.offsets?.end ?? 0),
  }));
}

// Keep the label diagnostics that name something outside the lists, as errors; without lists,
// drop them all (there is nothing to check against).
function settleLabels(diagnostics, known) {
  const settled = [];
  for (const d of diagnostics) {
    const match = UNKNOWN_NAME.exec(d.message);
    if (!match) {
      settled.push(d);
      continue;
    }
    const name = match[2].replace(/^`|`$/g, '');
    const pool = match[1] === 'Label' ? known?.labels
      : match[1] === 'Relationship type' ? known?.types : known?.any;
    if (pool && name !== SPLICED && !pool.has(name)) settled.push({ ...d, severity: 1 });
  }
  return settled.map((d) => ({ ...d, kind: d.severity === 1 ? 'error' : 'warning' }));
}

// ---- worker: analyse what the main thread sends, one shape at a time ----------------------------

async function serveAsWorker() {
  const analyser = await loadAnalyser();
  parentPort.on('message', ({ index, shape }) => {
    parentPort.postMessage({ index, diagnostics: analyse(analyser, shape) });
  });
  parentPort.postMessage({ ready: true });
}

// ---- main thread --------------------------------------------------------------------------------

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
  let dir = dirname(fileURLToPath(import.meta.resolve(PACKAGE)));
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8'));
      if (parsed.name === PACKAGE) return parsed.version;
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

// Labels and types spliced in from the lists are opaque names to the analyser.
function shapeOf(text, spliceable) {
  if (!spliceable) return text;
  return text.replace(/([:|]\s*)`([^`]+)`/g, (whole, lead, name) =>
    spliceable.has(name) ? `${lead}\`${SPLICED}\`` : whole);
}

function analyseInWorkers(shapes, jobs) {
  return new Promise((resolve, reject) => {
    const results = new Map();
    const workers = [];
    let next = 0;
    const feed = (worker) => {
      if (next < shapes.length) {
        worker.postMessage({ index: next, shape: shapes[next] });
        next += 1;
      }
    };
    const count = Math.min(jobs, Math.ceil(shapes.length / 8));
    for (let i = 0; i < count; i += 1) {
      const worker = new Worker(new URL(import.meta.url));
      worker.on('message', (message) => {
        if (!message.ready) results.set(message.index, message.diagnostics);
        if (results.size === shapes.length) {
          workers.forEach((w) => w.terminate());
          resolve(results);
        } else {
          feed(worker);
        }
      });
      worker.on('error', reject);
      workers.push(worker);
    }
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  let input;
  try {
    input = JSON.parse(readFileSync(0, 'utf8'));
  } catch (error) {
    fail(`stdin is not JSON: ${error.message}`);
  }
  const statements = Array.isArray(input) ? input : input?.statements;
  if (!Array.isArray(statements)) fail('expected a JSON array of {name, text, params}');
  let known = null;
  if (!Array.isArray(input) && Array.isArray(input.labels) &&
      Array.isArray(input.relationshipTypes)) {
    const labels = new Set(input.labels);
    const types = new Set(input.relationshipTypes);
    known = { labels, types, any: new Set([...labels, ...types]) };
  }

  const salt = JSON.stringify([
    packageVersion(),
    createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex'),
  ]);
  const cache = readCache(options.cache);
  const keyed = statements.map((entry) => {
    const shape = { text: shapeOf(String(entry.text ?? ''), known?.any), params: entry.params ?? null };
    const key = createHash('sha256').update(JSON.stringify([salt, shape])).digest('hex');
    return { entry, shape, key };
  });
  const pending = [...new Map(keyed.filter(({ key }) => !(key in cache))
    .map((item) => [item.key, item])).values()];
  if (pending.length > 0 && pending.length <= 8) {
    const analyser = await loadAnalyser();
    for (const item of pending) cache[item.key] = analyse(analyser, item.shape);
  } else if (pending.length > 0) {
    const results = await analyseInWorkers(pending.map((item) => item.shape), options.jobs);
    for (const [index, diagnostics] of results) cache[pending[index].key] = diagnostics;
  }
  if (options.cache && pending.length > 0) writeCache(options.cache, cache);
  const output = keyed.map(({ entry, key }) => ({
    name: entry.name,
    diagnostics: settleLabels(cache[key], known),
  }));
  process.stdout.write(JSON.stringify(output) + '\n');
}

if (isMainThread) {
  await main();
} else {
  await serveAsWorker();
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as labels from '../js/labels.js';

// The domain's label tables are written by the Go domain tests
// (domain/testdata/labels.json, go test ./domain -update); every table of
// labels.js must say exactly what the domain says, so the field app shows
// the same names as the server's messages and hints.
const path = fileURLToPath(new URL('../../domain/testdata/labels.json', import.meta.url));

// NOT_IN_APP are the domain's tables that no screen labels: the app shows
// no area levels (the server's messages name them itself).
const NOT_IN_APP = new Set(['area_levels']);

function golden() {
  if (!existsSync(path)) {
    assert.fail(`${path} is missing: the domain tests write it (go test ./domain -update); labels.js cannot be checked without it`);
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

// appTables are labels.js's exported tables (objects of strings), keyed by
// the golden file's names: STAGES → stages.
function appTables() {
  const out = {};
  for (const [name, v] of Object.entries(labels)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out[name.toLowerCase()] = v;
  }
  return out;
}

test('every table of labels.js is a table of the domain, and the other way round', () => {
  const want = golden();
  const got = appTables();
  for (const name of Object.keys(got)) {
    assert.ok(name in want, `labels.js has ${name.toUpperCase()}, which the domain does not label: add it to domain and to labels.json`);
  }
  for (const name of Object.keys(want)) {
    if (NOT_IN_APP.has(name)) continue;
    assert.ok(name in got, `the domain labels ${name}, labels.js has no ${name.toUpperCase()}`);
  }
});

test('every label of labels.js is the domain\'s, both ways, in the domain\'s order', () => {
  const want = golden();
  const got = appTables();
  const problems = [];
  for (const [name, table] of Object.entries(got)) {
    const w = want[name];
    const T = name.toUpperCase();
    if (!w) continue; // reported by the test above
    for (const [k, v] of Object.entries(table)) {
      if (typeof v !== 'string') problems.push(`${T}.${k}: not a string`);
      else if (!(k in w)) problems.push(`${T}.${k}: labels.js has "${v}", the domain has no ${k}`);
      else if (w[k] !== v) problems.push(`${T}.${k}: labels.js "${v}", the domain "${w[k]}"`);
    }
    for (const [k, v] of Object.entries(w)) {
      if (!(k in table)) problems.push(`${T}.${k}: the domain has "${v}", labels.js has no ${k}`);
    }
    const order = Object.keys(table).filter((k) => k in w);
    if (order.join() !== Object.keys(w).filter((k) => k in table).join()) problems.push(`${T}: the order differs from the domain's`);
  }
  assert.deepEqual(problems, [], 'labels.js differs from domain/testdata/labels.json');
});

test('FUNNEL follows the domain\'s stage order', () => {
  assert.deepEqual(labels.FUNNEL, Object.keys(golden().stages));
});

test('label falls back to the wire name, and to "" for none', () => {
  assert.equal(labels.label(labels.STAGES, 'applied'), golden().stages.applied);
  assert.equal(labels.label(labels.STAGES, 'nosuch'), 'nosuch');
  assert.equal(labels.label(labels.STAGES, ''), '');
  assert.equal(labels.label(labels.STAGES, undefined), '');
});

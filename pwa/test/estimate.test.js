import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assess } from '../js/rules.js';
import { estimateRequest } from '../js/views/newcase.js';

// What the phone estimates is what the file says: the new-application
// form's 政策测算 is built from the saved application only, and gives the
// assessment the filed case shows (domain/testdata/filing_vectors.json,
// written by domain.TestFiledCaseAssessmentVectors through domain.Create).
const vectorsPath = fileURLToPath(new URL('../../domain/testdata/filing_vectors.json', import.meta.url));

test('the new-application estimate equals the filed case\'s assessment on every golden vector', () => {
  assert.ok(existsSync(vectorsPath), 'golden vectors missing: go test ./domain -run TestFiledCaseAssessmentVectors -update');
  const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8'));
  assert.ok(vectors.length >= 8);
  for (const v of vectors) {
    const got = assess(estimateRequest(v.filing), v.program);
    assert.equal(got.eligible, v.want.eligible, `${v.name}: eligible`);
    assert.deepEqual([...got.bases].sort(), [...v.want.bases].sort(), `${v.name}: bases`);
    assert.deepEqual(got.reasons.map((r) => r.code), v.want.reasons.map((r) => r.code), `${v.name}: reasons`);
    assert.equal(got.suggested_method, v.want.suggested_method, `${v.name}: suggested method`);
    assert.equal(got.subsidy_yuan, v.want.subsidy_yuan, `${v.name}: subsidy shown to the cadre`);
  }
});

test('a grade the cadre believes is not part of the estimate: the file holds none until the county appraises', () => {
  const filing = {
    program_year: 2024, household: { type: 'hazardous_selfbuilt' },
    house: { built_year: 2005, structure: 'brick_concrete', floor_area_m2: 60, only_house: true },
    method: 'reinforce', flags: {}, appraisal_grade: 'C',
  };
  const req = estimateRequest(filing);
  assert.equal(req.appraisal_grade, '');
  assert.equal(assess(req).subsidy_yuan, 0);
  const form = readFileSync(fileURLToPath(new URL('../js/views/newcase.js', import.meta.url)), 'utf8');
  assert.doesNotMatch(form, /name: 'appraisal_grade'/, 'the form must not offer a grade it does not save');
});

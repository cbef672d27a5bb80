import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assess, validateIDNumber, normalizeNumber, checkDigit, areaRule, shanghaiToday, PROGRAM_2024 } from '../js/rules.js';

// The golden vectors are written by the Go domain tests (domain/testdata);
// rules.js must give the same answers offline as domain.Assess online.
const testdata = fileURLToPath(new URL('../../domain/testdata/', import.meta.url));

function vectors(name) {
  const path = testdata + name;
  if (!existsSync(path)) {
    assert.fail(`golden vectors ${path} are missing: the domain tests write them (go test ./domain -update); rules.js cannot be checked without them`);
  }
  const data = JSON.parse(readFileSync(path, 'utf8'));
  const list = Array.isArray(data) ? data : data.vectors || data.cases;
  assert.ok(Array.isArray(list) && list.length > 0, `${name} holds no vectors`);
  return list;
}

test('rules.js assess agrees with domain.Assess on every golden vector', () => {
  for (const v of vectors('assess_vectors.json')) {
    const input = v.input || v.request;
    const want = v.want || v.output || v.expected;
    const program = v.program || PROGRAM_2024;
    const got = assess(input, program);
    const name = v.name || JSON.stringify(input);
    assert.equal(got.deemed_inadequate, want.deemed_inadequate, `${name}: deemed_inadequate`);
    assert.deepEqual([...got.bases].sort(), [...(want.bases || [])].sort(), `${name}: bases`);
    assert.equal(got.eligible, want.eligible, `${name}: eligible`);
    assert.deepEqual(got.reasons.map((r) => r.code), (want.reasons || []).map((r) => r.code), `${name}: reason codes, in order`);
    for (const r of want.reasons || []) {
      if (r.message) assert.equal(got.reasons.find((g) => g.code === r.code).message, r.message, `${name}: message of ${r.code}`);
    }
    if ('suggested_method' in want) assert.equal(got.suggested_method, want.suggested_method || '', `${name}: suggested_method`);
    assert.equal(got.subsidy_yuan, want.subsidy_yuan, `${name}: subsidy_yuan`);
  }
});

test('validateIDNumber agrees with the Go check on every golden vector', () => {
  for (const v of vectors('idcard_vectors.json')) {
    const id = v.id_number ?? v.id ?? v.input;
    const today = v.today || (v.now ? shanghaiToday(Date.parse(v.now)) : undefined);
    const msg = validateIDNumber(id, today);
    assert.equal(msg === '', Boolean(v.valid), `${JSON.stringify(id)}: valid should be ${v.valid}, got message ${JSON.stringify(msg)}`);
    if (v.message !== undefined && !v.valid) assert.equal(msg, v.message, `${JSON.stringify(id)}: message`);
    assert.equal(normalizeNumber(id), v.normalized, `${JSON.stringify(id)} (${v.why}): normalized as domain.NormalizeNumber does`);
  }
});

test('normalizeNumber folds what Chinese input methods and pasting add', () => {
  assert.equal(normalizeNumber('６２２９２３１９６００１０１００１５'), '622923196001010015');
  assert.equal(normalizeNumber('１１０１０５１９４９１２３１００２ｘ'), '11010519491231002X');
  assert.equal(normalizeNumber('\ufeff622923\u200b1960\u3000 0101\u00a00015\u200d'), '622923196001010015');
  assert.equal(normalizeNumber('hk－００１'), 'HK-001');
  assert.equal(normalizeNumber('永字第１２号'), '永字第12号');
  assert.equal(validateIDNumber('６２２９２３１９６００１０１００１５', '2024-06-01'), '');
});

test('GB 11643 check digit: known numbers and every single-digit typo', () => {
  // 11010519491231002X is the standard's worked example.
  assert.equal(checkDigit('11010519491231002'), 'X');
  assert.equal(validateIDNumber('11010519491231002X'), '');
  assert.equal(validateIDNumber('11010519491231002x'), '');
  assert.equal(validateIDNumber('110105194912310021'), '身份证号校验位不正确，请核对');
  const good = '622923198001010013'.slice(0, 17);
  const id = good + checkDigit(good);
  assert.equal(validateIDNumber(id), '');
  for (let i = 0; i < 17; i++) {
    if (i >= 6 && i < 14) continue; // birth-date digits may fail the date check first
    for (let d = 0; d <= 9; d++) {
      const typo = id.slice(0, i) + d + id.slice(i + 1);
      if (typo === id) continue;
      assert.notEqual(validateIDNumber(typo), '', `typo at ${i} accepted: ${typo}`);
    }
  }
  assert.equal(validateIDNumber('62292319800101001'), '身份证号应为18位');
  assert.equal(validateIDNumber('62292319801301001X'.slice(0, 17) + 'X'), '身份证号中的出生日期无效');
  assert.equal(validateIDNumber(''), '请填写身份证号');
});

test('the 45 m² rule on the acceptance form', () => {
  assert.equal(areaRule('rebuild', 44.99).subsidy_yuan, 0);
  assert.equal(areaRule('rebuild', 44.99).ok, false);
  assert.equal(areaRule('rebuild', 45).subsidy_yuan, 30000);
  assert.equal(areaRule('reinforce', 20).subsidy_yuan, 10000);
  assert.equal(areaRule('rebuild', '').ok, false);
});

test('old-house threshold: built 1984 in program 2024 is 40 years, not over; 1983 is', () => {
  const base = { program_year: 2024, household_type: 'subsistence_allowance', only_house: true, structure: 'brick_wood', method: 'reinforce' };
  assert.deepEqual(assess({ ...base, built_year: 1984 }).bases, []);
  assert.deepEqual(assess({ ...base, built_year: 1983 }).bases, ['over_age']);
});

test('amounts read the same everywhere: the area rule and the server hints use 30,000 元', async () => {
  const { hintText } = await import('../js/labels.js');
  assert.match(areaRule('rebuild', 48.5).message, /补助 30,000 元/);
  assert.equal(hintText('待拨付补助30000元'), '待拨付补助30,000 元');
  assert.equal(hintText('村级公示中，2024-05-08 可结束'), '村级公示中，2024-05-08 可结束');
});

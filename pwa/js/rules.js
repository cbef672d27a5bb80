// Form rules that must hold on the phone without signal: the 身份证号 check
// (GB 11643) and 政策测算, a port of domain.Assess. Both are held to the Go
// rules by the golden vectors in domain/testdata (see pwa/test/rules.test.js).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

// checkDigit returns the GB 11643 check character for the first 17 digits.
export function checkDigit(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK[sum % 11];
}

// validateIDNumber returns '' for a valid 18-character 身份证号, else a
// Chinese message saying what is wrong (shown as the person types).
export function validateIDNumber(raw) {
  const id = String(raw || '').trim().toUpperCase();
  if (id === '') return '请填写身份证号';
  if (id.length !== 18) return '身份证号应为18位';
  if (!/^\d{17}[\dX]$/.test(id)) return '身份证号前17位应为数字，最后一位为数字或X';
  const y = +id.slice(6, 10), m = +id.slice(10, 12), d = +id.slice(12, 14);
  const born = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) {
    return '身份证号中的出生日期无效';
  }
  if (checkDigit(id) !== id[17]) return '身份证号校验位不正确';
  return '';
}

// PRIORITY_TYPES are the six priority household types (三(二)1).
export const PRIORITY_TYPES = [
  'subsistence_allowance', 'extreme_poverty_support', 'near_subsistence',
  'poverty_relapse_risk', 'lifted_from_poverty', 'severe_hardship',
];

// PROGRAM_2024 mirrors domain.Program2024 (永政办发〔2024〕19号); the app
// prefers the program the server sends (GET /api/programs), cached offline.
export const PROGRAM_2024 = {
  year: 2024,
  deadline: '2024-09-30',
  rebuild_subsidy_yuan: 30000,
  reinforce_subsidy_yuan: 10000,
  min_rebuild_area_m2: 45,
  old_house_years: 40,
  village_publicity_days: 7,
  township_publicity_days: 7,
  payment_due_days: 30,
  at_risk_days: 90,
};

// deemedBases lists why a house is deemed not seismically adequate (四(四)).
export function deemedBases(input, program) {
  const bases = [];
  if (input.appraisal_grade === 'C' || input.appraisal_grade === 'D') bases.push('appraised_dangerous');
  if (input.structure === 'earth') bases.push('earth');
  if (input.structure === 'brick_earth') bases.push('brick_earth');
  const built = Number(input.built_year) || 0;
  if (built > 0 && program.year - built > program.old_house_years) bases.push('over_age');
  return bases;
}

// subsidyFor is the subsidy for a method and floor area (三(二)4): rebuild
// only at or above the minimum area, else nothing.
export function subsidyFor(method, areaM2, program) {
  if (method === 'reinforce') return program.reinforce_subsidy_yuan;
  if (method === 'rebuild') {
    return Number(areaM2) >= program.min_rebuild_area_m2 ? program.rebuild_subsidy_yuan : 0;
  }
  return 0;
}

// assess answers POST /api/assess offline: the same fields in, the same
// answer out ({deemed_inadequate, bases, eligible, reasons, suggested_method,
// subsidy_yuan}).
export function assess(input, program = PROGRAM_2024) {
  const reasons = [];
  const add = (code, message) => reasons.push({ code, message });
  const bases = deemedBases(input, program);
  const grade = input.appraisal_grade || '';
  const type = input.household_type || '';

  if (type === 'hazardous_selfbuilt') {
    if (grade !== 'C' && grade !== 'D') add('not_appraised_hazardous', '非重点对象的自建房须经鉴定为C级或D级危房');
  } else if (!PRIORITY_TYPES.includes(type)) {
    add('not_priority_type', '农户类型不属于六类重点对象');
  }
  if (!input.only_house) add('not_only_house', '农户不是仅有一套(院)住房');
  if (bases.length === 0) add('not_inadequate', '房屋未被认定为不满足抗震要求(需鉴定为C/D级，或属生土、砖土混杂结构，或建成超过' + program.old_house_years + '年)');
  if (input.relocation_planned) add('relocation_planned', '已列入生态及地质灾害避险搬迁或享受其他搬迁补助');
  if (input.village_merger_planned) add('village_merger_planned', '位于村庄拆迁撤并规划区');
  if (input.disaster_rebuild_subsidy) add('disaster_rebuild_subsidy', '已享受因灾倒损农房恢复重建补助，不得重复享受');
  if (input.previously_renovated && !input.small_disaster_damage) add('previously_renovated', '曾享受危房改造，且非因小型自然灾害再次成为危房');

  let suggested = '';
  if (grade === 'D') suggested = 'rebuild';
  else if (grade === 'C') suggested = 'reinforce';

  const eligible = reasons.length === 0;
  const method = input.method || suggested;
  const subsidy = eligible ? subsidyFor(method, input.floor_area_m2, program) : 0;
  return {
    deemed_inadequate: bases.length > 0,
    bases,
    eligible,
    reasons,
    suggested_method: suggested,
    subsidy_yuan: subsidy,
  };
}

// areaRule explains the 45 m² rule for a measured rebuilt area, live on the
// acceptance form.
export function areaRule(method, areaM2, program = PROGRAM_2024) {
  if (method !== 'rebuild') return { ok: true, subsidy_yuan: program.reinforce_subsidy_yuan, message: '维修加固补助 ' + program.reinforce_subsidy_yuan + ' 元' };
  const a = Number(areaM2);
  if (!(a > 0)) return { ok: false, subsidy_yuan: 0, message: '请填写实测面积' };
  if (a < program.min_rebuild_area_m2) {
    return { ok: false, subsidy_yuan: 0, message: '重建面积不足' + program.min_rebuild_area_m2 + '平方米，补助为0，拨付将被阻止' };
  }
  return { ok: true, subsidy_yuan: program.rebuild_subsidy_yuan, message: '面积达标(≥' + program.min_rebuild_area_m2 + '㎡)，补助 ' + program.rebuild_subsidy_yuan + ' 元' };
}

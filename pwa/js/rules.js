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

const PROVINCES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83']);

// shanghaiToday is today's calendar day in Asia/Shanghai, "YYYY-MM-DD".
export function shanghaiToday(now = Date.now()) {
  return new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// normalizeNumber mirrors domain.NormalizeNumber, the one form of a 身份证号
// or 户口簿 number: full-width ASCII from a Chinese input method becomes
// ASCII (１２３ → 123, ｘ → x), a-z are upper-cased, and every space (of any
// width) and zero-width character is dropped wherever it stands.
export function normalizeNumber(raw) {
  let out = '';
  for (const ch of String(raw ?? '')) {
    let c = ch.codePointAt(0);
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xff01 - 0x21;
    const s = String.fromCodePoint(c);
    if (/^\s$/u.test(s) || c === 0x85 || ZERO_WIDTH.has(c)) continue; // Go's unicode.IsSpace counts U+0085 too
    out += c >= 0x61 && c <= 0x7a ? s.toUpperCase() : s;
  }
  return out;
}

const ZERO_WIDTH = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]);

// validateIDNumber mirrors domain.CheckIDNumber: '' for a valid 身份证号,
// else the same Chinese message the server gives (shown as it is typed).
export function validateIDNumber(raw, today = shanghaiToday()) {
  const id = normalizeNumber(raw);
  if (id === '') return '请填写身份证号';
  if ([...id].length !== 18 || new TextEncoder().encode(id).length !== 18) return '身份证号应为18位';
  if (!/^\d{17}$/.test(id.slice(0, 17))) return '身份证号前17位应为数字';
  if (!/[\dX]/.test(id[17])) return '身份证号最后一位应为数字或X';
  if (!PROVINCES.has(id.slice(0, 2))) return '身份证号前两位不是有效的省级行政区划代码';
  const y = +id.slice(6, 10), m = +id.slice(10, 12), d = +id.slice(12, 14);
  const born = new Date(Date.UTC(y, m - 1, d));
  const birthDay = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (m < 1 || born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d || y < 1900 || birthDay > today) {
    return '身份证号中的出生日期无效';
  }
  if (checkDigit(id) !== id[17]) return '身份证号校验位不正确，请核对';
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

// subsidy mirrors domain.Subsidy: [yuan, reason code, Chinese reason].
export function subsidy(program, method, areaM2) {
  const min = String(program.min_rebuild_area_m2);
  if (method === 'rebuild') {
    const a = Number(areaM2);
    if (!(a > 0) || !Number.isFinite(a)) return [0, 'area_unknown', '未填写面积，拆除重建补助须重建面积不少于' + min + '平方米'];
    if (a < program.min_rebuild_area_m2) return [0, 'rebuild_area_below_min', '重建面积不足' + min + '平方米'];
    return [program.rebuild_subsidy_yuan, '', ''];
  }
  if (method === 'reinforce') return [program.reinforce_subsidy_yuan, '', ''];
  return [0, 'no_method', '未选择改造方式'];
}

// assess mirrors domain.Assess and answers like POST /api/assess:
// {deemed_inadequate, bases, eligible, reasons, suggested_method, subsidy_yuan}.
export function assess(input, program = PROGRAM_2024) {
  const reasons = [];
  const add = (code, message) => reasons.push({ code, message });
  const grade = input.appraisal_grade || '';
  const dangerous = grade === 'C' || grade === 'D';
  const bases = deemedBases(input, program);
  const type = input.household_type || '';

  if (PRIORITY_TYPES.includes(type)) {
    // priority household
  } else if (type === 'hazardous_selfbuilt') {
    if (!dangerous) add('not_priority_type', '非六类重点对象的自建房须经鉴定为C级或D级危房方可纳入');
  } else {
    add('not_priority_type', '农户类型不属于六类重点对象');
  }
  if (!input.only_house) add('not_only_house', '农户不是仅有一套(院)住房');
  if (bases.length === 0) add('not_inadequate', '房屋未经鉴定为危房，也不属于生土、砖土混杂结构或建成' + program.old_house_years + '年以上的房屋');
  if (input.relocation_planned) add('relocation_planned', '已纳入生态及地质灾害避险搬迁或其他搬迁补助');
  if (input.village_merger_planned) add('village_merger_planned', '位于规划拆迁撤并的村庄');
  if (input.disaster_rebuild_subsidy) add('disaster_rebuild_subsidy', '已享受因灾倒损农房恢复重建补助，不能重复享受');
  if (input.previously_renovated && !input.small_disaster_damage) add('previously_renovated', '曾享受农村危房改造补助，且不是因小型自然灾害再次成为危房');
  const eligible = reasons.length === 0;

  const validMethod = (m) => m === 'rebuild' || m === 'reinforce';
  let suggested = '';
  if (grade === 'D') suggested = 'rebuild';
  else if (grade === 'C') suggested = 'reinforce';
  else if (validMethod(input.method)) suggested = input.method;
  const method = validMethod(input.method) ? input.method : suggested;
  const [amount, code, msg] = subsidy(program, method, input.floor_area_m2);
  if (code) add(code, msg);
  return {
    deemed_inadequate: bases.length > 0,
    bases,
    eligible,
    reasons,
    suggested_method: suggested,
    subsidy_yuan: eligible ? amount : 0,
  };
}

// areaRule explains the 45 m² rule for a measured rebuilt area, live on the
// acceptance form (the subsidy the acceptance will compute).
export function areaRule(method, areaM2, program = PROGRAM_2024) {
  const [yuan, code, reason] = subsidy(program, method, areaM2);
  if (code) return { ok: false, subsidy_yuan: 0, message: code === 'rebuild_area_below_min' ? reason + '，补助为0，拨付将被阻止' : reason };
  const min = program.min_rebuild_area_m2;
  return { ok: true, subsidy_yuan: yuan, message: (method === 'rebuild' ? `面积达标(≥${min}㎡)，` : '') + '补助 ' + Number(yuan).toLocaleString('zh-CN') + ' 元' };
}

// Chinese labels for the wire names of DOMAIN.md. Everything a person reads
// comes from here, so the wire names stay English and the screens Chinese.
// Every table is the domain's (domain/enums.go …): pwa/test/labels.test.js
// holds it to domain/testdata/labels.json, written by the Go domain tests.

export const STAGES = {
  applied: '已申请(待村委评议)',
  village_publicity: '村级公示',
  township_review: '乡镇初审',
  township_publicity: '乡镇公示',
  county_review: '县级审核审批',
  approved: '已批准',
  construction: '施工中',
  acceptance: '待验收',
  accepted: '验收合格(待拨付)',
  paid: '已拨付',
  archived: '已归档',
  rejected: '不予纳入',
  withdrawn: '已撤回',
};

// FUNNEL is the order of the dashboard's stage funnel (terminal stages last).
export const FUNNEL = Object.keys(STAGES);

export const ROLES = {
  village_cadre: '村干部',
  township_officer: '乡镇干部',
  county_inspector: '住建局技术人员',
  county_approver: '住建局审批',
  civil_affairs: '民政局',
  rural_revitalization: '乡村振兴局',
  disburser: '资金拨付',
  leader: '县领导',
  admin: '管理员',
};

export const HOUSEHOLD_TYPES = {
  subsistence_allowance: '低保户',
  extreme_poverty_support: '分散供养特困人员',
  near_subsistence: '低保边缘家庭',
  poverty_relapse_risk: '易返贫致贫户',
  lifted_from_poverty: '其他脱贫户',
  severe_hardship: '严重困难家庭',
  hazardous_selfbuilt: '经鉴定存在安全隐患的自建房',
};

export const STRUCTURES = {
  earth: '生土承重',
  brick_earth: '砖土混杂',
  brick_wood: '砖木',
  brick_concrete: '砖混',
  frame: '框架',
  other: '其他',
};

export const GRADES = { A: 'A级(安全)', B: 'B级(基本安全)', C: 'C级(局部危房)', D: 'D级(整幢危房)' };

export const METHODS = { rebuild: '拆除重建', reinforce: '维修加固' };

export const BASES = {
  appraised_dangerous: '经鉴定为危房(C级或D级)',
  earth: '生土承重结构',
  brick_earth: '砖土混杂结构',
  over_age: '建成年代久远',
};

export const FLAGS = {
  relocation_planned: '已列入避险搬迁或享受其他搬迁补助',
  village_merger_planned: '位于村庄拆迁撤并规划区',
  disaster_rebuild_subsidy: '已享受因灾倒损农房恢复重建补助',
  previously_renovated: '曾享受过危房改造',
  small_disaster_damage: '因小型自然灾害再次成为危房',
};

export const PHOTO_KINDS = {
  hukou: '户口簿照片',
  application: '书面申请照片',
  house_before: '改造前房屋照片',
  meeting: '村委评议会议照片',
  notice_village: '村级公示照片',
  notice_township: '乡镇公示照片',
  appraisal: '鉴定照片',
  agreement: '施工协议照片',
  progress: '施工过程照片',
  completion: '竣工照片',
  acceptance: '验收照片',
  demolition: '旧房拆除照片',
  voucher: '拨付凭证照片',
  other: '其他照片',
};

export const ACTIONS = {
  create: '提交申请',
  edit: '修改申请',
  add_photo: '上传照片',
  reveal: '查看完整信息',
  village_review: '村委评议',
  record_objection: '登记公示异议',
  resolve_objection: '处理公示异议',
  close_village_publicity: '结束村级公示',
  township_review: '乡镇初审',
  close_township_publicity: '结束乡镇公示',
  verify_household: '农户类型认定',
  appraise: '房屋鉴定',
  approve: '审批',
  county_return: '县级退回',
  start_construction: '签订施工协议并开工',
  request_acceptance: '自验并申请验收',
  accept: '竣工验收',
  disburse: '拨付补助',
  archive: '归档',
  withdraw: '撤回申请',
};

export const CHECKLIST = {
  ring_beams: '上下圈梁',
  tie_columns: '构造柱',
  tie_bars: '拉结筋',
  foundation: '基础',
  walls: '墙体',
  roof: '屋面',
};

export const CHECK_RESULTS = { pass: '合格', fail: '不合格', na: '不适用' };

export const SIGNERS = {
  household_head: '户主',
  inspector: '住建局技术人员',
  township_officer: '乡镇干部',
};

export const WARNINGS = {
  duplicate_photo: '照片与其他案件重复',
  far_from_house: '拍摄位置远离房屋',
  out_of_order: '照片时间顺序异常',
  program_amended: '年度方案已修订',
};

export function label(table, key) {
  return (key && table[key]) || key || '';
}

// hintText writes the amounts inside the server's Chinese hints
// ("待拨付补助30000元") the way the rest of the app does ("30,000 元").
export function hintText(s) {
  return String(s || '').replace(/(\d{4,})\s*元/g, (_, d) => Number(d).toLocaleString('zh-CN') + ' 元');
}

export function yuan(n) {
  if (n === null || n === undefined || n === '') return '';
  return Number(n).toLocaleString('zh-CN') + ' 元';
}

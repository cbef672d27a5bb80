// Program years in the field app: which year new applications go into
// (the server's current program) and which year the lists and dashboards
// show (the person's choice, kept on the phone, the current one at first).

import { h } from './ui.js';
import { kv } from './db.js';

// currentOf is the program the server marks current, else the latest.
export function currentOf(programs) {
  if (!programs.length) return null;
  return programs.find((p) => p.current) || programs.reduce((a, b) => (b.year > a.year ? b : a));
}

// openPrograms are the years that take new applications, current first.
export function openPrograms(programs) {
  return programs.filter((p) => !p.closed).sort((a, b) => (b.current - a.current) || b.year - a.year);
}

export function yearLabel(p) {
  return p.year + '年' + (p.current ? '（当前）' : p.closed ? '（已停止受理）' : '');
}

// yearPicker is the year selector of a list or dashboard; choosing a year
// keeps it and draws the screen again.
export function yearPicker(app) {
  const list = (app.programs && app.programs.length ? app.programs : [app.program]).slice().sort((a, b) => b.year - a.year);
  if (!list.some((p) => p.year === app.year)) list.unshift({ year: app.year });
  return h('label', { class: 'yearpick' }, h('span', { class: 'sr' }, '年度'),
    h('select', { name: 'program_year', 'aria-label': '年度', onchange: (e) => { app.setYear(Number(e.target.value)); app.rerender(); } },
      list.map((p) => h('option', { value: String(p.year), selected: p.year === app.year }, yearLabel(p)))));
}

// keepYear stores the chosen year on the phone.
export function keepYear(year) {
  return kv.set('year', year).catch(() => {});
}

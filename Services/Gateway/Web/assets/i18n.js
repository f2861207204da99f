// One catalogue per language (assets/i18n/<lang>.json); the browser's language picks, the person
// may switch (kept in localStorage). Elements carry a data-i18n attribute naming the key (text), data-i18n-placeholder,
// data-i18n-title or data-i18n-aria-label; code calls t(key, vars).
const supported = ['en', 'zh-CN'];
let catalogue = {};
let lang = 'en';

export function pickLanguage() {
  const saved = localStorage.getItem('posy.lang');
  if (supported.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language]) {
    if (l && l.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (l && l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

export async function loadLanguage(l = pickLanguage()) {
  const r = await fetch('/assets/i18n/' + l + '.json');
  catalogue = await r.json();
  lang = l;
  document.documentElement.lang = l;
  translate(document);
  return l;
}

export async function setLanguage(l) {
  localStorage.setItem('posy.lang', l);
  await loadLanguage(l);
}

export function language() { return lang; }

export function t(key, vars = {}) {
  let s = catalogue[key];
  if (s === undefined) { console.warn('i18n: missing', lang, key); s = key; }
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
}

/** Whether the catalogue has `key` (a line the server also sends in English falls back to that). */
export function has(key) { return catalogue[key] !== undefined; }

export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}

/** A time in the shop's zone, e.g. 10:00. */
export function time(iso, zone) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone }).format(new Date(iso));
}

/** A date and time in the shop's zone. */
export function dateTime(iso, zone) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone }).format(new Date(iso));
}

// /signin#<code>: the code never leaves the browser in a URL; it is exchanged for a session and
// wiped from the address bar and history before the person lands on their face.
import { loadLanguage, t } from './i18n.js';
import { refresh, signIn } from './session.js';

await loadLanguage();
const message = document.getElementById('message');
const code = location.hash.slice(1);
history.replaceState(null, '', '/signin');
try {
  const s = code ? await signIn(code) : await refresh();
  if (!s) { message.textContent = t('signin.noLink'); }
  else { message.textContent = t('signin.done', { name: s.person.name }); location.replace(s.home); }
} catch (e) {
  message.textContent = e.status === 429 ? t('error.rateLimited') : t('signin.invalid');
}

/** The dashboard's shell: sign-in gate, navigation, hash routes, light/dark theme. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { api, whenSignedOut, type Me } from './api.js';
import { SignIn } from './views/SignIn.js';
import { Wallboard } from './views/Wallboard.js';
import { Queues } from './views/Queues.js';
import { Operators } from './views/Operators.js';
import { Sessions } from './views/Sessions.js';
import { SessionPage } from './views/SessionPage.js';
import { Bots } from './views/Bots.js';
import { Definitions } from './views/Definitions.js';

const VIEWS = [
  ['wallboard', 'Wallboard'],
  ['queues', 'Queue performance'],
  ['operators', 'Operators'],
  ['sessions', 'Sessions'],
  ['bots', 'Bots'],
  ['definitions', 'Definitions'],
] as const;

/** `#/sessions/abc?x=1` → ['sessions', 'abc'] and its query. */
function parseHash(): { parts: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search] = raw.split('?', 2) as [string, string | undefined];
  return {
    parts: path.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(search ?? ''),
  };
}

function useHash() {
  const [hash, setHash] = useState(parseHash);
  useEffect(() => {
    const on = () => setHash(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

type Theme = 'auto' | 'light' | 'dark';
function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('theme') as Theme | null) ?? 'auto');
  useEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  }, [theme]);
  return [theme, setTheme];
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const { parts, query } = useHash();
  const [theme, setTheme] = useTheme();
  useEffect(() => {
    whenSignedOut(() => setMe(null));
    api<Me>('/v1/dashboard/session').then(setMe, () => setMe(null));
  }, []);
  const view = parts[0] ?? 'wallboard';
  useEffect(() => {
    const label = VIEWS.find(([id]) => id === view)?.[1] ?? 'Session';
    document.title = `${label} · Switchboard`;
  }, [view]);

  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={setMe} />;

  const signOut = async () => {
    await api('/v1/dashboard/session', { method: 'DELETE' }).catch(() => undefined);
    setMe(null);
  };
  let content;
  switch (view) {
    case 'queues':
      content = <Queues query={query} />;
      break;
    case 'operators':
      content = <Operators />;
      break;
    case 'sessions':
      content = parts[1] ? <SessionPage key={parts[1]} sessionId={parts[1]} /> : <Sessions query={query} />;
      break;
    case 'bots':
      content = <Bots />;
      break;
    case 'definitions':
      content = <Definitions focus={parts[1]} />;
      break;
    default:
      content = <Wallboard />;
  }
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Switchboard</span>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map(([id, label]) => (
              <li key={id}>
                <a href={`#/${id}`} aria-current={view === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <label>
            <span class="sr-only">Theme</span>
            <select value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value as Theme)}>
              <option value="auto">Auto theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <span class="tenant" title={`client ${me.clientId}`}>
            {me.tenant.name}
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

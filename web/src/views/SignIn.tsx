/** Sign-in with a tenant's API client id and secret; the server answers with an HttpOnly session cookie. */
import { useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api.js';

const field = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

export function SignIn(props: { onSignedIn: (me: Me) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/v1/dashboard/session', {
        method: 'POST',
        body: { clientId: field(form, 'clientId'), clientSecret: field(form, 'clientSecret') },
      });
      props.onSignedIn(me);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? 'Unknown client id or wrong secret.'
          : e instanceof Error
            ? e.message
            : 'Sign-in failed.',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <h1>Switchboard</h1>
      <p>
        Sign in with your tenant’s API client. <code>npm start</code> prints the demo’s.
      </p>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'signin-error' : undefined}>
        <label>
          Client id
          <input name="clientId" autoComplete="username" required spellcheck={false} autoFocus />
        </label>
        <label>
          Client secret
          <input name="clientSecret" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p id="signin-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

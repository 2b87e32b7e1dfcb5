// The consent form: a plain HTML form (works without JavaScript) posting to the
// decision endpoint. Buttons are named Allow and Deny.
export type ConsentView = {
  ticket: string;
  clientName: string;
  clientId: string;
  /** Why the client can't be vouched for, or null for one an administrator created. */
  unverified: 'dynamic' | 'metadata_document' | null;
  redirectHost: string;
  redirectUri: string;
  scopes: { name: string; description: string }[];
  resource: { url: string; name: string | null } | null;
  workspaces: { key: string; name: string }[];
  userEmail: string;
  /** The client registered for DPoP-bound tokens only (RFC 9449 §5.2). */
  keyBound: boolean;
};

export function ConsentForm({ view }: { view: ConsentView }) {
  return (
    <div className="mx-auto max-w-lg">
      <section aria-labelledby="consent-title" className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 id="consent-title" className="text-xl font-semibold text-slate-900">
          <span data-testid="client-name">{view.clientName}</span> wants to act on your behalf
        </h1>
        {view.unverified ? (
          <p className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="note">
            <strong className="mr-1 rounded bg-amber-200 px-1.5 py-0.5 text-xs font-semibold uppercase">Unverified</strong>
            {view.unverified === 'metadata_document'
              ? 'This application describes itself at its client ID address; Gatehouse cannot confirm who runs it.'
              : 'This application registered itself; Gatehouse cannot confirm who runs it.'}{' '}
            Check the addresses below before you allow it.
          </p>
        ) : null}
        <dl className="mt-4 space-y-2 text-sm">
          <div>
            <dt className="text-slate-500">Client ID</dt>
            <dd className="break-all font-mono text-xs text-slate-800" data-testid="client-id">{view.clientId}</dd>
          </div>
          <div>
            <dt className="text-slate-500">After you answer, you will be sent to</dt>
            <dd className="break-all text-slate-800">
              <strong data-testid="redirect-host">{view.redirectHost}</strong>
              <span className="block font-mono text-xs text-slate-500">{view.redirectUri}</span>
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Signed in as</dt>
            <dd className="text-slate-800">{view.userEmail}</dd>
          </div>
          {view.resource ? (
            <div>
              <dt className="text-slate-500">It will use</dt>
              <dd className="text-slate-800" data-testid="resource">
                {view.resource.name ? <strong>{view.resource.name}</strong> : null}{' '}
                <span className="break-all font-mono text-xs text-slate-500">{view.resource.url}</span>
              </dd>
            </div>
          ) : null}
          {view.keyBound ? (
            <div>
              <dt className="text-slate-500">Its tokens</dt>
              <dd className="text-slate-800" data-testid="consent-key-bound">Bound to a key the application holds (DPoP): a copied token does not work without it</dd>
            </div>
          ) : null}
        </dl>

        <form method="post" action="/oauth/authorize/decision" className="mt-5 space-y-5">
          <input type="hidden" name="ticket" value={view.ticket} />
          <fieldset>
            <legend className="text-sm font-medium text-slate-900">It asks to</legend>
            {view.scopes.length ? (
              <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700" data-testid="scopes">
                {view.scopes.map((s) => (
                  <li key={s.name}>
                    {s.description} <code className="text-xs text-slate-500">{s.name}</code>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-2 text-sm text-slate-600">Know that you are signed in (no other permissions).</p>
            )}
          </fieldset>
          <fieldset>
            <legend className="text-sm font-medium text-slate-900">Workspaces it may reach</legend>
            {view.workspaces.length ? (
              <div className="mt-2 space-y-1">
                {view.workspaces.map((w) => (
                  <div key={w.key} className="flex items-center gap-2 text-sm">
                    <input id={`ws-${w.key}`} type="checkbox" name="workspace" value={w.key} defaultChecked className="h-4 w-4" />
                    <label htmlFor={`ws-${w.key}`}>
                      {w.name} <span className="font-mono text-xs text-slate-500">{w.key}</span>
                    </label>
                  </div>
                ))}
              </div>
            ) : (
              <p className="mt-2 text-sm text-slate-600">You have no workspaces yet; it will reach none until a team gives you one.</p>
            )}
          </fieldset>
          <div className="flex gap-3">
            <button type="submit" name="decision" value="allow" className="rounded-md bg-indigo-600 px-5 py-2 text-sm font-medium text-white hover:bg-indigo-700">
              Allow
            </button>
            <button type="submit" name="decision" value="deny" className="rounded-md border border-slate-300 bg-white px-5 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50">
              Deny
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}

// The fields a client's settings share between the create and the edit form.
import type { ReactNode } from 'react';

/** As CLIENT_GRANT_TYPES in lib/server/clients/client-settings.ts (the server checks them). */
const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

export const inputClass = 'mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm';

export type TSettingsValues = { name: string; redirectUris: string; grantTypes: string[]; scopes: string[]; canIntrospect: boolean; dpopBound: boolean };

const GRANT_HELP: Record<string, string> = {
  authorization_code: 'users sign in and consent (needs a redirect URI)',
  refresh_token: 'stay signed in (with authorization_code)',
  client_credentials: 'the client acts as itself, with only the scopes ticked below (confidential only)',
};

export function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? <p id={id} className="mt-1 text-xs text-red-700">{message}</p> : null;
}

/** `children` go beside the name (the create form's public/confidential choice). */
export function SettingsFields({ prefix, values, errors, scopes, children }: { prefix: string; values: TSettingsValues; errors: Record<string, string>; scopes: string[]; children?: ReactNode }) {
  const describedBy = (field: string, help?: string) => [help, errors[field] ? `${prefix}-${field}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <div>
        <label htmlFor={`${prefix}-name`} className="text-sm font-medium text-slate-800">Name</label>
        <input id={`${prefix}-name`} name="name" defaultValue={values.name} required maxLength={200} aria-invalid={Boolean(errors.name)} aria-describedby={describedBy('name')} className={inputClass} />
        <FieldError id={`${prefix}-name-error`} message={errors.name} />
      </div>
      {children ?? <div />}
      <div className="sm:col-span-2">
        <label htmlFor={`${prefix}-redirects`} className="text-sm font-medium text-slate-800">Redirect URIs</label>
        <textarea id={`${prefix}-redirects`} name="redirectUris" rows={3} defaultValue={values.redirectUris} aria-invalid={Boolean(errors.redirectUris)} aria-describedby={describedBy('redirectUris', `${prefix}-redirects-help`)} className={`${inputClass} font-mono`} />
        <p id={`${prefix}-redirects-help`} className="mt-1 text-xs text-slate-500">One per line: https, or http on localhost / 127.0.0.1; no fragments or wildcards.</p>
        <FieldError id={`${prefix}-redirectUris-error`} message={errors.redirectUris} />
      </div>
      <fieldset aria-describedby={describedBy('grantTypes')}>
        <legend className="text-sm font-medium text-slate-800">Grant types</legend>
        {CLIENT_GRANT_TYPES.map((g) => (
          <div key={g} className="mt-1 flex items-start gap-2 text-sm">
            <input id={`${prefix}-grant-${g}`} type="checkbox" name="grantType" value={g} defaultChecked={values.grantTypes.includes(g)} className="mt-0.5 h-4 w-4" />
            <label htmlFor={`${prefix}-grant-${g}`}>
              <span className="font-mono text-xs">{g}</span> <span className="text-slate-500">— {GRANT_HELP[g]}</span>
            </label>
          </div>
        ))}
        <FieldError id={`${prefix}-grantTypes-error`} message={errors.grantTypes} />
      </fieldset>
      <fieldset aria-describedby={describedBy('scope', `${prefix}-scope-help`)}>
        <legend className="text-sm font-medium text-slate-800">Scopes it may ask for</legend>
        <p id={`${prefix}-scope-help`} className="text-xs text-slate-500">None ticked: any scope a user consents to; with client_credentials, none (a machine client gets only the scopes ticked here).</p>
        <div className="mt-1 flex flex-wrap gap-x-5 gap-y-1">
          {scopes.map((s) => (
            <div key={s} className="flex items-center gap-2 text-sm">
              <input id={`${prefix}-scope-${s}`} type="checkbox" name="scope" value={s} defaultChecked={values.scopes.includes(s)} className="h-4 w-4" />
              <label htmlFor={`${prefix}-scope-${s}`} className="font-mono text-xs">{s}</label>
            </div>
          ))}
        </div>
        <FieldError id={`${prefix}-scope-error`} message={errors.scope} />
      </fieldset>
      <div className="flex items-start gap-2 text-sm sm:col-span-2">
        <input id={`${prefix}-introspect`} type="checkbox" name="canIntrospect" defaultChecked={values.canIntrospect} className="mt-0.5 h-4 w-4" />
        <label htmlFor={`${prefix}-introspect`}>
          May introspect tokens <span className="text-slate-500">— for resource servers (confidential only)</span>
        </label>
      </div>
      <div className="flex items-start gap-2 text-sm sm:col-span-2">
        <input id={`${prefix}-dpop`} type="checkbox" name="dpopBound" defaultChecked={values.dpopBound} aria-describedby={`${prefix}-dpop-help`} className="mt-0.5 h-4 w-4" />
        <div>
          <label htmlFor={`${prefix}-dpop`}>Require DPoP-bound tokens (RFC 9449)</label>
          <p id={`${prefix}-dpop-help`} className="text-xs text-slate-500">The client must send a DPoP proof with every token request; its access tokens are then bound to its key, so a copied token is useless without that key.</p>
        </div>
      </div>
    </>
  );
}

/** A key-based client's public keys: a pasted JWK Set, or the jwks_uri it publishes one at. */
export function ClientKeyFields({ prefix, values, errors, note }: { prefix: string; values: { jwks: string; jwksUri: string }; errors: Record<string, string>; note?: string }) {
  const describedBy = (field: string, help: string) => [help, errors[field] ? `${prefix}-${field}-error` : null].filter(Boolean).join(' ');
  return (
    <fieldset className="grid gap-3 sm:col-span-2">
      <legend className="text-sm font-medium text-slate-800">Public keys {note ? <span className="font-normal text-slate-500">— {note}</span> : null}</legend>
      <div>
        <label htmlFor={`${prefix}-jwks`} className="text-sm text-slate-800">JWK Set</label>
        <textarea id={`${prefix}-jwks`} name="jwks" rows={4} defaultValue={values.jwks} placeholder='{"keys": [{"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "kid": "…"}]}' aria-invalid={Boolean(errors.jwks)} aria-describedby={describedBy('jwks', `${prefix}-jwks-help`)} className={`${inputClass} font-mono`} />
        <p id={`${prefix}-jwks-help`} className="mt-1 text-xs text-slate-500">Public signing keys only (RSA, EC or Ed25519; no private members). The client signs its assertions with the matching private key.</p>
        <FieldError id={`${prefix}-jwks-error`} message={errors.jwks} />
      </div>
      <div>
        <label htmlFor={`${prefix}-jwks-uri`} className="text-sm text-slate-800">or jwks_uri</label>
        <input id={`${prefix}-jwks-uri`} name="jwksUri" type="url" defaultValue={values.jwksUri} placeholder="https://agent.example.com/.well-known/jwks.json" aria-invalid={Boolean(errors.jwksUri)} aria-describedby={describedBy('jwksUri', `${prefix}-jwks-uri-help`)} className={`${inputClass} font-mono`} />
        <p id={`${prefix}-jwks-uri-help`} className="mt-1 text-xs text-slate-500">Where the client publishes its JWK Set (https, public address); Gatehouse caches it and fetches it again when the client rotates.</p>
        <FieldError id={`${prefix}-jwksUri-error`} message={errors.jwksUri} />
      </div>
    </fieldset>
  );
}

/** A secret shown once, with a copy button. */
export function ShownOnce({ label, value, testId, copied, onCopy }: { label: string; value: string; testId: string; copied: boolean; onCopy: () => void }) {
  return (
    <div className="mt-2">
      <p className="text-sm font-medium text-slate-800">{label}</p>
      <div className="mt-1 flex items-center gap-2">
        <code data-testid={testId} className="break-all rounded bg-white px-2 py-1 font-mono text-xs">{value}</code>
        <button type="button" onClick={onCopy} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs">{copied ? 'Copied' : 'Copy'}</button>
      </div>
      <p className="mt-1 text-xs text-amber-900">Copy it now: it will not be shown again.</p>
    </div>
  );
}

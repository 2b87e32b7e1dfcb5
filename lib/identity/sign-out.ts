// The three-layer sign-out chain: app session → oauth2-proxy's cookie
// → the OIDC provider's session (Cognito /logout) → the public landing page.
// Every URL comes from configuration, never from the request.

export type SignOutSettings = {
  oauth2ProxySignOutUrl: string | null;
  oidcLogoutUrl: string | null;
  oidcClientId: string | null;
  landingUrl: string;
};

function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** Where the browser goes after the app session is cleared. */
export function signOutRedirect(settings: SignOutSettings): string {
  const afterProxy =
    settings.oidcLogoutUrl && settings.oidcClientId
      ? withParams(settings.oidcLogoutUrl, { client_id: settings.oidcClientId, logout_uri: settings.landingUrl })
      : settings.landingUrl;
  return settings.oauth2ProxySignOutUrl ? withParams(settings.oauth2ProxySignOutUrl, { rd: afterProxy }) : afterProxy;
}

/** The chain as steps, for the diagnostics page. */
export function signOutSteps(settings: SignOutSettings): { layer: string; url: string }[] {
  const steps = [{ layer: 'Gatehouse session', url: '(cleared by Gatehouse)' }];
  if (settings.oauth2ProxySignOutUrl) steps.push({ layer: 'oauth2-proxy cookie', url: settings.oauth2ProxySignOutUrl });
  if (settings.oidcLogoutUrl && settings.oidcClientId) steps.push({ layer: 'Identity provider session', url: settings.oidcLogoutUrl });
  steps.push({ layer: 'Landing page', url: settings.landingUrl });
  return steps;
}

/** Configuration mistakes the diagnostics page can point out. */
export function signOutProblems(settings: SignOutSettings, opts: { bypassPaths: string[]; issuer: string; forwardAuth: boolean }): string[] {
  const problems: string[] = [];
  const isHttps = (u: string) => u.startsWith('https://');
  const local = (u: string) => /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(u);
  if (settings.oidcLogoutUrl && !isHttps(settings.oidcLogoutUrl) && !local(settings.oidcLogoutUrl)) {
    problems.push('GATEHOUSE_OIDC_LOGOUT_URL is not https: the identity provider logout would travel in clear text.');
  }
  if (settings.oauth2ProxySignOutUrl && !isHttps(settings.oauth2ProxySignOutUrl) && !local(settings.oauth2ProxySignOutUrl)) {
    problems.push('GATEHOUSE_OAUTH2_PROXY_SIGNOUT_URL is not https.');
  }
  if (settings.oidcLogoutUrl && !settings.oidcClientId) {
    problems.push('GATEHOUSE_OIDC_LOGOUT_URL is set without GATEHOUSE_OIDC_CLIENT_ID: Cognito refuses a logout without client_id.');
  }
  if (opts.forwardAuth && !settings.oauth2ProxySignOutUrl) {
    problems.push('Forward auth is on but GATEHOUSE_OAUTH2_PROXY_SIGNOUT_URL is unset: oauth2-proxy’s cookie survives sign-out and signs the user straight back in.');
  }
  if (settings.oauth2ProxySignOutUrl && !settings.oidcLogoutUrl) {
    problems.push('GATEHOUSE_OIDC_LOGOUT_URL is unset: the identity provider’s session survives sign-out, so the next sign-in happens without a password.');
  }
  const landing = new URL(settings.landingUrl);
  const issuer = new URL(opts.issuer);
  if (landing.origin === issuer.origin) {
    const bypassed = opts.bypassPaths.some((p) => landing.pathname === p || landing.pathname.startsWith(`${p.replace(/\/$/, '')}/`));
    if (!bypassed) {
      problems.push(`The landing page ${landing.pathname} is not in GATEHOUSE_BYPASS_PATHS, so ForwardAuth protects it and a signed-out user is sent straight back to sign in.`);
    }
  }
  return problems;
}

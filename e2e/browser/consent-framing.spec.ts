// The consent page cannot be framed by another site (RFC 6819 §4.4.1.9,
// clickjacking): Chromium refuses to render it inside an iframe on another
// loopback origin, because of its frame-ancestors 'none' and X-Frame-Options.
import { expect, test } from '@playwright/test';
import { serveFramingPage } from '../fixtures/loopback-servers';
import { API_REDIRECT_URI, ISSUER, anonymousApi, authorizePath, pkcePair, registerClient, uniqueEmail } from '../fixtures/oauth';
import { edgeHeaders } from '../fixtures/server-env';

test('a page on another origin cannot show the consent page in an iframe', async ({ browser }) => {
  const client = await registerClient(await anonymousApi(), { client_name: 'Framed client' });
  const consentUrl = `${ISSUER}${authorizePath({ response_type: 'code', client_id: client.client_id, redirect_uri: API_REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`;
  const framer = await serveFramingPage(consentUrl);
  const context = await browser.newContext({ extraHTTPHeaders: edgeHeaders(uniqueEmail('framed')) });
  try {
    const page = await context.newPage();
    // Gatehouse did answer with the consent page: only the browser's refusal keeps it out.
    const consentResponse = page.waitForResponse((r) => r.url() === consentUrl);
    await page.goto(framer.origin);
    const response = await consentResponse;
    expect(response.status()).toBe(200);

    await page.waitForLoadState('load');
    const framed = page.frames().find((f) => f !== page.mainFrame());
    expect(framed, 'the iframe exists').toBeDefined();
    expect(framed!.url()).not.toContain(ISSUER);
    await expect(page.frameLocator('#framed').getByRole('button', { name: 'Allow' })).toHaveCount(0);
    await expect(page.frameLocator('#framed').getByText('Framed client')).toHaveCount(0);
    await page.screenshot({ path: 'e2e/.output/screenshots/consent-framed.png' });
  } finally {
    await context.close();
    await framer.close();
  }
});

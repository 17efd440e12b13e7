// Shared helpers for the browser suite: Debian's Chromium (never a downloaded browser),
// trusting exactly the servers' self-signed certificates by their SPKI pins, and axe-core.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run this suite through \`cargo test\``);
  return value;
}

function spkiPin(certPath) {
  const cert = new X509Certificate(readFileSync(certPath));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export async function launch() {
  const pins = ['ALCOVE_CERT', 'ALCOVE_LOCKED_CERT']
    .filter((k) => process.env[k])
    .map((k) => spkiPin(process.env[k]));
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      `--ignore-certificate-errors-spki-list=${pins.join(',')}`,
    ],
  });
}

/// A page in a context with JavaScript switched off, as the flows must work that way.
export async function noScriptPage(browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  return context.newPage();
}

/// Runs axe-core (WCAG 2 A and AA) on `url` and returns the violations.
/// axe needs script, so this context allows it and bypasses the page's CSP for the injection.
export async function axeViolations(browser, url) {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(url);
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }),
  );
  await context.close();
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
}

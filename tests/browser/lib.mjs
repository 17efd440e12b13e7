// Shared helpers for the browser suite: Debian's Chromium (never a downloaded browser),
// trusting exactly the servers' self-signed certificates by their SPKI pins, and axe-core.
import { createHash, createHmac, X509Certificate } from 'node:crypto';
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
  const pins = ['ALCOVE_CERT', 'ALCOVE_LOCKED_CERT', 'ALCOVE_FLOW_CERT']
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
export async function axeViolations(browser, url, storageState) {
  const context = await browser.newContext({ bypassCSP: true, storageState });
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

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = '';
  for (const ch of clean) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/// RFC 6238 code (SHA-1, 6 digits, 30 s) for the secret shown on the setup page, `offset`
/// steps from now: what an authenticator app would show.
export function totp(secretText, offset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretText)).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

// The unlock page of a passphrase-locked server, driven like the owner would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axeViolations, env, launch, noScriptPage } from './lib.mjs';

const base = env('ALCOVE_LOCKED_URL');
const passphrase = env('ALCOVE_LOCKED_PASSPHRASE');
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('unlock page is accessible', async () => {
  assert.deepEqual(await axeViolations(browser, `${base}/`), []);
});

test('owner unlocks with JavaScript disabled; a wrong passphrase says so first', async () => {
  const page = await noScriptPage(browser);
  await page.goto(`${base}/`);
  assert.equal(await page.locator('h1').innerText(), 'This portal is locked');

  await page.getByLabel('Passphrase').fill('not it');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.waitForLoadState();
  assert.match(await page.getByRole('alert').innerText(), /did not unlock/);

  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator('h1').innerText(), 'The portal is unlocked');
  const link = await page.locator('.link-box a').getAttribute('href');
  assert.match(link, /\/setup\/[A-Za-z0-9_-]{43}$/);

  const health = await page.goto(`${base}/healthz`);
  assert.equal(health.status(), 200);
});

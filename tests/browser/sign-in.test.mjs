// The sign-in shell, the setup link page and the "not found" page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axeViolations, env, launch, noScriptPage } from './lib.mjs';

const base = env('ALCOVE_URL');
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('sign-in shell renders with JavaScript disabled', async () => {
  const page = await noScriptPage(browser);
  const response = await page.goto(`${base}/`);
  assert.equal(response.status(), 200);
  assert.equal(await page.locator('h1').innerText(), 'Sign in');
  // Real labels tied to their fields, and a plain form that posts without script.
  await page.getByLabel('Email address').fill('someone@example.org');
  await page.getByLabel('Password').fill('correct horse battery');
  const form = page.locator('form');
  assert.equal(await form.getAttribute('method'), 'post');
  assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible());
  // The stylesheet loaded under the CSP: the header has the accent background.
  const bg = await page.locator('.site-header').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, 'rgb(47, 93, 98)');
});

test('sign-in shell has no WCAG 2 A/AA violations', async () => {
  assert.deepEqual(await axeViolations(browser, `${base}/`), []);
});

test('setup link page renders without JavaScript and is accessible', async () => {
  const link = env('ALCOVE_SETUP_LINK');
  const page = await noScriptPage(browser);
  const response = await page.goto(link);
  assert.equal(response.status(), 200);
  assert.match(await page.locator('h1').innerText(), /Set up your practice/);
  assert.deepEqual(await axeViolations(browser, link), []);
});

test('not-found page is calm, plain and accessible', async () => {
  const page = await noScriptPage(browser);
  const response = await page.goto(`${base}/no/such/page`);
  assert.equal(response.status(), 404);
  assert.equal(await page.locator('h1').innerText(), 'We could not find that page');
  assert.deepEqual(await axeViolations(browser, `${base}/no/such/page`), []);
});

test('a phone-sized screen shows one column without sideways scrolling', async () => {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 360, height: 740 },
  });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `page is ${overflow}px wide on a 360px screen`);
  await context.close();
});

test('the accessibility check itself catches a missing label', async () => {
  const bad = 'data:text/html,<!DOCTYPE html><html lang="en"><title>t</title><main><input type="text"></main></html>';
  const violations = await axeViolations(browser, bad);
  assert.ok(violations.some((v) => v.id === 'label'), JSON.stringify(violations));
});

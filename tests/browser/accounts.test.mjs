// The accounts flow with JavaScript off, as the "done when" describes it: open the
// setup link, create the owner with sign-in codes, sign out and in, invite a client, and the
// client sets a password and reaches their home. axe checks every page on the way.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { axeViolations, env, launch, totp } from './lib.mjs';

const base = env('ALCOVE_FLOW_URL');
const setupLink = env('ALCOVE_FLOW_SETUP_LINK');
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function accessible(context, url) {
  const state = await context.storageState();
  assert.deepEqual(await axeViolations(browser, url, state), [], `axe on ${url}`);
}

test('owner setup, sign-out and in, client invitation, client home — without JavaScript', async () => {
  const owner = await browser.newContext({ javaScriptEnabled: false });
  const page = await owner.newPage();

  await page.goto(setupLink);
  assert.match(await page.locator('h1').innerText(), /Set up your practice/);
  await page.getByLabel('Practice name').fill('Riverside Counselling');
  await page.getByLabel('Your name').fill('Dana Reyes');
  await page.getByLabel('Your email address').fill('dana@riverside.example');
  await page.getByLabel('Choose a password').fill('quiet river lantern morning');
  await page.getByLabel('Type the password again').fill('quiet river lantern morning');
  await page.getByRole('button', { name: 'Create owner account' }).click();

  assert.equal(new URL(page.url()).pathname, '/mfa/setup');
  assert.ok(await page.locator('.qr svg').isVisible(), 'QR code drawn by the server');
  await accessible(owner, `${base}/mfa/setup`);
  const secret = await page.locator('.link-box code').innerText();
  await page.getByLabel('The six-digit code the app shows').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on sign-in codes' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Sign-in codes are on');
  assert.equal(await page.locator('ol.codes li').count(), 10);
  await page.getByRole('link', { name: 'I have saved them; continue' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Practice home');
  assert.equal(await page.locator('.practice-name').innerText(), 'Riverside Counselling');
  await accessible(owner, `${base}/home`);

  // Sign out, then in again with password and the next code.
  await page.getByRole('button', { name: 'Sign out' }).click();
  assert.equal(new URL(page.url()).pathname, '/signed-out');
  await page.getByLabel('Email address').fill('dana@riverside.example');
  await page.getByLabel('Password').fill('quiet river lantern morning');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, '/signin/code');
  await accessible(owner, `${base}/signin/code`);
  await page.getByLabel('Code from your authenticator app').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Practice home');

  // Add a client and create an invitation link.
  await page.getByRole('link', { name: 'Add a client' }).first().click();
  await accessible(owner, `${base}/clients/new`);
  await page.getByLabel('Legal name').fill('Jordan Ellis');
  await page.getByLabel('Preferred name').fill('Jo');
  await page.getByLabel('Email address').fill('jo@example.org');
  await page.getByRole('button', { name: 'Save client' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Jordan Ellis');
  const clientUrl = page.url();
  await accessible(owner, clientUrl);
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const inviteLink = await page.locator('.link-box code').innerText();
  assert.match(inviteLink, /\/invite\/[A-Za-z0-9_-]{43}$/);
  await accessible(owner, `${base}/clients`);
  await accessible(owner, `${base}/team`);
  await accessible(owner, `${base}/audit`);
  for (const path of ['/team/invite', '/reauth', '/settings/auto-reply', '/settings/templates', '/settings/templates/new', '/settings/email', '/retention']) {
    await accessible(owner, `${base}${path}`);
  }

  // The client, on their own phone, without JavaScript.
  const client = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 390, height: 800 },
  });
  const phone = await client.newPage();
  await phone.goto(inviteLink);
  assert.equal(await phone.locator('h1').innerText(), 'Welcome, Jordan Ellis');
  await accessible(client, inviteLink);
  await phone.getByLabel('Choose a password').fill('blue heron at dawn');
  await phone.getByLabel('Type the password again').fill('blue heron at dawn');
  await phone.getByRole('button', { name: 'Save password' }).click();
  assert.equal(await phone.locator('h1').innerText(), 'Welcome, Jo');
  await accessible(client, `${base}/home`);

  // A secure message from the practice, read and answered by the client.
  await page.getByRole('link', { name: 'Messages' }).first().click();
  await page.getByRole('link', { name: 'Write a new message' }).click();
  await accessible(owner, `${base}/messages/new`);
  await page.getByLabel('To').selectOption({ label: 'Jordan Ellis (Jo)' });
  await page.getByLabel('Subject').fill('Welcome');
  await page.getByLabel('Message').fill('Hello Jo, see you Tuesday.');
  await page.getByRole('button', { name: 'Send' }).click();
  const threadUrl = page.url();
  await accessible(owner, threadUrl);
  await phone.getByRole('link', { name: 'Messages' }).first().click();
  await accessible(client, `${base}/messages`);
  await accessible(client, `${base}/settings/email`);
  await phone.getByRole('link', { name: 'Welcome' }).click();
  assert.match(await phone.locator('.messages').innerText(), /see you Tuesday/);
  await accessible(client, threadUrl);
  await phone.getByLabel('Your message').fill('Thank you, Tuesday works.');
  const diary = 'Mon 6h\nTue 7h\n';
  await phone.getByLabel('Attach a file').setInputFiles({
    name: 'sleep-diary.txt', mimeType: 'text/plain', buffer: Buffer.from(diary),
  });
  await phone.getByRole('button', { name: 'Send' }).click();
  await page.goto(threadUrl);
  assert.match(await page.locator('.messages').innerText(), /Tuesday works/);
  assert.match(await page.locator('.receipt').innerText(), /^Seen /);
  await accessible(owner, threadUrl);
  // The practice downloads the client's file: the same bytes, as a download.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /sleep-diary\.txt/ }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'sleep-diary.txt');
  assert.equal(readFileSync(await download.path(), 'utf8'), diary);

  // The owner's address confirmation, from the mail the server really sent.
  const maildir = process.env.ALCOVE_FLOW_MAILDIR;
  if (maildir) {
    let confirm;
    for (let i = 0; i < 100 && !confirm; i++) {
      for (const sub of ['new', 'cur']) {
        let names = [];
        try { names = readdirSync(join(maildir, sub)); } catch { names = []; }
        for (const name of names) {
          const text = readFileSync(join(maildir, sub, name), 'utf8').replace(/=\r?\n/g, '');
          const m = text.match(/\/confirm-email\/[A-Za-z0-9_-]+/);
          if (m && text.includes('dana@riverside.example')) confirm = m[0];
        }
      }
      if (!confirm) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(confirm, 'a confirmation mail arrived');
    await page.goto(`${base}${confirm}`);
    await accessible(owner, `${base}${confirm}`);
    await page.getByRole('button', { name: 'Confirm this address' }).click();
    assert.match(await page.locator('h1').innerText(), /confirmed/);
    await accessible(owner, `${base}/settings/email`);
  }

  // A consent form link, filled on the phone without JavaScript; an appointment.
  await page.goto(clientUrl);
  await page.getByRole('link', { name: 'Send a form' }).click();
  await accessible(owner, page.url());
  await page.getByLabel('Form').selectOption({ label: 'Consent for Electronic Communication & Communication Preferences' });
  await page.getByRole('button', { name: 'Create link' }).click();
  const formLink = await page.locator('.link-box code').innerText();
  const form = await client.newPage();
  await form.goto(formLink);
  await accessible(client, formLink);
  await form.getByLabel('Secure portal messages').check();
  await form.getByLabel('Email notifications').check();
  await form.getByRole('button', { name: 'Send securely' }).click();
  assert.match(await form.locator('.field-error').first().innerText(), /check this box/);
  await accessible(client, form.url());
  await form.getByLabel(/ordinary email is not a secure way/).check();
  await form.getByLabel('Type your full name as your signature').fill('Jordan Ellis');
  await form.getByRole('button', { name: 'Send securely' }).click();
  assert.match(await form.locator('h1').innerText(), /your form was received/);
  await page.goto(clientUrl);
  assert.match(await page.locator('main').innerText(), /Communication preferences/);
  await page.getByRole('link', { name: 'Consent for Electronic Communication & Communication Preferences' }).click();
  await accessible(owner, page.url());
  await page.goto(clientUrl);
  await page.getByRole('link', { name: 'Add an appointment' }).click();
  await accessible(owner, page.url());
  await page.getByLabel('Date').fill('2099-05-06');
  await page.getByLabel(/^Time/).fill('10:00');
  await page.getByRole('button', { name: 'Save appointment' }).click();
  await phone.goto(`${base}/home`);
  assert.match(await phone.locator('main').innerText(), /Upcoming appointments/);
  await accessible(client, `${base}/home`);
  // The form builder pages.
  await page.goto(`${base}/forms`);
  await accessible(owner, `${base}/forms`);
  await page.getByRole('link', { name: 'Intake' }).click();
  await accessible(owner, page.url());
  await page.getByRole('link', { name: 'Add a question' }).click();
  await accessible(owner, page.url());
  await accessible(owner, `${base}/forms/new`);

  // The client signs out and back in with the password.
  await phone.getByRole('button', { name: 'Sign out' }).click();
  await phone.getByLabel('Email address').fill('jo@example.org');
  await phone.getByLabel('Password').fill('blue heron at dawn');
  await phone.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await phone.locator('h1').innerText(), 'Welcome, Jo');

  await owner.close();
  await client.close();
});

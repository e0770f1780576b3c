import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '/work/main/apps/demo/e2e/server.mjs';
const [preset, steps, extra] = [process.argv[2], process.argv[3], process.argv[4] ?? ''];
const server = await serveStatic('/work/main/apps/demo/dist');
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'dbg-')), {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const page = ctx.pages()[0];
page.on('console', (m) => {
  if (m.type() !== 'debug') console.log('console', m.type(), m.text().slice(0, 300));
});
page.on('pageerror', (e) => console.log('pageerror', e.message));
page.on('worker', (w) => w.on('console', (m) => console.log('worker', m.type(), m.text().slice(0, 300))));
await page.goto(server.url + '?backend=wasm');
await page.getByTestId('backend').waitFor();
const train = page.locator('#page-train');
await train.getByLabel('Preset', { exact: true }).selectOption({ label: preset });
for (const kv of extra.split(',').filter(Boolean)) {
  const [k, v] = kv.split('=');
  const el = train.getByLabel(k, { exact: true });
  if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(v);
  else await el.fill(v);
}
await train.getByLabel('Steps', { exact: true }).fill(steps);
await train.getByLabel('Eval every', { exact: true }).fill(String(Math.max(1, Math.floor(+steps / 2))));
await train.getByLabel('Sample every', { exact: true }).fill(String(Math.max(1, Math.floor(+steps / 2))));
const t0 = Date.now();
await train.getByRole('button', { name: 'Start' }).click();
await page
  .waitForFunction(
    () =>
      ['done', 'paused'].includes(document.querySelector('[data-testid=status]')?.textContent ?? '') &&
      document.querySelector('[data-testid=step]')?.textContent !== '0',
    null,
    { timeout: 300000 },
  )
  .catch((e) => console.log('wait failed', e.message));
console.log('secs', (Date.now() - t0) / 1000);
console.log(await train.getByTestId('stats').textContent());
console.log(await train.locator('.error').allTextContents());
console.log(
  (
    await train
      .getByTestId('train-samples')
      .textContent()
      .catch(() => 'none')
  )?.slice(0, 400),
);
await page.screenshot({ path: '/tmp/demo-probe/dbg2.png', fullPage: true });
await ctx.close();
await server.close();

#!/usr/bin/env node
// Makes the README screenshots of the Train page: the lecture MLP trained 1,500 steps on names, shown at
// 1280×800 (screenshot.png) and on a 390×844 phone (screenshot-phone.png). Run after a build
// (`pnpm --filter demo build`): `node e2e/screenshots.mjs`. CHROMIUM names the browser binary.
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from './server.mjs';

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const server = await serveStatic(join(demoDir, 'dist'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}?preset=lecture-mlp&steps=1500&backend=wasm&autostart=1`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=status]')?.textContent === 'done',
    null,
    {
      timeout: 300_000,
    },
  );
  // Let the charts draw their last frame (two animation frames after the status changed).
  const frames = () =>
    page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await frames();
  await page.screenshot({ path: join(demoDir, 'screenshot.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await frames();
  await page.screenshot({ path: join(demoDir, 'screenshot-phone.png') });
  console.log('wrote screenshot.png and screenshot-phone.png');
} finally {
  await browser.close();
  await server.close();
}

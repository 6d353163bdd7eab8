// Accessibility and privacy checks of the IOP Finder pages in a real browser.
//
//   node axe.mjs http://127.0.0.1:8080 [--listing ID]
//
// Opens the search page, a results page, a listing page (the first result's), the referral
// sheet, the embed and the error pages, at a phone and a desktop size, in headless Chromium
// (Debian's /usr/bin/chromium, or $CHROMIUM), and for each:
//   - runs axe-core (WCAG 2.1 A/AA and best practices) and fails on any serious or critical
//     violation (moderate and minor ones are printed);
//   - fails on any request to another origin (the pages must load nothing from anyone else)
//     and on any console error (a Content-Security-Policy violation shows up there);
//   - checks that the crisis lines are there.
// The search page also checks that the "use my location" button was added by our script,
// which proves the script ran under the CSP.
//
// Exit status: 0 when every page passes, 1 otherwise.

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const args = process.argv.slice(2);
const base = (args.find((a) => !a.startsWith("--")) || "").replace(/\/$/, "");
if (!/^https?:\/\//.test(base)) {
  console.error("usage: node axe.mjs BASE_URL (for example http://127.0.0.1:8080)");
  process.exit(2);
}
const origin = new URL(base).origin;
const near = process.env.IOP_AXE_NEAR || "22902";

const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 900 },
];

// The flags that work on this kind of machine (no sandbox as root, no background network).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let failures = 0;
const fail = (where, msg) => {
  failures += 1;
  console.error(`FAIL ${where}: ${msg}`);
};

/** Loads `path` in a fresh context and runs every check; returns the page for more checks. */
async function check(path, viewport, { status = 200, extra } = {}) {
  const where = `${path} [${viewport.name}]`;
  // The page's Content-Security-Policy stays in force: a violation (an inline style, a script
  // from elsewhere) is reported on the console, which fails the check. axe itself is evaluated
  // through the DevTools protocol, which the CSP does not govern.
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
  });
  const page = await context.newPage();
  const foreign = [];
  const consoleErrors = [];
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:") || url.startsWith("about:")) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
  page.on("console", (m) => {
    // The browser logs a non-2xx main document as an error: that status is checked below.
    const mainDocument = m.location().url === base + path;
    if (m.type() === "error" && !(mainDocument && status !== 200)) consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const res = await page.goto(base + path, { waitUntil: "load" });
  if (!res) {
    fail(where, "no response");
    await context.close();
    return;
  }
  if (res.status() !== status) fail(where, `status ${res.status()}, expected ${status}`);
  const cookies = await context.cookies();
  if (cookies.length) fail(where, `cookies set: ${cookies.map((c) => c.name).join(", ")}`);
  if (!(await page.$("#crisis a[href='tel:988']"))) fail(where, "no crisis lines");

  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      resultTypes: ["violations"],
    });
  });
  for (const v of result.violations) {
    const nodes = v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(" | ");
    const line = `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}) ${nodes}`;
    if (v.impact === "serious" || v.impact === "critical") fail(where, line);
    else console.log(`note ${where}: ${line}`);
  }
  if (extra) await extra(page, where);
  for (const url of foreign) fail(where, `request to another origin: ${url}`);
  for (const e of consoleErrors) fail(where, `console error: ${e}`);
  const ok = `${result.violations.length} axe violation(s), ${foreign.length} foreign request(s)`;
  console.log(`checked ${where}: ${ok}`);
  const links = await page.$$eval("ol.results h3 a", (as) => as.map((a) => a.getAttribute("href")));
  await context.close();
  return links;
}

const results = `/?near=${encodeURIComponent(near)}&level=iop&radius_mi=100`;
let listing = null;
let ids = [];
for (const vp of VIEWPORTS) {
  await check("/", vp, {
    extra: async (page, where) => {
      const button = await page.$("#use-location");
      if (!button) return fail(where, "the 'use my location' button was not added");
      // The browser's position fills the box, rounded to three decimals.
      await page.context().grantPermissions(["geolocation"], { origin });
      await page.context().setGeolocation({ latitude: 38.029306, longitude: -78.476678 });
      await button.click();
      await page.waitForFunction(() => document.getElementById("near").value !== "", null, { timeout: 5000 }).catch(() => {});
      const value = await page.inputValue("#near");
      if (value !== "38.029,-78.477") fail(where, `'use my location' filled ${JSON.stringify(value)}`);
    },
  });
  const links = await check(results, vp);
  if (links && links.length) {
    listing = links[0].split("?")[0];
    ids = links.slice(0, 3).map((h) => h.split("?")[0].replace("/listings/", ""));
  } else {
    fail(`${results} [${vp.name}]`, "no results to check a listing page with");
  }
  await check(`${results}&lang=es`, vp);
  await check(`/?near=${encodeURIComponent(near)}&level=php&radius_mi=1`, vp);
  if (listing) await check(listing, vp);
  if (ids.length) await check(`/referral?ids=${ids.join(",")}`, vp);
  await check(`/embed?near=${encodeURIComponent(near)}&level=iop`, vp);
  await check(`/?near=${encodeURIComponent(near)}&radius_mi=0`, vp, { status: 400 });
  await check("/no-such-page", vp, { status: 404 });
}

// The partner widget, on a partner page of another origin (a second local server, on another
// port): it must insert the embed's iframe with the partner's defaults, and the iframe must grow
// to its content through the height messages. (The partner is served from loopback too:
// Chromium's local-network rules stop a page that is not local from loading scripts from a
// loopback address, which is what the server under test is.)
{
  const where = "widget.js on a partner page";
  const partnerHtml = `<!doctype html><html lang="en"><title>Partner</title><h1>Partner</h1>
    <script src="${base}/widget.js" data-near="${near}" data-level="iop" data-lang="es"></script>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(partnerHtml);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const partner = `http://127.0.0.1:${server.address().port}/`;
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  await page.goto(partner, { waitUntil: "load" });
  const frame = await page.waitForSelector("iframe", { timeout: 10000 }).catch(() => null);
  if (!frame) {
    fail(where, "no iframe inserted");
  } else {
    const src = await frame.getAttribute("src");
    for (const want of [`${base}/embed?`, `near=${near}`, "level=iop", "lang=es"]) {
      if (!src.includes(want)) fail(where, `iframe src ${src} lacks ${want}`);
    }
    const grown = await page
      .waitForFunction(() => document.querySelector("iframe").getAttribute("height") !== "640", null, { timeout: 10000 })
      .then(() => true)
      .catch(() => false);
    if (!grown) fail(where, "the iframe did not get a height message");
    const inner = await (await frame.contentFrame()).$("html[lang=es] #crisis");
    if (!inner) fail(where, "the embed in Spanish with its crisis lines is not in the frame");
    console.log(`checked ${where}: iframe height ${await frame.getAttribute("height")}`);
  }
  await context.close();
  server.close();
}

await browser.close();
if (failures) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log("all pages pass");

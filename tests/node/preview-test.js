// Opens an output's preview page (index.html) in headless Chromium, served by a local HTTP
// server (with Range support, as buckets have, for PMTiles), with the pinned CDN files
// answered from the npm packages and OpenStreetMap tiles with a plain grey tile, so no
// network is used. Prints JSON: whether the map went idle, its errors, every tile response's
// status, and the path of a screenshot.
// Usage: node preview-test.js OUTPUT_DIR SCREENSHOT.png
const fs = require("fs");
const http = require("http");
const path = require("path");
const zlib = require("zlib");
const { chromium } = require("playwright-core");

const [outDir, screenshot] = process.argv.slice(2);
const modules = path.join(__dirname, "node_modules");
const cdn = {
  "https://unpkg.com/maplibre-gl@5.6.0/dist/maplibre-gl.js": ["maplibre-gl/dist/maplibre-gl.js", "application/javascript"],
  "https://unpkg.com/maplibre-gl@5.6.0/dist/maplibre-gl.css": ["maplibre-gl/dist/maplibre-gl.css", "text/css"],
  "https://unpkg.com/pmtiles@4.3.0/dist/pmtiles.js": ["pmtiles/dist/pmtiles.js", "application/javascript"],
};

// A 256×256 opaque grey PNG (RGB 200, 200, 200) for the base map.
function greyPng() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0);
  ihdr.writeUInt32BE(256, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(256 * 3, 200)]);
  const raw = Buffer.concat(Array(256).fill(row));
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0)),
  ]);
}

const types = { ".html": "text/html", ".png": "image/png", ".json": "application/json", ".pmtiles": "application/vnd.pmtiles" };
const server = http.createServer((req, res) => {
  const file = path.join(outDir, decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!file.startsWith(path.resolve(outDir)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404).end();
    return;
  }
  const data = fs.readFileSync(file);
  const type = types[path.extname(file)] || "application/octet-stream";
  const range = /bytes=(\d+)-(\d+)?/.exec(req.headers.range || "");
  if (range) {
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
    res.writeHead(206, { "Content-Type": type, "Content-Range": `bytes ${start}-${end}/${data.length}`, "Accept-Ranges": "bytes" });
    res.end(data.subarray(start, end + 1));
  } else {
    res.writeHead(200, { "Content-Type": type, "Accept-Ranges": "bytes" });
    res.end(data);
  }
});

(async () => {
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
  const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  const grey = greyPng();
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (cdn[url]) {
      const [file, type] = cdn[url];
      return route.fulfill({ status: 200, contentType: type, body: fs.readFileSync(path.join(modules, file)),
                             headers: { "Access-Control-Allow-Origin": "*" } });
    }
    if (url.startsWith("https://tile.openstreetmap.org/")) {
      return route.fulfill({ status: 200, contentType: "image/png", body: grey,
                             headers: { "Access-Control-Allow-Origin": "*" } });
    }
    if (url.startsWith(base)) return route.continue();
    return route.abort(); // nothing else may leave the machine
  });
  const responses = [];
  page.on("response", (r) => {
    if (r.url().startsWith(base) && !r.url().endsWith("index.html")) responses.push({ url: r.url().slice(base.length), status: r.status() });
  });
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(base + "index.html");
  let idle = true;
  try {
    await page.waitForFunction(() => window.aftermathIdle === true, null, { timeout: 60000 });
  } catch (e) {
    idle = false;
  }
  const errors = await page.evaluate(() => window.aftermathErrors || []);
  await page.screenshot({ path: screenshot });
  await browser.close();
  server.close();
  console.log(JSON.stringify({ idle, errors, consoleErrors, responses }));
})().catch((e) => { console.error(e); process.exit(1); });

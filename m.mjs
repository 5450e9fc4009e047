const what = process.argv[2];
if (what) await import(what);
if (global.gc) gc();
await new Promise(r=>setTimeout(r,200));
const m = process.memoryUsage();
const s = (await import('node:fs')).readFileSync('/proc/self/status','utf8').match(/VmHWM:\s+(\d+)/)[1];
console.log(what, 'rss', (m.rss/1e6).toFixed(0), 'heapUsed', (m.heapUsed/1e6).toFixed(0), 'heapTotal', (m.heapTotal/1e6).toFixed(0), 'hwm', (s/1e3).toFixed(0));

/**
 * The report page's inline stylesheet and script. Both are constants (no user data), so the page
 * stays self-contained: no CDN, no font download, nothing fetched. The charts are drawn without
 * the script; it only adds tooltips and "how long ago" to times.
 */

export const STYLE = `
:root{--bg:#f6f8fa;--card:#fff;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--grid:#eef1f4;
--observed:#0b5cd5;--baseline:#59636e;--band:rgba(84,174,255,.20);--flag:#cf222e;--flag-col:rgba(207,34,46,.08);
--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--unknown:#59636e;--score:#8c959f;--on-badge:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--ink:#e6edf3;--muted:#9198a1;--line:#3d444d;
--grid:#21262d;--observed:#4493f8;--baseline:#9198a1;--band:rgba(56,139,253,.20);--flag:#f85149;--flag-col:rgba(248,81,73,.12);
--ok:#3fb950;--bad:#f85149;--warn:#d29922;--unknown:#9198a1;--score:#656c76;--on-badge:#0d1117}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Helvetica,Arial,sans-serif}
main{max-width:1040px;margin:0 auto;padding:24px 20px 48px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.92em}
header.page{display:flex;flex-wrap:wrap;align-items:center;gap:12px 20px;padding-bottom:16px;border-bottom:1px solid var(--line)}
header.page h1{margin:0;font-size:24px;font-weight:650;letter-spacing:-.01em}
header.page .ns{color:var(--muted);font-weight:400}
.facts{display:flex;flex-wrap:wrap;gap:6px 22px;margin:12px 0 0;color:var(--muted);width:100%}
.facts b{color:var(--ink);font-weight:600}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:13px;font-weight:650;color:var(--on-badge);white-space:nowrap}
.badge.Healthy{background:var(--ok)}.badge.Anomalous,.badge.critical{background:var(--bad)}
.badge.Failed,.badge.warning{background:var(--warn)}.badge.Unknown{background:var(--unknown)}
.badge.model{background:#8250df}
.summary{margin:20px 0 8px;font-size:17px}
.summary b{font-weight:650}
.notice{margin:12px 0;padding:10px 14px;border:1px solid var(--line);border-left:4px solid var(--warn);background:var(--card);border-radius:6px}
section.anomaly{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:18px 0;padding:16px 18px 8px;position:relative}
section.anomaly.model-level{border-left:5px solid #8250df}
section.anomaly h2{margin:0;font-size:18px;font-weight:650;display:flex;flex-wrap:wrap;align-items:center;gap:8px}
section.anomaly h2 .rank{color:var(--muted);font-weight:500}
.values{display:flex;flex-wrap:wrap;gap:6px 34px;margin:10px 0 6px}
.values div{display:flex;flex-direction:column}
.values>div>span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.values b{font-size:17px;font-weight:650;font-variant-numeric:tabular-nums}
.values b.out{color:var(--flag)}
.rel{font-weight:400;color:var(--muted)}.values .rel{display:block;font-size:12px}
.members{margin:6px 0;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;color:var(--muted);font-size:13px;margin:4px 0 0}
.legend i{display:inline-block;width:18px;height:10px;margin-right:6px;vertical-align:middle;border-radius:2px}
.legend .l-obs{height:3px;background:var(--observed)}.legend .l-base{height:0;border-top:2px dashed var(--baseline)}
.legend .l-band{background:var(--band)}.legend .l-flag{width:10px;height:10px;border-radius:50%;background:var(--flag)}
svg.chart{display:block;width:100%;height:auto;margin:6px 0 4px;overflow:visible}
svg.chart text{font-size:12px;fill:var(--muted);font-variant-numeric:tabular-nums}
svg.chart .empty{font-size:15px}
svg.chart .grid{stroke:var(--grid);stroke-width:1}
svg.chart .band{fill:var(--band);stroke:none}
svg.chart .baseline{fill:none;stroke:var(--baseline);stroke-width:1.5;stroke-dasharray:5 4}
svg.chart .observed{fill:none;stroke:var(--observed);stroke-width:2.2;stroke-linejoin:round}
svg.chart .point{fill:var(--observed)}
svg.chart .flagged{fill:var(--flag);stroke:var(--card);stroke-width:2}
svg.chart .flag-col{fill:var(--flag-col)}
svg.chart .score-bg{fill:none;stroke:var(--grid)}
svg.chart .score-bar{fill:var(--score)}svg.chart .flagged-bar{fill:var(--flag)}
svg.chart .threshold{stroke:var(--flag);stroke-width:1;stroke-dasharray:3 3}
svg.chart .panel-label{font-size:11px}
svg.chart .crosshair{stroke:var(--ink);stroke-width:1;opacity:.5}
svg.chart .hover-target{fill:transparent;cursor:crosshair}
.tooltip{position:absolute;pointer-events:none;background:var(--card);border:1px solid var(--line);border-radius:6px;
padding:6px 10px;font-size:13px;box-shadow:0 4px 14px rgba(0,0,0,.15);white-space:nowrap;display:none;z-index:2}
.tooltip b{font-variant-numeric:tabular-nums}
.empty-state{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:20px 0;padding:28px;text-align:center}
.empty-state h2{margin:0 0 6px;font-size:20px}
.empty-state p{margin:0;color:var(--muted)}
h2.section{font-size:17px;margin:28px 0 8px}
table.runs{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;font-size:14px}
table.runs th,table.runs td{text-align:left;padding:7px 12px;border-bottom:1px solid var(--grid);vertical-align:top}
table.runs th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
table.runs td.num{font-variant-numeric:tabular-nums}
table.runs td.when{white-space:nowrap}
table.runs td.err{color:var(--bad);word-break:break-word}
footer{margin-top:28px;color:var(--muted);font-size:13px}
`;

export const SCRIPT = `
(function () {
  'use strict';
  var now = Date.now();
  document.querySelectorAll('time[data-rel]').forEach(function (el) {
    var t = Date.parse(el.getAttribute('datetime') || '');
    if (!isFinite(t)) return;
    var s = Math.round((now - t) / 1000), a = Math.abs(s), txt;
    if (a < 90) txt = a + ' s'; else if (a < 5400) txt = Math.round(a / 60) + ' min';
    else if (a < 172800) txt = Math.round(a / 3600) + ' h'; else txt = Math.round(a / 86400) + ' days';
    var rel = document.createElement('span');
    rel.className = 'rel';
    rel.textContent = ' (' + (s >= 0 ? txt + ' ago' : 'in ' + txt) + ')';
    el.after(rel);
  });
  var node = document.getElementById('report-data');
  if (!node) return;
  var data = JSON.parse(node.textContent || '{}');
  function num(v) {
    if (v === null || v === undefined) return '\\u2013';
    var a = Math.abs(v);
    if (v === 0) return '0';
    if (a >= 1e6 || a < 1e-3) return v.toExponential(3).replace(/\\.?0+e/, 'e');
    return String(Number(v.toPrecision(4)));
  }
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var d = data.charts && data.charts[svg.id];
    var target = svg.querySelector('.hover-target');
    var cross = svg.querySelector('.crosshair');
    var card = svg.closest('section');
    if (!d || !target || !cross || !card) return;
    var tip = document.createElement('div');
    tip.className = 'tooltip';
    card.appendChild(tip);
    var width = svg.viewBox.baseVal.width;
    target.addEventListener('pointermove', function (ev) {
      var box = svg.getBoundingClientRect();
      var x = (ev.clientX - box.left) * width / box.width;
      var best = 0;
      for (var i = 1; i < d.x.length; i++) if (Math.abs(d.x[i] - x) < Math.abs(d.x[best] - x)) best = i;
      cross.setAttribute('x1', d.x[best]); cross.setAttribute('x2', d.x[best]);
      cross.setAttribute('visibility', 'visible');
      tip.textContent = '';
      var lines = [['', d.t[best]], ['observed ', num(d.o[best])], ['expected ', num(d.b[best])],
        ['band ', num(d.l[best]) + ' \\u2013 ' + num(d.u[best])], ['score ', num(d.s[best])]];
      lines.forEach(function (l, k) {
        var row = document.createElement('div');
        if (k === 0) { var b0 = document.createElement('b'); b0.textContent = l[1] + (d.f[best] ? '  \\u25cf flagged' : ''); row.appendChild(b0); }
        else { row.appendChild(document.createTextNode(l[0])); var b = document.createElement('b'); b.textContent = l[1]; row.appendChild(b); }
        tip.appendChild(row);
      });
      var cardBox = card.getBoundingClientRect();
      var left = box.left - cardBox.left + d.x[best] * box.width / width + 14;
      tip.style.display = 'block';
      if (left + tip.offsetWidth > cardBox.width - 8) left -= tip.offsetWidth + 28;
      tip.style.left = left + 'px';
      tip.style.top = (ev.clientY - cardBox.top + 12) + 'px';
    });
    target.addEventListener('pointerleave', function () {
      cross.setAttribute('visibility', 'hidden');
      tip.style.display = 'none';
    });
  });
})();
`;
